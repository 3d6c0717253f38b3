"""A candle counts as closed for the rules only if its whole period was seen or
backfilled: a start mid-candle never makes a partial candle the rule's volume."""

from rig import BTC, T0, make_rig

from scalp_tui.engine.candles import CandleBuilder
from scalp_tui.engine.protocol import Candle

TF = 300_000


def flat(start: int, price: float, volume: float) -> Candle:
    return Candle(start, price, price, price, price, volume)


HISTORY = [flat(T0 - 2 * TF, 100.0, 8_000.0), flat(T0 - TF, 100.0, 8_100.0)]


def test_a_start_mid_candle_does_not_make_a_partial_candle_closed() -> None:
    candles = CandleBuilder(TF)
    now = T0 + TF - 44_000  # 44 s before the boundary, no row for the forming candle
    candles.seed(HISTORY, now)
    assert candles.forming_partial
    candles.add_trade(now + 1_000, 101.0, 711.0)
    (closed,) = candles.roll(T0 + TF)
    assert closed.partial and closed.volume == 711.0
    # the rules look past it: the last whole candle (history) stays the reference
    assert candles.last_closed_volume == 8_100.0
    assert not candles.forming_partial  # the next one is watched from its start
    candles.add_trade(T0 + TF + 10, 102.0, 7_900.0)
    (whole,) = candles.roll(T0 + 2 * TF)
    assert not whole.partial
    assert candles.last_closed_volume == 7_900.0
    # direction: whole against whole (102 over history's 100), the partial skipped
    assert candles.last_closed_rose()


def test_a_start_at_the_boundary_is_whole() -> None:
    candles = CandleBuilder(TF)
    candles.seed(HISTORY, T0)
    assert not candles.forming_partial
    candles.add_trade(T0 + 5, 100.0, 9_000.0)
    (closed,) = candles.roll(T0 + TF)
    assert not closed.partial and candles.last_closed_volume == 9_000.0


def test_a_live_start_seeded_from_the_forming_row_is_whole_at_its_close() -> None:
    candles = CandleBuilder(TF)
    now = T0 + TF - 44_000
    forming_row = Candle(T0, 100.0, 103.0, 99.0, 101.0, 7_300.0)  # fetch_ohlcv's last row
    candles.seed([*HISTORY, forming_row], now)
    assert not candles.forming_partial
    assert candles.last_closed_volume == 8_100.0
    candles.add_trade(now + 1_000, 104.0, 700.0)
    (closed,) = candles.roll(T0 + TF)
    assert closed == Candle(T0, 100.0, 104.0, 99.0, 104.0, 8_000.0)  # the venue's + ours
    assert candles.last_closed_volume == 8_000.0


def test_without_history_the_first_candle_is_partial_and_none_counts() -> None:
    candles = CandleBuilder(TF)
    candles.add_trade(T0 + 120_000, 100.0, 500.0)  # a recording starting mid-candle
    assert candles.forming_partial
    candles.roll(T0 + TF)
    assert candles.last_closed_volume is None
    assert not candles.last_closed_rose()


def test_an_engine_started_mid_candle_does_not_enter_on_the_partial_volume() -> None:
    rig = make_rig(min_volume=1_000.0)
    rig.engine.candles[BTC] = CandleBuilder(TF)
    rig.engine.candles[BTC].seed(
        [flat(T0 - TF, 60_000.0, 500.0)], T0 + TF - 44_000
    )  # the last whole candle was quiet
    rig.clock.set(T0 + TF - 44_000)
    rig.trade(BTC, 60_000.0, 5_000.0)  # a busy end of a candle seen only in part
    rig.advance(44_000)
    snap = rig.engine.snapshot().symbol(BTC)
    assert snap.closed_candles[-1].partial and snap.last_closed_volume == 500.0
    rig.ask_heavy(BTC)
    assert not rig.engine.positions
