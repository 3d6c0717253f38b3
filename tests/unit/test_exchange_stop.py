"""The exchange-side stop: placed after the first live entry fill, moved on later
fills, cancelled when the position closes another way, its fill closes the position
as stop_loss_on_exchange, and a venue that refuses it leaves the software stop."""

import math

import pytest
from rig import BTC, make_rig
from scripted_broker import live_rig

from scalp_tui.engine.protocol import (
    ClosePosition,
    EngageKillSwitch,
    ErrorEvent,
    ExitReason,
    OrderStatus,
    OrderType,
    PositionClosed,
    Side,
    StopPlaced,
)

S = OrderStatus
STOP = ExitReason.STOP_LOSS_ON_EXCHANGE.value


def opened(**params: object):  # type: ignore[no-untyped-def]
    rig, venue = live_rig(entry_order_type="limit", **params)
    rig.ask_heavy(BTC)
    (entry,) = venue.of("entry")
    venue.status(entry, S.ACCEPTED)
    return rig, venue, entry


def test_a_stop_rests_at_the_stop_price_after_the_first_fill_and_moves_with_more() -> None:
    rig, venue, entry = opened()
    assert not venue.of(STOP)  # nothing held yet, nothing to protect
    venue.fill(entry, 60_000.1, 0.002)
    (position,) = rig.engine.positions.values()
    (stop1,) = venue.of(STOP)
    assert (stop1.type, stop1.side, stop1.reduce_only) == (OrderType.STOP_MARKET, Side.BUY, True)
    assert stop1.qty == pytest.approx(0.002)
    # the software stop's price, rounded up to the 0.1 tick
    assert stop1.price == pytest.approx(
        math.ceil(position.stop_price(rig.engine.exit_rule) * 10) / 10
    )
    assert rig.of(StopPlaced)[0].order.id == stop1.id  # journaled before it is sent
    venue.status(stop1, S.ACCEPTED)
    assert rig.engine.snapshot().positions[0].exchange_stop_price == stop1.price
    venue.fill(entry, 60_000.1, 0.003)  # more filled: a stop for all of it
    stop2 = venue.of(STOP)[1]
    assert stop2.qty == pytest.approx(0.005)
    assert stop1.id not in venue.cancelled  # it protects until the venue has the new one
    venue.status(stop2, S.ACCEPTED)
    assert stop1.id in venue.cancelled  # then it goes
    venue.status(stop1, S.CANCELED)
    assert not any("exchange-side stop" in e.message for e in rig.of(ErrorEvent))


def test_the_stop_filling_at_the_venue_closes_the_position_with_its_reason() -> None:
    rig, venue, entry = opened()
    venue.fill(entry, 60_000.1, 0.005)
    (stop,) = venue.of(STOP)
    venue.status(stop, S.ACCEPTED)
    venue.fill(stop, 60_250.0, 0.005)
    venue.status(stop, S.FILLED)
    (closed,) = rig.of(PositionClosed)
    assert closed.position.exit_reason is ExitReason.STOP_LOSS_ON_EXCHANGE
    assert closed.position.exit_price == pytest.approx(60_250.0)


def test_a_close_by_any_other_reason_cancels_the_stop() -> None:
    rig, venue, entry = opened()
    venue.fill(entry, 60_000.1, 0.005)
    (stop,) = venue.of(STOP)
    venue.status(stop, S.ACCEPTED)
    assert rig.engine.execute(ClosePosition(entry.position_id)).ok
    (exit_,) = venue.of(ExitReason.MANUAL.value)
    assert stop.id not in venue.cancelled  # it still protects while the exit works
    venue.fill(exit_, 60_010.0, 0.005)
    venue.status(exit_, S.FILLED)
    assert rig.of(PositionClosed) and stop.id in venue.cancelled


