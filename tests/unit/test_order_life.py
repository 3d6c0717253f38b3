"""Order and position life: only the venue ends an order, a fill counts whenever it
arrives, and a position follows its fills (cost basis as the venue keeps it)."""

import pytest
from rig import BTC
from scripted_broker import live_rig

from scalp_tui.engine.orders import Order
from scalp_tui.engine.protocol import (
    ClosePosition,
    ErrorEvent,
    ExitReason,
    OrderStatus,
    OrderType,
    PositionClosed,
    Side,
)

S = OrderStatus


def order(qty: float = 1.0) -> Order:
    return Order(1, BTC, Side.SELL, OrderType.LIMIT, qty, 100.0, False, "live", 1, "entry")


def test_an_order_moves_only_along_its_life() -> None:
    o = order()
    assert o.apply(S.IN_FLIGHT) and o.apply(S.ACCEPTED)
    assert not o.apply(S.REJECTED)  # a working order is not rejected afterwards
    assert not o.apply(S.IN_FLIGHT)  # nor sent again
    assert o.apply_fill(100.0, 0.4) and o.status is S.PARTIALLY_FILLED
    assert not o.apply(S.ACCEPTED)  # a late "accepted" does not undo a fill
    assert o.apply(S.CANCELED, "by us")
    assert not o.apply(S.ACCEPTED)
    # a fill that raced the cancel still counts and completes the order
    assert o.apply_fill(101.0, 0.6) and o.status is S.FILLED
    assert o.filled == pytest.approx(1.0) and o.avg_price == pytest.approx(100.6)
    assert not o.apply(S.CANCELED)


def test_an_order_given_up_as_never_placed_comes_back_when_the_venue_has_it() -> None:
    o = order()
    o.apply(S.IN_FLIGHT)
    assert o.apply(S.EXPIRED, "not found")
    assert o.apply(S.ACCEPTED)  # the venue had it after all
    rejected = order()
    rejected.apply(S.IN_FLIGHT)
    rejected.apply(S.REJECTED, "rate limited")
    assert rejected.apply_fill(100.0, 1.0) and rejected.status is S.FILLED


def test_an_entry_given_up_that_fills_later_is_a_managed_position() -> None:
    rig, venue = live_rig()
    rig.ask_heavy(BTC)
    (entry,) = venue.of("entry")
    venue.status(entry, S.EXPIRED, "not found at the exchange")
    assert not rig.engine.positions and rig.engine.entries == 0  # dropped
    venue.fill(entry, 60_000.0, 0.005)  # ... but it had landed and filled
    (position,) = rig.engine.positions.values()
    assert position.qty == pytest.approx(0.005) and rig.engine.entries == 1
    assert any("managed again" in e.message for e in rig.of(ErrorEvent))
    rig.balanced(BTC, 60_300.0)  # the software stop still guards it
    (exit_,) = venue.of(ExitReason.STOP_LOSS.value)
    assert exit_.qty == pytest.approx(0.005) and exit_.reduce_only


def test_an_exit_given_up_that_had_filled_closes_the_position_once() -> None:
    rig, venue = live_rig()
    rig.ask_heavy(BTC)
    (entry,) = venue.of("entry")
    venue.fill(entry, 60_000.0, 0.005)
    venue.status(entry, S.FILLED)
    assert rig.engine.execute(ClosePosition(entry.position_id)).ok
    (exit_,) = venue.of(ExitReason.MANUAL.value)
    venue.status(exit_, S.EXPIRED, "not found at the exchange")  # believed lost: retry later
    venue.fill(exit_, 60_010.0, 0.005)  # the venue had filled it
    (closed,) = rig.of(PositionClosed)
    assert closed.position.exit_reason is ExitReason.MANUAL
    assert closed.position.exit_price == pytest.approx(60_010.0)
    assert not rig.engine.positions
    rig.advance(60_000)  # the retry that was due never goes out
    assert len(venue.of(ExitReason.MANUAL.value)) == 1


