"""kill -9 the real `scalp-tui headless --live` against the exchange emulator: every
restart restores the journal's positions and agrees with the exchange before it
trades, whatever happened while it was down."""

import asyncio
import contextlib
import json
import random
from pathlib import Path

import pytest
from crash import closed_ids, events_since, last_event_id, open_positions, read
from emulator.cli_rig import held, start_live, until

ROUNDS = 10
ENV = {
    "SCALP_TUI_API_KEY": "test-key",
    "SCALP_TUI_API_SECRET": "test-secret-5521",
    "PYTHONUNBUFFERED": "1",
}


_started: list[asyncio.subprocess.Process] = []


@pytest.fixture(autouse=True)
def _no_process_outlives_its_test():
    """A failed assertion must not leave a console trading against the next test."""
    yield
    while _started:
        proc = _started.pop()
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()


async def start(emulator, tmp_path: Path, journal: Path, *args: str):
    proc = await start_live(emulator, journal, *args, env=ENV, cwd=tmp_path)
    _started.append(proc)
    return proc


async def churn(emulator, stop: asyncio.Event, hold: asyncio.Event) -> None:
    """The price jumps between two levels 0.7 % apart, ask-heavy both times: each
    jump exits the open short (stop loss up, profit target down) and the entry
    signal opens the next one. While `hold` is set the price stays where it is (book
    updates go on, so a flat console still enters, but nothing exits)."""
    level = 0
    while not stop.is_set():
        if hold.is_set():
            bid = (60_000.0, 60_420.0)[(level - 1) % 2]
            await move_to(emulator, bid, 1.0 + (level % 2) * 0.5)
            level += 2
            await asyncio.sleep(0.1)
            continue
        bid = (60_000.0, 60_420.0)[level % 2]
        await move_to(emulator, bid)  # exits the short opened at the other level
        await asyncio.sleep(0.2)
        await move_to(emulator, bid, 1.5)  # a book update once flat: the next entry
        level += 1
        await asyncio.sleep(0.2)


async def move_to(emulator, bid: float, bid_qty: float = 1.0) -> None:
    """An ask-heavy one-level book at `bid`, every other level removed."""
    market = emulator.markets["BTCUSDT"]
    ask = round(bid + 0.1, 1)
    bids = [(p, 0.0) for p in market.bids if p != bid] + [(bid, bid_qty)]
    asks = [(p, 0.0) for p in market.asks if p != ask] + [(ask, 40.0)]
    await emulator.set_levels("BTCUSDT", bids, asks)
    await emulator.trade("BTCUSDT", bid, 0.01, buyer_is_maker=True)


def journal_short(journal: Path) -> float:
    return -sum(p["qty"] for p in open_positions(journal, with_unfilled=True).values())


def recovered(journal: Path, mark: int) -> bool:
    """The restarted process reached its feed: recovery is over."""
    return any(e["status"]["state"] == "live" for e in events_since(journal, mark, "FeedChanged"))


