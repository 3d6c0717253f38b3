"""The imbalance the rules compare: a time-weighted mean over a trailing window."""

import pytest
from rig import BTC, MARKETS, T0, make_rig

from scalp_tui.engine.imbalance import ImbalanceWindow
from scalp_tui.engine.protocol import BookUpdate


def test_mean_weights_each_value_by_how_long_it_held() -> None:
    w = ImbalanceWindow(10_000)
    w.update(0, 0.5)  # holds 1 s
    w.update(1_000, -0.5)  # holds 6 s
    w.update(7_000, 0.2)  # holds 3 s up to now
    expected = (0.5 * 1_000 - 0.5 * 6_000 + 0.2 * 3_000) / 10_000
    assert w.mean(10_000) == pytest.approx(expected, abs=1e-15)


def test_the_oldest_step_counts_only_inside_the_window() -> None:
    w = ImbalanceWindow(10_000)
    w.update(0, 1.0)
    w.update(4_000, 0.0)
    w.update(13_000, -1.0)
    # window [5 s, 15 s]: 1.0 is out entirely, 0.0 for 8 s, -1.0 for 2 s
    assert w.mean(15_000) == pytest.approx(-0.2, abs=1e-15)
    # window [2 s, 12 s] as seen at 12 s: 1.0 for 2 s, 0.0 for 8 s
    w2 = ImbalanceWindow(10_000)
    w2.update(0, 1.0)
    w2.update(4_000, 0.0)
    assert w2.mean(12_000) == pytest.approx(0.2, abs=1e-15)


def test_uneven_spacing_matches_a_brute_force_integral() -> None:
    import random

    rng = random.Random(7)
    w = ImbalanceWindow(10_000)
    points: list[tuple[int, float]] = []
    now = 0
    for _ in range(2_000):
        t = now + rng.choice((0, 1, 3, 50, 100, 700, 2_500))
        v = rng.uniform(-1, 1)
        w.update(t, v)
        if points and points[-1][0] == t:
            points.pop()  # two values at one instant: the later holds
        points.append((t, v))
        now = t + rng.choice((0, 0, 10, 400))
        start = max(now - 10_000, points[0][0])
        total = 0.0
        for (t0, v0), (t1, _) in zip(points, [*points[1:], (now, 0.0)], strict=True):
            lo, hi = max(t0, start), min(t1, now)
            if hi > lo:
                total += v0 * (hi - lo)
        expected = total / (now - start) if now > start else v
        assert w.mean(now) == pytest.approx(expected, abs=1e-9)


def test_before_the_window_fills_it_is_the_mean_of_what_was_seen() -> None:
    w = ImbalanceWindow(10_000)
    assert w.mean(0) is None
    w.update(1_000, -0.6)
    assert w.mean(1_000) == -0.6  # nothing elapsed yet: the value itself
    w.update(3_000, 0.0)
    assert w.mean(4_000) == pytest.approx(-0.6 * 2 / 3)


def test_a_late_stamp_counts_from_the_latest_time_seen() -> None:
    w = ImbalanceWindow(10_000)
    w.update(0, 0.0)
    assert w.mean(5_000) == 0.0
    w.update(4_000, 1.0)  # stamped before 5 s, already averaged: it holds from 5 s on
    assert w.mean(10_000) == pytest.approx(0.5)


def test_window_zero_is_the_instantaneous_value() -> None:
    w = ImbalanceWindow(0)
    w.update(0, -0.9)
    w.update(5, 0.4)
    assert w.mean(5) == 0.4
    assert w.mean(60_000) == 0.4


def test_an_unknown_value_leaves_the_previous_one_holding() -> None:
    w = ImbalanceWindow(10_000)
    w.update(0, -0.5)
    w.update(2_000, None)
    assert w.mean(4_000) == pytest.approx(-0.5)


def _book(rig, ts: int, bid_qty: float, ask_qty: float) -> None:
    tick = MARKETS[BTC].tick_size
    rig.clock.set(ts)
    rig.engine.on_book(
        BookUpdate(
            BTC,
            ts,
            tuple((60_000.0 - i * tick, bid_qty) for i in range(10)),
            tuple((60_000.1 + i * tick, ask_qty) for i in range(10)),
            snapshot=True,
        )
    )


def _spike(window_s: float):
    """Balanced for 10 s, then one ask-heavy update (imbalance -0.5), then balanced."""
    rig = make_rig(imbalance_window_s=window_s)
    for i in range(10):
        _book(rig, T0 + i * 1_000, 2.0, 2.0)
    _book(rig, T0 + 10_000, 1.0, 3.0)
    _book(rig, T0 + 10_100, 2.0, 2.0)
    return rig


def test_a_one_update_spike_does_not_enter_with_a_10_s_window() -> None:
    rig = _spike(10.0)
    assert not rig.engine.positions
    snap = rig.engine.snapshot().symbol(BTC)
    assert snap.imbalance == 0.0
    assert snap.imbalance_mean == pytest.approx(-0.5 * 100 / 10_000)
    assert snap.imbalance_window_s == 10.0


def test_a_one_update_spike_enters_with_window_zero() -> None:
    rig = _spike(0.0)
    assert len(rig.engine.positions) == 1


def test_a_lasting_ask_heavy_book_enters_with_a_10_s_window() -> None:
    rig = make_rig(imbalance_window_s=10.0)
    for i in range(12):
        _book(rig, T0 + i * 1_000, 1.0, 3.0)
    assert len(rig.engine.positions) == 1


def _reversal_spike(window_s: float):
    """A short open, a candle closed above the last, then one bid-heavy update."""
    from scalp_tui.engine.protocol import PositionState

    rig = make_rig(imbalance_window_s=window_s)
    _book(rig, T0, 1.0, 3.0)
    _book(rig, T0 + 100, 2.0, 2.0)
    assert [p.state for p in rig.engine.positions.values()] == [PositionState.OPEN]
    rig.trade(BTC, 60_050.0, 1.0)
    for i in range(1, 31):  # balanced for 30 s, the candle closing above the last
        _book(rig, T0 + 300_000 + i * 1_000, 2.0, 2.0)
        rig.engine.on_timer()
    _book(rig, T0 + 331_000, 3.0, 1.0)  # +0.5 for one update
    _book(rig, T0 + 331_200, 2.0, 2.0)
    return rig


def test_a_one_update_bid_spike_is_no_reversal_with_a_10_s_window() -> None:
    rig = _reversal_spike(10.0)
    assert rig.engine.positions and not rig.engine.closed


def test_a_one_update_bid_spike_reverses_with_window_zero() -> None:
    rig = _reversal_spike(0.0)
    assert rig.engine.closed[0].exit_reason.value == "short_scalp_market_reversal"
