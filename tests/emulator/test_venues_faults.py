"""Faults on the live order path of the OKX and Bybit emulators, one at a time, with
the real ccxt.pro client: an entry that lands after ccxt gave up on it, an exit
whose answer is lost, an exit that fills in part, the kill switch through a 429
storm. Each ends with the venue flat (or holding what the engine holds), no stop
left behind, and the engine's PnL and fees equal to the venue's wallet change and
fees."""

from __future__ import annotations

import pytest
from emulator.venue_rig import (
    CORE_VENUES,
    HEAVY_ASKS,
    QTY,
    THIN_BIDS,
    LiveVenue,
    Venue,
    closed,
    enter,
)
from emulator.venue_rig import assert_money_agrees as money_agrees

from scalp_tui.engine.protocol import (
    ClosePosition,
    EngageKillSwitch,
    ExitReason,
    OrderStatus,
    OrderUpdated,
)

GIVEN_UP = (OrderStatus.REJECTED, OrderStatus.EXPIRED)


@pytest.fixture(params=CORE_VENUES)
async def venue(request):
    v = Venue(request.param)
    v.seed(THIN_BIDS, HEAVY_ASKS)
    await v.emulator.start()
    yield v
    await v.emulator.stop()


def given_up(live: LiveVenue) -> list:
    return [e for e in live.events if isinstance(e, OrderUpdated) and e.order.status in GIVEN_UP]


async def close_and_check(live: LiveVenue, reason: ExitReason = ExitReason.MANUAL) -> None:
    venue = live.venue
    await live.until(lambda: not live.engine.positions, timeout=20)
    assert closed(live)[-1].exit_reason is reason
    assert venue.held() == 0.0
    await live.until(lambda: not venue.stops())
    assert not venue.working_orders()
    money_agrees(venue, *live.pnl_and_fees())


async def test_an_entry_landing_after_the_client_gave_up_is_found(venue) -> None:
    venue.emulator.land_delay_s = 2.0  # the order exists at the venue after 2 s …
    async with LiveVenue(venue) as live:
        live.faults = True
        live.exchange.timeout = 800  # … ccxt stops waiting for the answer at 0.8 s
        live.show_book()
        await live.until(lambda: any(p.qty > 0 for p in live.engine.positions.values()), 20)
        venue.emulator.land_delay_s = 0.0
        (position,) = live.engine.positions.values()
        assert position.qty == pytest.approx(QTY, abs=1e-12)
        assert venue.held() == pytest.approx(-QTY, abs=1e-12)
        assert not given_up(live) and live.engine.entries == 1
        await live.until(lambda: bool(venue.stops()))
        assert live.engine.execute(ClosePosition(position.id)).ok
        await close_and_check(live)


async def test_an_exit_whose_answer_is_lost_is_found_by_its_client_id(venue) -> None:
    async with LiveVenue(venue) as live:
        live.faults = True
        position = await enter(live)
        venue.emulator.lose_answer_next = 1  # filled at the venue, the answer lost
        assert live.engine.execute(ClosePosition(position.id)).ok
        await close_and_check(live)
        assert live.engine.entries == 1 and venue.held() == 0.0


async def test_an_exit_filled_in_part_is_sent_again_for_the_rest(venue) -> None:
    async with LiveVenue(venue) as live:
        live.faults = True
        position = await enter(live)
        venue.emulator.partial_next = [0.4]  # the market exit: 0.002 of 0.005
        assert live.engine.execute(ClosePosition(position.id)).ok
        await close_and_check(live)
        assert closed(live)[-1].qty == pytest.approx(QTY, abs=1e-12)


async def test_the_kill_switch_through_a_429_storm(venue) -> None:
    async with LiveVenue(venue) as live:
        live.faults = True
        live.watch()
        await enter(live)
        venue.emulator.storm_429(seconds=2.0)  # every REST request refused for 2 s
        assert live.engine.execute(EngageKillSwitch()).ok
        await close_and_check(live, ExitReason.KILL_SWITCH)
        assert venue.emulator.stats.throttled > 0