@pytest.mark.slow
async def test_kill_9_with_live_positions_open_agrees_with_the_exchange(
    emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.sqlite"
    rng = random.Random(5)
    stop, hold = asyncio.Event(), asyncio.Event()
    driver = asyncio.create_task(churn(emulator, stop, hold))
    reconciled_rounds = 0
    try:
        expected: set[int] = set()
        for round_ in range(ROUNDS + 1):
            mark = last_event_id(journal)
            last = round_ == ROUNDS
            proc = await start(emulator, tmp_path, journal, *(["--duration", "1"] if last else []))
            await until(lambda m=mark: recovered(journal, m), 30, "the restart")
            came_back = {
                e["position"]["id"] for e in events_since(journal, mark, "PositionRestored")
            }
            assert came_back == expected, f"round {round_}"
            # before it trades, the journal agrees with the exchange
            reconciled = [
                e
                for e in events_since(journal, mark, "PositionClosed")
                if e["position"]["exit_reason"] == "reconciled"
            ]
            reconciled_rounds += bool(reconciled)
            if last:
                # a still market for the last run: a short it leaves open at its end
                # stays what the journal says (a jump afterwards would fire its stop
                # resting at the exchange, rightly, with nobody here to hear it)
                hold.set()
                out, err = await asyncio.wait_for(proc.communicate(), 60)
                assert proc.returncode == 0, err.decode()
                assert "test-secret-5521" not in out.decode() + err.decode()
                break
            hold.clear()
            await asyncio.sleep(rng.uniform(0.3, 1.5))
            by_hand = round_ in (3, 7)
            if by_hand:
                # a still market, so the short the exchange holds when the console dies
                # is the one the journal holds open (not one being exited just then)
                hold.set()
                await until(
                    lambda: any(p["state"] == "open" for p in open_positions(journal).values()),
                    30,
                    "a journaled open short",
                )
            await until(lambda: held(emulator) < 0, 30, "an open live short")
            proc.kill()
            await proc.communicate()
            expected = set(open_positions(journal, with_unfilled=True))
            ids = closed_ids(journal)
            assert len(ids) == len(set(ids)), "a position was closed twice"
            if by_hand:
                # closed by hand on the exchange while the console was down
                emulator.positions["BTCUSDT"] = (0.0, 0.0)
    finally:
        stop.set()
        await driver
    assert reconciled_rounds == 2
    # after the last recovery and run, what the journal holds open is what the
    # exchange holds
    assert abs(journal_short(journal) - held(emulator)) < 1e-9
    for part in tmp_path.glob("journal.sqlite*"):
        assert b"test-secret-5521" not in part.read_bytes()
    reasons = {r for (r,) in read(journal, "SELECT exit_reason FROM trades")}
    assert {"short_scalp_profit_target", "reconciled"} <= reasons
    # a jump through the stop price meets the venue's resting stop first
    assert reasons & {"short_scalp_stop_loss", "stop_loss_on_exchange"}


async def test_an_exit_filled_while_the_console_was_dead_is_applied(
    emulator, tmp_path: Path
) -> None:
    """The exit reaches the exchange and fills; the process dies before it hears."""
    journal = tmp_path / "journal.sqlite"
    config = tmp_path / "config.json"
    # the software stop's own exit is the subject here, not the venue's resting stop
    config.write_text(json.dumps({"stoploss_on_exchange": False}))
    await move_to(emulator, 60_000.0)
    proc = await start(emulator, tmp_path, journal, "--config", str(config))
    await until(lambda: held(emulator) < 0, 30, "the entry")
    (position_id,) = await until(lambda: open_positions(journal), 30, "the journaled entry")
    emulator.silence_next = 1
    await move_to(emulator, 60_420.0)  # the stop loss
    await until(lambda: held(emulator) == 0, 30, "the exit at the exchange")
    await until(
        lambda: open_positions(journal)[position_id]["state"] == "closing", 30, "the exit intent"
    )
    proc.kill()
    await proc.communicate()
    assert position_id in open_positions(journal)  # the journal never heard of the fill

    mark = last_event_id(journal)
    proc = await start(emulator, tmp_path, journal, "--duration", "1", "--config", str(config))
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    (closed,) = [
        e
        for e in events_since(journal, mark, "PositionClosed")
        if e["position"]["id"] == position_id
    ]
    # the fill found at the exchange closes it with its own reason and price
    assert closed["position"]["exit_reason"] == "short_scalp_stop_loss"
    assert closed["position"]["exit_price"] > 60_400
    assert position_id not in open_positions(journal)


def working_orders(emulator) -> list[dict]:
    return [o for o in emulator.orders.values() if o["status"] in ("NEW", "PARTIALLY_FILLED")]


@pytest.mark.parametrize("policy", ["cancel", "reattach"])
async def test_an_order_left_working_is_cancelled_or_reattached(
    emulator, tmp_path: Path, policy: str
) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "entry_order_type": "limit",  # rests at the ask: nothing crosses it here
                "entry_limit_timeout_s": 3600,
                "restart_open_orders": policy,
            }
        )
    )
    journal = tmp_path / "journal.sqlite"
    await move_to(emulator, 60_000.0)
    proc = await start(emulator, tmp_path, journal, "--config", str(config))
    (resting,) = await until(lambda: working_orders(emulator), 30, "the resting entry")
    (position_id,) = await until(lambda: open_positions(journal, True), 30, "the journaled entry")
    proc.kill()
    await proc.communicate()

    mark = last_event_id(journal)
    proc = await start(emulator, tmp_path, journal, "--config", str(config))
    await until(lambda: recovered(journal, mark), 30, "the restart")
    if policy == "cancel":
        assert resting["status"] == "CANCELED"
        # nothing had filled: no position (the signal may already have sent a new one)
        assert position_id not in open_positions(journal, True)
    else:
        assert resting["status"] == "NEW"
        await emulator.set_levels("BTCUSDT", [(60_000.1, 5.0)], [])  # a buyer reaches it
        await until(lambda: open_positions(journal), 30, "the fill of the re-attached order")
        assert set(open_positions(journal)) == {position_id}
        assert held(emulator) < 0
    proc.kill()
    out, _ = await proc.communicate()
    assert f"was still working after the restart: {policy}" in out.decode().replace(
        "re-attached", "reattach"
    ).replace("cancelled", "cancel")