def test_an_exit_started_on_a_partial_entry_cancels_its_rest_and_pnl_is_the_venues() -> None:
    rig, venue = live_rig(entry_order_type="limit")
    rig.ask_heavy(BTC)
    (entry,) = venue.of("entry")
    venue.status(entry, S.ACCEPTED)
    venue.fill(entry, 60_000.1, 0.003)  # partially filled: already a position
    (position,) = rig.engine.positions.values()
    assert rig.engine.execute(ClosePosition(position.id)).ok
    (exit1,) = venue.of(ExitReason.MANUAL.value)
    assert exit1.qty == pytest.approx(0.003)  # the filled part
    assert entry.id in venue.cancelled  # the unfilled rest is withdrawn
    venue.fill(exit1, 60_010.0, 0.003)
    venue.status(exit1, S.FILLED)
    assert rig.engine.positions  # flat, but the entry's cancel is not confirmed yet
    venue.fill(entry, 59_990.0, 0.002)  # a fill that raced the cancel
    venue.status(entry, S.CANCELED)
    rig.advance(250)
    exit2 = venue.of(ExitReason.MANUAL.value)[1]
    assert exit2.qty == pytest.approx(0.002)
    venue.fill(exit2, 59_980.0, 0.002)
    venue.status(exit2, S.FILLED)
    (closed,) = rig.of(PositionClosed)
    # the venue's cost basis: 0.003 opened at 60000.1 and closed at 60010, then
    # 0.002 opened at 59990 and closed at 59980; fees 0.05 % of every fill
    gross = 0.003 * (60_000.1 - 60_010.0) + 0.002 * (59_990.0 - 59_980.0)
    fees = 0.0005 * (0.003 * 60_000.1 + 0.003 * 60_010.0 + 0.002 * 59_990.0 + 0.002 * 59_980.0)
    assert closed.position.realised_pnl == pytest.approx(gross - fees, abs=1e-9)
    assert closed.position.qty == pytest.approx(0.005)


def test_rules_apply_to_the_filled_part_of_an_entry_still_working() -> None:
    rig, venue = live_rig(entry_order_type="limit")
    rig.ask_heavy(BTC)
    (entry,) = venue.of("entry")
    venue.status(entry, S.ACCEPTED)
    venue.fill(entry, 60_000.1, 0.002)
    rig.balanced(BTC, 60_300.0)  # the stop loss on what is held
    (exit_,) = venue.of(ExitReason.STOP_LOSS.value)
    assert exit_.qty == pytest.approx(0.002)
    assert entry.id in venue.cancelled


def test_a_late_fill_on_a_position_closed_as_reconciled_gives_it_price_and_reason() -> None:
    rig, venue = live_rig()
    rig.ask_heavy(BTC)
    (entry,) = venue.of("entry")
    venue.fill(entry, 60_000.0, 0.005)
    venue.status(entry, S.FILLED)
    (stop,) = venue.of(ExitReason.STOP_LOSS_ON_EXCHANGE.value)
    venue.status(stop, S.ACCEPTED)
    (position,) = rig.engine.positions.values()
    rig.engine.close_reconciled(position.id, "the exchange no longer holds it")
    assert rig.engine.summary()["exits"] == {"reconciled": 1}
    venue.fill(stop, 60_250.0, 0.005)  # how it ended: the venue's stop
    venue.status(stop, S.FILLED)
    closed = rig.of(PositionClosed)[-1].position
    assert closed.exit_reason is ExitReason.STOP_LOSS_ON_EXCHANGE
    assert closed.exit_price == pytest.approx(60_250.0)
    assert rig.engine.summary()["exits"] == {"reconciled": 0, "stop_loss_on_exchange": 1}
    assert rig.engine.summary()["trades"] == 1 and not rig.engine.positions


def test_a_position_closed_as_reconciled_withdraws_its_stop_at_the_venue() -> None:
    rig, venue = live_rig()
    rig.ask_heavy(BTC)
    (entry,) = venue.of("entry")
    venue.fill(entry, 60_000.0, 0.005)
    venue.status(entry, S.FILLED)
    (stop,) = venue.of(ExitReason.STOP_LOSS_ON_EXCHANGE.value)
    venue.status(stop, S.ACCEPTED)
    (position,) = rig.engine.positions.values()
    rig.engine.close_reconciled(position.id, "the exchange no longer holds it")
    # left resting, it would close part of the next short on this symbol
    assert stop.id in venue.cancelled
    rig.ask_heavy(BTC)
    assert len(venue.of("entry")) == 1  # not before the venue confirms it is gone
    venue.status(stop, S.CANCELED)
    rig.ask_heavy(BTC)
    assert len(venue.of("entry")) == 2
