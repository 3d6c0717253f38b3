"""kill -9 the real `scalp-tui headless --live` on the OKX and Bybit emulators with a
short open, and restart it from its journal: the short and its venue-side stop come
back and agree with the venue; a short closed at the venue while the console was
dead (by hand, or by the venue's stop) is closed in the journal and leaves no stop
behind. Money: the journal's PnL and fees are the venue's wallet change and fees
(trades made by hand at the venue apart)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from crash import events_since, last_event_id
from emulator.cli_rig import until
from emulator.venue_cli import (
    SECRET,
    Consoles,
    drive,
    journal_stop_ids,
    open_records,
    orphan_stops,
    recovered,
)
from emulator.venue_rig import (
    CORE_VENUES,
    HEAVY_ASKS,
    THIN_BIDS,
    Venue,
    assert_money_agrees,
    journal_held,
    journal_pnl_and_fees,
)

# a short, once open, stays open until the venue's stop or the test closes it
HOLD = {
    "SCALP_TUI_SHORT_SCALP_PROFIT_TARGET": "0.5",
    "SCALP_TUI_SHORT_SCALP_REVERSAL_THRESHOLD": "0.99",
    "SCALP_TUI_SHORT_SCALP_TIMEOUT": "60",
}


@pytest.fixture(params=CORE_VENUES)
async def venue(request):
    v = Venue(request.param)
    v.seed(THIN_BIDS, HEAVY_ASKS)
    await v.emulator.start()
    yield v
    await v.emulator.stop()


@pytest.fixture
async def consoles(venue, tmp_path: Path):
    c = Consoles(venue, tmp_path, HOLD)
    yield c
    await c.kill_all()


async def open_short_then_kill(consoles: Consoles) -> dict:
    """Start, wait for a journaled open short with its stop resting at the venue,
    kill -9. Returns the short's journal record."""
    venue, journal = consoles.venue, consoles.journal
    stop = asyncio.Event()
    driver = asyncio.create_task(drive(venue, stop))
    try:
        proc = await consoles.start()
        await until(
            lambda: (
                venue.held() < 0
                and any(p["state"] == "open" for p in open_records(journal))
                and journal_stop_ids(venue, journal) & {s["client_id"] for s in venue.stops()}
            ),
            30,
            "a journaled short with its stop at the venue",
        )
    finally:
        stop.set()
        await driver
    proc.kill()
    await proc.communicate()
    (record,) = open_records(journal)
    return record


async def restart(consoles: Consoles, seconds: float = 2.0) -> int:
    """A restart that recovers, runs `seconds` in a still market and ends by itself.
    Returns the journal mark from before it."""
    mark = last_event_id(consoles.journal)
    # the entry signal's market without a new trade: nothing exits, nothing enters
    # (the symbol holds a short) unless the console is flat
    proc = await consoles.start("--duration", str(seconds))
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert SECRET not in out.decode() + err.decode()
    assert recovered(consoles.journal, mark)
    return mark


def agree(venue: Venue, consoles: Consoles) -> None:
    """The venue holds what the journal holds open, each short's stop rests there
    for its quantity, and no other stop does."""
    journal = consoles.journal
    assert venue.held() == pytest.approx(journal_held(journal), abs=1e-12)
    assert orphan_stops(venue, journal) == []
    if open_records(journal):
        (stop,) = venue.stops()
        assert stop["contracts"] * venue.contract_size == pytest.approx(-venue.held(), abs=1e-12)


async def test_kill_9_restart_restores_and_reconciles(venue, consoles) -> None:
    journal = consoles.journal
    record = await open_short_then_kill(consoles)
    held = venue.held()
    assert held == pytest.approx(-record["qty"], abs=1e-12)

    # 1. the venue still holds it: restored, its stop kept, nothing else sent
    mark = await restart(consoles)
    restored = [e["position"]["id"] for e in events_since(journal, mark, "PositionRestored")]
    assert restored == [record["id"]]
    assert [r["id"] for r in open_records(journal)] == [record["id"]]
    assert venue.held() == held
    agree(venue, consoles)
    assert_money_agrees(venue, *journal_pnl_and_fees(journal))

    # 2. closed by hand at the venue while no console runs: reconciled, stop withdrawn
    core, sid = venue.emulator.core, venue.sid
    before = len(core.fills)
    core.place(sid, "buy", "market", -venue.held_contracts(), reduce_only=True)
    by_hand = sum(f.realized_pnl - f.fee for f in core.fills[before:])
    by_hand_fees = sum(f.fee for f in core.fills[before:])
    assert venue.held() == 0.0 and venue.stops()  # the stop still rests there
    mark = await restart(consoles)
    (closed,) = [
        e["position"]
        for e in events_since(journal, mark, "PositionClosed")
        if e["position"]["id"] == record["id"]
    ]
    assert closed["exit_reason"] == "reconciled"
    await until(lambda: not venue.stops(), 10, "the orphan stop withdrawn")
    # the console was flat after the reconcile: it may have entered again
    agree(venue, consoles)
    assert_money_agrees(venue, *journal_pnl_and_fees(journal), (by_hand, by_hand_fees))


async def test_the_venues_stop_fills_while_the_console_is_dead(venue, consoles) -> None:
    journal = consoles.journal
    record = await open_short_then_kill(consoles)
    (stop,) = venue.stops()
    jump = round(stop["trigger"] + 50, 1)
    await venue.move_to(jump)
    await venue.trade(jump)  # through the stop while nobody watches
    assert venue.held() == 0.0 and not venue.stops()

    await venue.move_to(jump, bid_qty=1.0)  # bid-heavy: no new entry at the restart
    mark = await restart(consoles)
    (closed,) = [
        e["position"]
        for e in events_since(journal, mark, "PositionClosed")
        if e["position"]["id"] == record["id"]
    ]
    assert closed["exit_reason"] == "stop_loss_on_exchange"
    assert closed["exit_price"] > stop["trigger"]
    assert open_records(journal) == [] and venue.held() == 0.0
    agree(venue, consoles)
    assert_money_agrees(venue, *journal_pnl_and_fees(journal))