def test_a_venue_that_refuses_the_stop_gets_one_warning_and_the_software_stop_goes_on() -> None:
    rig, venue, entry = opened()
    venue.fill(entry, 60_000.1, 0.002)
    (stop,) = venue.of(STOP)
    venue.status(stop, S.REJECTED, "NotSupported: no stop orders here")
    venue.fill(entry, 60_000.1, 0.003)
    assert len(venue.of(STOP)) == 1  # not asked again on every fill
    warnings = [e for e in rig.of(ErrorEvent) if "exchange-side stop" in e.message]
    assert len(warnings) == 1 and "software stop still applies" in warnings[0].message
    rig.balanced(BTC, 60_300.0)
    assert venue.of(ExitReason.STOP_LOSS.value)


def test_the_kill_switch_cancels_the_stop_with_every_other_order() -> None:
    rig, venue, entry = opened()
    venue.fill(entry, 60_000.1, 0.005)
    venue.status(entry, S.FILLED)
    (stop,) = venue.of(STOP)
    venue.status(stop, S.ACCEPTED)
    assert rig.engine.execute(EngageKillSwitch()).ok
    assert venue.cancel_all_calls == 1
    assert venue.of(ExitReason.KILL_SWITCH.value)


def test_no_stop_is_configured_off_or_on_paper() -> None:
    _, venue, entry = opened(stoploss_on_exchange=False)
    venue.fill(entry, 60_000.1, 0.005)
    assert not venue.of(STOP)
    paper = make_rig()
    paper.ask_heavy(BTC)
    assert paper.engine.positions and not paper.of(StopPlaced)


def test_a_stop_refused_only_for_now_is_placed_again() -> None:
    rig, venue, entry = opened()
    venue.fill(entry, 60_000.1, 0.005)
    (stop,) = venue.of(STOP)
    venue.status(stop, S.REJECTED, "rate limited: RateLimitExceeded: 429")
    assert not any("exchange-side stop" in e.message for e in rig.of(ErrorEvent))
    rig.advance(250)
    assert len(venue.of(STOP)) == 2 and venue.of(STOP)[1].qty == pytest.approx(0.005)


def test_no_new_entry_while_an_order_of_the_closed_position_still_works() -> None:
    rig, venue, entry = opened()
    venue.fill(entry, 60_000.1, 0.005)
    (stop,) = venue.of(STOP)
    venue.status(stop, S.ACCEPTED)
    rig.balanced(BTC, 60_300.0)  # the software stop sends its exit …
    (exit_,) = venue.of(ExitReason.STOP_LOSS.value)
    venue.fill(stop, 60_250.0, 0.005)  # … while the venue's stop closes the short
    venue.status(stop, S.FILLED)
    assert rig.of(PositionClosed) and exit_.id in venue.cancelled
    rig.ask_heavy(BTC)  # a signal, but the exit may still reduce whatever is held next
    assert len(venue.of("entry")) == 1
    assert rig.engine.signal_state(BTC).blocked_by == "symbol_busy"
    venue.status(exit_, S.REJECTED, "ReduceOnly Order is rejected.")
    rig.ask_heavy(BTC)
    assert len(venue.of("entry")) == 2


def test_a_stop_lost_without_a_refusal_is_placed_again_a_few_times() -> None:
    rig, venue, entry = opened()
    venue.fill(entry, 60_000.1, 0.005)
    for lost in range(3):  # e.g. never seen at the venue after a crash
        stop = venue.of(STOP)[-1]
        venue.status(stop, S.EXPIRED, "not found at the exchange")
        rig.advance(250)
        assert len(venue.of(STOP)) == lost + 2
    venue.status(venue.of(STOP)[-1], S.EXPIRED, "not found at the exchange")
    rig.advance(250)
    assert len(venue.of(STOP)) == 4  # then it goes without, and says so
    assert any("software stop still applies" in e.message for e in rig.of(ErrorEvent))


def test_the_stop_is_said_in_the_log() -> None:
    from scalp_tui.eventlog import format_event

    rig, venue, entry = opened()
    venue.fill(entry, 60_000.1, 0.005)
    (placed,) = rig.of(StopPlaced)
    line = format_event(placed)
    assert line is not None and "ORDER" in line
    assert f"#{entry.position_id} exchange-side stop: buy 0.005 reduce-only if the price" in line
