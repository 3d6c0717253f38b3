"""The live order path under the faults that once lost money: a look-up before the
order lands, 429s on look-ups, a partial fill whose rest fills later, an exit that
overlaps a partly filled entry. Real ccxt.pro client, emulator on 127.0.0.1."""

import asyncio
import json
from dataclasses import replace

import pytest
from emulator.cli_rig import CREDENTIALS, drive, endpoints, headless
from emulator.live_rig import BTC, Live

from scalp_tui.engine.protocol import (
    BookUpdate,
    ClosePosition,
    OrderStatus,
    OrderUpdated,
    PositionClosed,
)

GIVEN_UP = (OrderStatus.REJECTED, OrderStatus.EXPIRED)


def venue_book(emulator) -> None:
    """Thin bids (0.002 at the touch), heavy asks: a short entry signal."""
    emulator.seed_book(
        "BTCUSDT",
        [(round(60_000.5 - 0.1 * i, 1), 0.002) for i in range(10)],
        [(round(60_000.6 + 0.1 * i, 1), 1.0) for i in range(10)],
    )


def given_up(live) -> list[OrderUpdated]:
    return [e for e in live.events if isinstance(e, OrderUpdated) and e.order.status in GIVEN_UP]


async def poll_until(live, condition, timeout: float) -> None:
    """Run the broker's 2 s REST check faster, as the session would, until `condition`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await live.broker.poll()
        await asyncio.sleep(0.2)


async def test_a_look_up_before_the_order_lands_does_not_end_it(emulator) -> None:
    venue_book(emulator)
    emulator.land_delay_s = 2.5  # the order exists at the venue only after 2.5 s
    async with Live(emulator) as live:
        live.exchange.timeout = 1_000  # ccxt gives up on the answer after 1 s
        live.show_book()
        (position,) = live.engine.positions.values()
        # the request times out unanswered; look-ups find nothing while it lands
        await poll_until(live, lambda: position.qty > 0, timeout=15)
        assert position.qty == pytest.approx(0.004)  # 300 USDT at 60000.5
        assert not given_up(live)  # never declared dead while it could still land
        assert emulator.net_position("BTCUSDT") == pytest.approx(-0.004)
        assert live.engine.entries == 1


async def test_429s_on_look_ups_never_end_an_order(emulator) -> None:
    venue_book(emulator)
    emulator.lose_answer_next = 1  # filled at the venue, the answer lost (503)
    emulator.rate_limit("order_query", 12)  # and every look-up throttled for a while
    async with Live(emulator) as live:
        live.show_book()
        (position,) = live.engine.positions.values()
        await poll_until(live, lambda: position.qty > 0, timeout=20)
        assert position.qty == pytest.approx(0.004)
        assert not given_up(live)
        assert live.broker.retrier.throttled >= 12


async def test_a_partial_fill_then_429s_keeps_the_rest_tracked(emulator) -> None:
    venue_book(emulator)
    async with Live(emulator) as live:
        live.engine.params = replace(live.engine.params, entry_order_type="limit")
        stale_book(live, ask=60_000.4)  # our limit sell at 60000.4 crosses 0.004 of bids
        await live.settle()
        (position,) = live.engine.positions.values()
        assert position.qty == pytest.approx(0.004)  # partly filled, the rest rests
        emulator.rate_limit("order_query", 8)
        emulator.rate_limit("open_orders", 8)
        await emulator.set_levels("BTCUSDT", [(60_000.4, 1.0)], [])  # the rest fills
        await poll_until(live, lambda: position.qty > 0.0049, timeout=20)
        assert position.qty == pytest.approx(0.005)
        assert emulator.net_position("BTCUSDT") == pytest.approx(-0.005)
        assert not given_up(live)


async def test_an_exit_overlapping_a_partial_entry_has_the_venues_pnl(emulator) -> None:
    venue_book(emulator)
    realised = record_venue_pnl(emulator)
    async with Live(emulator) as live:
        live.engine.params = replace(live.engine.params, entry_order_type="limit")
        stale_book(live, ask=60_000.5)  # crosses the 0.002 bid at 60000.5
        await live.settle()
        (position,) = live.engine.positions.values()
        assert position.qty == pytest.approx(0.002)
        emulator.rate_limit("order_cancel", 2)  # the cancel of the rest is held up …
        assert live.engine.execute(ClosePosition(position.id)).ok
        # … while the rest of the entry fills at the venue, before the exit lands
        await emulator.set_levels("BTCUSDT", [(60_000.5, 1.0)], [])
        await live.settle()
        for _ in range(20):  # the engine exits whatever it still holds
            if not live.engine.positions:
                break
            live.engine.on_timer()
            await live.settle()
            await live.broker.poll()
        (closed,) = [e.position for e in live.events if isinstance(e, PositionClosed)]
        assert emulator.net_position("BTCUSDT") == pytest.approx(0.0)
        assert closed.qty == pytest.approx(0.005)
        gross = closed.realised_pnl + closed.fees
        assert gross == pytest.approx(realised[0], abs=1e-9)


def stale_book(live: Live, ask: float) -> None:
    """The engine sees an ask-heavy book whose ask is `ask` (behind the venue) and
    whose bid is 60000.0 (a 0.005 BTC stake)."""
    bids = tuple((round(60_000.0 - 0.1 * i, 1), 1.0) for i in range(10))
    asks = tuple((round(ask + 0.1 * i, 1), 3.0) for i in range(10))
    live.engine.on_book(BookUpdate(BTC, live.engine.clock.now_ms(), bids, asks, snapshot=True))


def record_venue_pnl(emulator) -> list[float]:
    """The venue's realised profit (before fees) as the venue books it: each buy that
    reduces the short realises (entry price - fill price) x quantity."""
    total = [0.0]
    fill = emulator._fill

    def booked(order: dict, price: float, qty: float) -> None:
        held, entry = emulator.positions.get(order["symbol"], (0.0, 0.0))
        if order["side"] == "BUY" and held < 0:
            total[0] += (entry - price) * min(qty, -held)
        fill(order, price, qty)

    emulator._fill = booked
    return total


async def test_a_429_storm_from_the_first_request_only_delays_the_start(emulator, tmp_path) -> None:
    emulator.storm_429(seconds=4.0)  # every REST request, from the very first, is refused
    stop = asyncio.Event()
    driver = asyncio.create_task(drive(emulator, stop))
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        code, out, err = await headless(
            tmp_path,
            "--live",
            "--symbol",
            BTC,
            "--duration",
            "2",
            "--json",
            env={**endpoints(emulator), **CREDENTIALS},
        )
    finally:
        stop.set()
        await driver
    assert code == 0, err
    assert loop.time() - started > 4.0  # it waited the storm out
    assert emulator.stats.throttled > 0
    assert json.loads(out.strip().splitlines()[-1])["entries"] >= 1
