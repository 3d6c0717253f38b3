"""Live trading end to end on each venue emulator (OKX, Bybit; Binance USD-M where
its emulator has what a test needs) with the real ccxt.pro client: the entry sized in
base units is the venue's contracts x contract size, its exchange-side stop rests
reduce-only in contracts, a partial fill is the position, every exit reason closes
it at the venue, the kill switch flattens with the market feed down, and after each
the engine's PnL and fees are the venue's wallet change and charged fees."""

from __future__ import annotations

import asyncio

import pytest
from emulator.venue_rig import (
    ALL_VENUES,
    HEAVY_ASKS,
    QTY,
    THIN_BIDS,
    LiveVenue,
    Venue,
    closed,
    enter,
)
from emulator.venue_rig import assert_money_agrees as money_agrees

from scalp_tui.engine.protocol import ClosePosition, EngageKillSwitch, ExitReason


@pytest.fixture(params=ALL_VENUES)
async def venue(request):
    v = Venue(request.param)
    v.seed(THIN_BIDS, HEAVY_ASKS)
    await v.emulator.start()
    yield v
    await v.emulator.stop()


async def test_entry_in_base_units_is_contracts_at_the_venue_with_its_stop(venue) -> None:
    async with LiveVenue(venue) as live:
        live.watch()  # as a session runs: the stream may report a fill before the answer
        await asyncio.sleep(0.5)  # logged in and subscribed before the first order
        position = await enter(live)
        # the venue holds contracts: 0.5 of 0.01 BTC at OKX, 0.005 of 1 BTC elsewhere
        assert venue.held_contracts() == pytest.approx(-QTY / venue.contract_size, abs=1e-12)
        assert venue.held() == pytest.approx(-position.qty, abs=1e-12)
        (stop,) = venue.stops()
        assert stop["side"] == "buy" and stop["reduce_only"]
        assert stop["contracts"] == pytest.approx(QTY / venue.contract_size, abs=1e-12)
        stop_px = position.stop_price(live.engine.exit_rule)
        assert stop_px <= stop["trigger"] < stop_px + 0.1 + 1e-9  # up to the tick
        # manual close
        assert live.engine.execute(ClosePosition(position.id)).ok
        await live.until(lambda: not live.engine.positions)
        (done,) = closed(live)
        assert done.exit_reason is ExitReason.MANUAL
        assert venue.held() == 0.0
        await live.until(lambda: not venue.stops())
        money_agrees(venue, *live.pnl_and_fees())


async def test_a_partial_entry_fill_is_the_position(venue) -> None:
    # 0.6 of the order: a whole number of lots everywhere (the Binance emulator fills
    # fractions as given, the core floors them to lots)
    venue.emulator.partial_next = [0.6]
    async with LiveVenue(venue) as live:
        position = await enter(live, None)
        part = position.qty
        assert part == pytest.approx(0.003, abs=1e-12)
        assert venue.held() == pytest.approx(-part, abs=1e-12)
        (stop,) = venue.stops()
        assert stop["contracts"] == pytest.approx(part / venue.contract_size, abs=1e-12)
        assert live.engine.execute(ClosePosition(position.id)).ok
        await live.until(lambda: not live.engine.positions and not venue.stops())
        assert venue.held() == 0.0
        assert closed(live)[0].qty == pytest.approx(part, abs=1e-12)
        money_agrees(venue, *live.pnl_and_fees())


async def exit_by_price(live: LiveVenue, bid: float) -> None:
    await live.venue.move_to(bid)  # no trade printed: the venue's stop stays
    live.show_book()


async def exit_by_timeout(live: LiveVenue) -> None:
    await asyncio.sleep(0.4)  # the timeout is 0.3 s
    live.engine.on_timer()


async def exit_by_reversal(live: LiveVenue) -> None:
    # bid-heavy now, and the last closed candle rose (the rig's history)
    await live.venue.move_to(60_000.0, bid_qty=1.0, ask_qty=0.05)
    live.show_book()


EXITS = {
    ExitReason.PROFIT_TARGET: lambda live: exit_by_price(live, 59_790.0),  # -0.35 %
    ExitReason.STOP_LOSS: lambda live: exit_by_price(live, 60_300.0),  # +0.5 %
    ExitReason.TIMEOUT: exit_by_timeout,
    ExitReason.MARKET_REVERSAL: exit_by_reversal,
}


@pytest.mark.parametrize("reason", list(EXITS), ids=[r.value for r in EXITS])
async def test_every_exit_reason_flattens_the_venue(venue, reason: ExitReason) -> None:
    params = {"timeout_minutes": 0.005} if reason is ExitReason.TIMEOUT else {}
    async with LiveVenue(venue, **params) as live:
        await enter(live)
        await EXITS[reason](live)
        await live.until(lambda: not live.engine.positions)
        (done,) = closed(live)
        assert done.exit_reason is reason
        assert done.qty == pytest.approx(QTY, abs=1e-12)
        assert venue.held() == 0.0
        await live.until(lambda: not venue.stops())  # the stop went with it
        assert not venue.working_orders()
        money_agrees(venue, *live.pnl_and_fees())


async def test_the_venues_stop_fires_while_the_console_looks_away(venue) -> None:
    async with LiveVenue(venue) as live:
        live.watch()
        position = await enter(live)
        (stop,) = venue.stops()
        # the market jumps through the stop; the console sees no book of it
        await venue.move_to(round(stop["trigger"] + 50, 1))
        await venue.trade(round(stop["trigger"] + 50, 1))
        assert venue.held() == 0.0  # the venue's stop bought it back
        await live.until(lambda: not live.engine.positions)
        (done,) = closed(live)
        assert done.id == position.id
        assert done.exit_reason is ExitReason.STOP_LOSS_ON_EXCHANGE
        assert done.exit_price > stop["trigger"]
        assert not venue.stops() and not venue.working_orders()
        money_agrees(venue, *live.pnl_and_fees())


async def test_kill_switch_flattens_and_cancels_stops_with_the_feed_down(venue) -> None:
    async with LiveVenue(venue) as live:
        live.watch()
        await enter(live)
        await venue.emulator.drop_connections()  # every WebSocket gone; REST answers
        assert live.engine.execute(EngageKillSwitch()).ok
        await live.until(lambda: not live.engine.positions)
        (done,) = closed(live)
        assert done.exit_reason is ExitReason.KILL_SWITCH
        assert venue.held() == 0.0
        await live.until(lambda: not venue.stops())
        assert not venue.working_orders()
        money_agrees(venue, *live.pnl_and_fees())
