"""Exit reasons, their priority, and the timeout measured on a fake clock."""

import pytest
from rig import BTC, T0, Rig

from scalp_tui.engine.protocol import (
    ClosePosition,
    ExitReason,
    ExitTriggered,
    OrderType,
    OrderUpdated,
    PositionClosed,
    PositionState,
)

# Entry: 0.005 BTC sold at 60000.0 (stake 100 x3 = 300 USDT), taker fee 0.15.
# Target ratio 0.006 -> close at or below 59820.15; stop -0.015 -> at or above 60239.73
# (the ratio's margin is net of the entry fee: q*E*(1 - f_in)/L).
TIMEOUT_MS = 15 * 60_000


def open_short(rig: Rig) -> int:
    rig.ask_heavy(BTC)
    (position,) = rig.engine.positions.values()
    assert position.state is PositionState.OPEN
    assert position.qty == 0.005 and position.entry_price == 60_000.0
    assert position.entry_fee == pytest.approx(0.15)
    assert position.opened_ms == T0
    return position.id


def closed(rig: Rig) -> PositionClosed:
    (event,) = rig.of(PositionClosed)
    return event


def test_stop_loss_at_a_four_tenths_percent_rise(rig: Rig) -> None:
    open_short(rig)
    rig.balanced(BTC, 60_239.6, 60_239.7)  # ratio -0.014996...: holds
    assert not rig.of(PositionClosed)
    rig.balanced(BTC, 60_239.7, 60_239.8)  # ratio <= -0.015
    event = closed(rig)
    assert event.position.exit_reason is ExitReason.STOP_LOSS
    assert event.position.exit_price == 60_239.8
    # pnl = 0.005*(60000 - 60239.8) - 0.15 - 0.005*60239.8*0.0005 = -1.199 - 0.15 - 0.1505995
    assert event.position.realised_pnl == pytest.approx(-1.4995995)


def test_profit_target_includes_the_buffer(rig: Rig) -> None:
    open_short(rig)
    rig.balanced(BTC, 59_850.0, 59_850.1)  # above 0.005 but below 0.005 + 0.001: holds
    assert not rig.of(PositionClosed)
    rig.balanced(BTC, 59_819.9, 59_820.0)
    event = closed(rig)
    assert event.position.exit_reason is ExitReason.PROFIT_TARGET
    exit_order = [e.order for e in rig.of(OrderUpdated) if e.order.purpose != "entry"][-1]
    assert exit_order.type is OrderType.LIMIT and exit_order.reduce_only
    # pnl = 0.005*(60000 - 59820) - 0.15 - 0.005*59820*0.0005 = 0.9 - 0.15 - 0.14955
    assert event.position.realised_pnl == pytest.approx(0.60045)


def test_timeout_fires_at_exactly_fifteen_minutes(rig: Rig) -> None:
    open_short(rig)
    rig.balanced(BTC, 60_000.0)
    rig.advance(TIMEOUT_MS - 1)
    assert not rig.of(PositionClosed)
    rig.advance(1)
    (trigger,) = rig.of(ExitTriggered)
    assert trigger.reason is ExitReason.TIMEOUT
    assert trigger.ts_ms == T0 + TIMEOUT_MS
    assert closed(rig).position.exit_reason is ExitReason.TIMEOUT


def test_market_reversal_needs_bid_pressure_and_a_rising_candle(rig: Rig) -> None:
    open_short(rig)
    rig.bid_heavy(BTC, 60_000.0)  # imbalance +0.5 but history candles are flat
    assert not rig.of(PositionClosed)
    rig.trade(BTC, 60_050.0, 1.0)  # the forming candle will close above the last one
    rig.advance(300_000)
    rig.bid_heavy(BTC, 60_000.0)
    assert closed(rig).position.exit_reason is ExitReason.MARKET_REVERSAL


def test_manual_exit(rig: Rig) -> None:
    pid = open_short(rig)
    rig.balanced(BTC, 60_000.0)
    assert rig.engine.execute(ClosePosition(pid)).ok
    assert closed(rig).position.exit_reason is ExitReason.MANUAL


@pytest.mark.parametrize(
    ("bid", "ask", "bid_heavy", "expected"),
    [
        # stop and timeout both hold: stop first
        (60_239.9, 60_240.0, False, ExitReason.STOP_LOSS),
        # target and timeout both hold: target first
        (59_819.9, 59_820.0, False, ExitReason.PROFIT_TARGET),
        # timeout and reversal both hold: timeout first
        (60_000.0, 60_000.1, True, ExitReason.TIMEOUT),
    ],
)
def test_exit_priority(
    rig: Rig, bid: float, ask: float, bid_heavy: bool, expected: ExitReason
) -> None:
    open_short(rig)
    rig.trade(BTC, 60_050.0, 1.0)
    # Move time without a timer tick, so the next book update meets every reason at once;
    # close the candle by hand (the timer would have) so a reversal also holds.
    rig.clock.advance(TIMEOUT_MS)
    rig.engine.candles[BTC].roll(rig.clock.now_ms())
    qtys = ([3.0] * 10, [1.0] * 10) if bid_heavy else ([2.0] * 10, [2.0] * 10)
    rig.book(BTC, bid, ask, *qtys)
    assert closed(rig).position.exit_reason is expected


def test_stop_beats_reversal(rig: Rig) -> None:
    open_short(rig)
    rig.trade(BTC, 60_050.0, 1.0)
    rig.advance(300_000)  # the candle closes above the previous one
    rig.book(BTC, 60_300.0, 60_300.1, [3.0] * 10, [1.0] * 10)
    assert closed(rig).position.exit_reason is ExitReason.STOP_LOSS
