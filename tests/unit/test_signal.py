"""Each entry condition of tag 661 at its boundary."""

import pytest
from rig import BTC, T0, Rig, history

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.candles import CandleBuilder
from scalp_tui.engine.signal import EntryRule

RULE = EntryRule(enabled=True, min_spread=0.0005, min_volume=1000, imbalance_threshold=0.3)
PASS = {"spread": 0.0001, "volume": 2000.0, "imbalance": -0.5}


def fires(**changes: float | None) -> bool:
    values = {**PASS, **changes}
    return RULE.fires(values["spread"], values["volume"], values["imbalance"])


def test_all_conditions_pass() -> None:
    assert fires()


def test_spread_must_be_strictly_below_min_spread() -> None:
    assert fires(spread=0.000499999)
    assert not fires(spread=0.0005)
    assert not fires(spread=0.0006)


def test_volume_must_be_strictly_above_min_volume() -> None:
    assert fires(volume=1000.0001)
    assert not fires(volume=1000.0)
    assert not fires(volume=None)  # no closed candle yet


@pytest.mark.parametrize(
    ("spread", "volume"), [(0.0001, 2000.0), (0.0005, 2000.0), (None, 2000.0), (0.0001, 1000.0)]
)
def test_conditions_without_the_imbalance_never_let_a_failing_rule_through(
    spread: float | None, volume: float | None
) -> None:
    # the engine reads the windowed imbalance only when these pass
    for imbalance in (-0.5, -0.3, 0.0, None):
        if RULE.fires(spread, volume, imbalance):
            assert RULE.could_fire(spread, volume)
    assert RULE.could_fire(spread, volume) == (spread == 0.0001 and volume == 2000.0)


def test_imbalance_at_minus_threshold_passes() -> None:
    assert fires(imbalance=-0.3)
    assert not fires(imbalance=-0.2999)
    assert not fires(imbalance=0.5)


def test_disabled_condition_661_never_fires() -> None:
    off = EntryRule(enabled=False, min_spread=0.0005, min_volume=1000, imbalance_threshold=0.3)
    assert not off.fires(**PASS)


def test_book_measures_follow_the_design_formulas() -> None:
    book = OrderBook(BTC, depth=2)
    book.apply(((100.0, 1.0), (99.0, 1.0), (98.0, 50.0)), ((101.0, 3.0), (102.0, 3.0)), T0, True)
    assert book.mid == 100.5
    assert book.spread == pytest.approx(1.0 / 100.5)
    # top-2 only: B = 2, A = 6 -> (2 - 6) / 8 = -0.5; the 50 at depth 3 is ignored
    assert book.imbalance == pytest.approx(-0.5)
    assert book.age_ms(T0 + 1500) == 1500


def test_evaluate_reports_every_condition_with_value_and_threshold() -> None:
    book = OrderBook(BTC, depth=10)
    book.apply(((60_000.0, 1.0),), ((60_000.1, 3.0),), T0, True)
    candles = CandleBuilder(300_000)
    candles.seed(history(60_000.0))
    results = {c.name: c for c in RULE.evaluate(book, candles, book.imbalance)}
    assert list(results) == ["enabled", "spread", "volume", "imbalance"]
    assert results["spread"].value == pytest.approx(0.1 / 60_000.05)
    assert results["spread"].threshold == 0.0005 and results["spread"].passed
    assert results["volume"].value == 5000.0 and results["volume"].passed
    assert results["imbalance"].value == pytest.approx(-0.5)
    assert results["imbalance"].threshold == -0.3 and results["imbalance"].passed


def test_signal_state_names_the_blocking_gate(rig: Rig) -> None:
    rig.engine.entries_enabled = False
    rig.ask_heavy(BTC)
    state = rig.engine.signal_state(BTC)
    assert state.signal is True
    assert state.blocked_by == "paused"
    assert not rig.engine.positions
