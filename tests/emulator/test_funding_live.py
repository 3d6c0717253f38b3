"""Funding live, end to end on the OKX, Bybit and Binance USD-M emulators with the real
ccxt.pro client: a funding event at the venue while a live short is open reaches the
position's pnl (and its journal record) from the venue's own funding history, once
however often it is checked, in each venue's sign; what the venue lists only after
the close is reported, and a venue without a funding history is said once."""

from __future__ import annotations

import pytest
from emulator.venue_rig import ALL_VENUES, HEAVY_ASKS, QTY, THIN_BIDS, LiveVenue, Venue, enter

from scalp_tui.engine.protocol import (
    ClosePosition,
    ErrorEvent,
    FundingApplied,
    PositionClosed,
    PositionSaved,
)
from scalp_tui.execution.funding import FundingWatch

MARK = 60_000.0


@pytest.fixture(params=ALL_VENUES)
async def venue(request):
    v = Venue(request.param)
    v.seed(THIN_BIDS, HEAVY_ASKS)
    await v.emulator.start()
    yield v
    await v.emulator.stop()


async def test_funding_the_venue_charges_is_in_the_live_positions_pnl(venue) -> None:
    async with LiveVenue(venue) as live:
        position = await enter(live)
        watch = FundingWatch(live.engine, live.exchange, live.broker.retrier)
        assert await watch.check() == []  # nothing charged yet
        # a negative rate: shorts pay. 0.005 BTC x 60000 x 0.0003 = 0.09 USDT
        assert venue.emulator.charge_funding(venue.sid, -0.0003, MARK) == pytest.approx(0.09)
        pnl_before = live.engine.snapshot().positions[0].pnl
        notes = await watch.check()
        assert position.funding_fees == pytest.approx(0.09, abs=1e-9) and len(notes) == 1
        view = live.engine.snapshot().positions[0]
        assert view.funding_fees == pytest.approx(0.09, abs=1e-9)
        assert view.pnl == pytest.approx(pnl_before - 0.09, abs=1e-6)
        (applied,) = [e for e in live.events if isinstance(e, FundingApplied)]
        assert (applied.position_id, applied.amount) == (position.id, pytest.approx(0.09))
        saved = [e.record for e in live.events if isinstance(e, PositionSaved)]
        assert saved[-1].funding_fees == pytest.approx(0.09)  # what the journal writes
        # checked again, or by a fresh watch (a restart: the journal holds the 0.09)
        assert await watch.check() == []
        assert await FundingWatch(live.engine, live.exchange, live.broker.retrier).check() == []
        # a positive rate: shorts receive. -0.005 x 60000 x 0.0001 = -0.03
        assert venue.emulator.charge_funding(venue.sid, 0.0001, MARK) == pytest.approx(-0.03)
        await watch.check()
        assert position.funding_fees == pytest.approx(0.06, abs=1e-9)

        assert live.engine.execute(ClosePosition(position.id)).ok
        await live.until(lambda: not live.engine.positions)
        (closed,) = [e.position for e in live.events if isinstance(e, PositionClosed)]
        assert closed.funding_fees == pytest.approx(0.06, abs=1e-9)
        # short 0.005 from entry to exit, fees, and the funding
        gross = QTY * (closed.entry_price - closed.exit_price) - closed.fees
        assert closed.realised_pnl == pytest.approx(gross - 0.06, abs=1e-9)
        if venue.has_wallet:  # the venue settled the same funding in its wallet
            assert closed.realised_pnl == pytest.approx(venue.wallet_change(), abs=1e-9)

        # the venue lists one more charge on it only now: said, never dropped
        venue.emulator.funding.charge(venue.sid, -QTY / venue.contract_size,
                                      venue.contract_size, MARK, -0.0001)  # fmt: skip
        notes = await watch.check()
        errors = [e for e in live.events if isinstance(e, ErrorEvent)]
        assert len(notes) == 1 and "after it closed" in errors[-1].message
        assert await watch.check() == []  # once


async def test_a_venue_without_funding_history_is_said_once() -> None:
    venue = Venue("binanceusdm")
    venue.seed(THIN_BIDS, HEAVY_ASKS)
    await venue.emulator.start()
    try:
        async with LiveVenue(venue) as live:
            await enter(live)
            live.exchange.has["fetchFundingHistory"] = False
            watch = FundingWatch(live.engine, live.exchange, live.broker.retrier)
            (note,) = await watch.check()
            assert "no funding history" in note
            assert await watch.check() == []
            errors = [e for e in live.events if isinstance(e, ErrorEvent)]
            assert sum("no funding history" in e.message for e in errors) == 1
    finally:
        await venue.emulator.stop()


async def test_a_funding_history_that_cannot_be_read_is_a_standing_alert() -> None:
    import ccxt

    venue = Venue("okx")
    venue.seed(THIN_BIDS, HEAVY_ASKS)
    await venue.emulator.start()
    try:
        async with LiveVenue(venue) as live:
            await enter(live)
            venue.emulator.charge_funding(venue.sid, -0.0003, MARK)
            read = live.exchange.fetch_funding_history

            async def refused(*args, **kwargs):
                raise ccxt.PermissionDenied("okx: this key may not read bills")

            live.exchange.fetch_funding_history = refused
            watch = FundingWatch(live.engine, live.exchange, live.broker.retrier)
            await watch.check()
            await watch.check()
            assert "could not be read" in live.engine.alerts["funding"]
            errors = [e.message for e in live.events if isinstance(e, ErrorEvent)]
            assert sum("could not be read" in m for m in errors) == 1  # said once
            live.exchange.fetch_funding_history = read
            await watch.check()
            assert "funding" not in live.engine.alerts
            (position,) = live.engine.positions.values()
            assert position.funding_fees == pytest.approx(0.09, abs=1e-9)
    finally:
        await venue.emulator.stop()


async def test_the_live_session_checks_funding_with_its_position_check(monkeypatch) -> None:
    """The session's own loop (its 30 s cadence shortened) brings the venue's funding
    in: the watch is wired where a live broker is."""
    import asyncio

    from feed_sink import until

    from scalp_tui.market.live_feed import make_live_feed
    from scalp_tui.runtime import live_session

    monkeypatch.setattr(live_session, "ORDER_POLL_S", 0.05)
    monkeypatch.setattr(live_session, "RECONCILE_EVERY", 1)
    venue = Venue("bybit")
    venue.seed(THIN_BIDS, HEAVY_ASKS)
    await venue.emulator.start()
    try:
        async with LiveVenue(venue) as live:
            position = await enter(live)
            session = live_session.LiveSession(
                live.engine,
                make_live_feed(live.exchange, [position.symbol], live.engine.clock),
                live.engine.brokers["paper"],
                live.broker,
            )
            assert session.funding is not None
            venue.emulator.charge_funding(venue.sid, -0.0003, MARK)
            polling = asyncio.create_task(session._poll_orders())
            try:
                await until(lambda: position.funding_fees > 0, timeout=10)
            finally:
                polling.cancel()
                await asyncio.gather(polling, return_exceptions=True)
            assert position.funding_fees == pytest.approx(0.09, abs=1e-9)
    finally:
        await venue.emulator.stop()
