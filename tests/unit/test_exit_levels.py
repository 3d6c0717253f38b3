"""Moving an open short's target or stop by ticks: the exit check follows the new
price, the journal keeps it across a restart, an unsafe move is refused, and the
exchange-side stop is replaced without a moment unprotected (the old one stays when
the venue refuses the new one). Also the figures shown per position."""

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from rig import BTC, T0, make_rig
from scripted_broker import live_rig

from scalp_tui.engine.position_figures import (
    DEFAULT_MAINTENANCE_MARGIN_RATE,
    liquidation_price,
    position_figures,
    reversal_state,
    ticks_between,
)
from scalp_tui.engine.protocol import (
    ErrorEvent,
    ExitLevelMoved,
    ExitReason,
    MoveExitLevel,
    OrderStatus,
    PositionClosed,
    PositionSaved,
    PositionState,
)
from scalp_tui.runtime.recovery import attach
from scalp_tui.store.journal import Journal

STOP = ExitReason.STOP_LOSS_ON_EXCHANGE.value


def opened_paper(**params: object):  # type: ignore[no-untyped-def]
    rig = make_rig(**params)
    rig.ask_heavy(BTC)  # bid 60,000.0, ask 60,000.1: a short of 0.005 at 60,000.0
    (position,) = rig.engine.positions.values()
    return rig, position


# ------------------------------------------------------------------ the figures


def test_the_liquidation_estimate_is_binances_isolated_formula() -> None:
    # Binance USD-M, one isolated short: LP = (WB + cum + q*E) / (q*(1 + MMR)) with
    # WB = q*E/L and cum = 0. By hand for q = 0.005, E = 60,000, L = 3, MMR = 0.4 %:
    # WB = 100, q*E = 300, LP = (100 + 0 + 300) / (0.005 * 1.004) = 79,681.27
    assert liquidation_price(60_000.0, 3, 0.004) == pytest.approx(79_681.2749, abs=1e-3)
    assert liquidation_price(2_600.0, 10, 0.005) == pytest.approx(2_600 * 1.1 / 1.005)


def test_ticks_between_prices() -> None:
    assert ticks_between(60_000.1, 60_240.5, 0.1) == 2404.0
    assert ticks_between(60_000.1, 59_820.0, 0.1) == -1801.0
    assert ticks_between(2_600.0, 2_600.005, 0.01) == 0.5


def test_a_positions_view_carries_what_the_console_shows() -> None:
    rig, _ = opened_paper()
    (view,) = rig.engine.snapshot().positions
    figures = position_figures(view, 0.1)
    assert view.close_price == pytest.approx(60_000.1)
    assert figures.notional == pytest.approx(view.qty * 60_000.1)
    assert figures.to_stop is not None and figures.to_target is not None
    assert figures.to_stop.price == pytest.approx(view.stop_price - 60_000.1)
    assert figures.to_stop.ticks == round((view.stop_price - 60_000.1) / 0.1, 1)
    assert figures.to_target.ticks < 0 < figures.to_stop.ticks  # a short's: below, above
    # no venue rate known offline: the default, said so
    assert not view.maintenance_margin_known
    assert view.maintenance_margin_rate == DEFAULT_MAINTENANCE_MARGIN_RATE
    assert view.liquidation_price == pytest.approx(60_000.0 * (4 / 3) / 1.005)
    assert view.fees == pytest.approx(view.entry_fee) and view.fees > 0


def test_the_reversal_state_shows_its_two_inputs() -> None:
    rig, _ = opened_paper()
    (view,) = rig.engine.snapshot().positions
    assert view.reversal_threshold == 0.3
    assert not view.reversal_candle_rose  # the history's candles are flat
    assert reversal_state(view) == (False, f"✗ {view.reversal_imbalance:+.2f}/+0.30 ▽")
    armed = replace(view, reversal_imbalance=0.41, reversal_candle_rose=True)
    assert reversal_state(armed) == (True, "✓ +0.41/+0.30 ▲")


# ------------------------------------------------------------- the move command


def test_a_moved_stop_is_where_the_exit_fires() -> None:
    rig, position = opened_paper()
    rule_stop = position.stop_level
    result = rig.engine.execute(MoveExitLevel(position.id, "stop", -1000))
    assert result.ok, result.message
    moved = round(rule_stop - 100.0, 1)  # 1000 ticks of 0.1, on the tick grid
    assert position.stop_level == pytest.approx(moved)
    (event,) = rig.of(ExitLevelMoved)
    assert (event.level, event.previous, event.price, event.ticks) == (
        "stop",
        rule_stop,
        position.stop_level,
        -1000,
    )
    assert rig.of(PositionSaved)[-1].record.stop_moved == position.stop_level
    (view,) = rig.engine.snapshot().positions
    assert view.stop_price == position.stop_level and view.stop_moved
    # the buy-back price reaches the moved stop (below the rule's): it exits
    rig.balanced(BTC, moved - 0.1, moved)
    (closed,) = rig.of(PositionClosed)
    assert closed.position.exit_reason is ExitReason.STOP_LOSS


def test_a_moved_target_is_where_the_exit_fires() -> None:
    rig, position = opened_paper()
    assert rig.engine.execute(MoveExitLevel(position.id, "target", 1500)).ok
    target = position.target_level
    rig.balanced(BTC, target - 0.2, target + 0.1)  # a tick above: not yet
    assert not rig.of(PositionClosed)
    rig.balanced(BTC, target - 0.1, target)
    (closed,) = rig.of(PositionClosed)
    assert closed.position.exit_reason is ExitReason.PROFIT_TARGET


@pytest.mark.parametrize(
    ("level", "ticks", "says"),
    [
        ("stop", -2500, "would trigger at once (buy-back price 60000.1)"),
        ("target", 1802, "would trigger at once (buy-back price 60000.1)"),
        ("stop", 200_000, "beyond the liquidation estimate"),
        ("entry", 1, "no level 'entry'"),
        ("stop", 0, "a move of 0 ticks"),
    ],
)
def test_an_unsafe_move_is_refused_and_changes_nothing(level: str, ticks: int, says: str) -> None:
    rig, position = opened_paper()
    stop, target = position.stop_level, position.target_level
    result = rig.engine.execute(MoveExitLevel(position.id, level, ticks))
    assert not result.ok and says in result.message
    assert (position.stop_level, position.target_level) == (stop, target)
    assert not rig.of(ExitLevelMoved)


def test_a_closing_or_unknown_position_is_not_moved() -> None:
    rig, position = opened_paper()
    assert "not open" in rig.engine.execute(MoveExitLevel(999, "stop", 1)).message
    position.state = PositionState.CLOSING  # an exit order works
    assert "already closing" in rig.engine.execute(MoveExitLevel(position.id, "stop", 1)).message


def test_a_moved_stop_and_target_come_back_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"

    def start(now_ms: int):  # type: ignore[no-untyped-def]
        rig = make_rig()
        rig.clock.set(now_ms)
        journal = Journal(path, session="s")
        host = SimpleNamespace(
            engine=rig.engine, subscribe=rig.engine.subscribe, execute=rig.engine.execute
        )
        attach(host, journal)
        return rig, journal

    rig, journal = start(T0)
    rig.ask_heavy(BTC)
    (position,) = rig.engine.positions.values()
    assert rig.engine.execute(MoveExitLevel(position.id, "stop", -300)).ok
    assert rig.engine.execute(MoveExitLevel(position.id, "target", 40)).ok
    stop, target = position.stop_level, position.target_level
    journal.close()  # the process ends

    later, journal2 = start(T0 + 60_000)
    (restored,) = later.engine.positions.values()
    assert (restored.stop_level, restored.target_level) == (stop, target)
    (view,) = later.engine.snapshot().positions
    assert view.stop_moved and view.target_moved and view.stop_price == stop
    journal2.close()


# ------------------------------------------------------ the exchange-side stop


def live_opened():  # type: ignore[no-untyped-def]
    rig, venue = live_rig()
    rig.ask_heavy(BTC)
    (entry,) = venue.of("entry")
    venue.status(entry, OrderStatus.ACCEPTED)
    venue.fill(entry, 60_000.0, 0.005)
    venue.status(entry, OrderStatus.FILLED)
    (stop1,) = venue.of(STOP)
    venue.status(stop1, OrderStatus.ACCEPTED)
    (position,) = rig.engine.positions.values()
    return rig, venue, position, stop1


def test_moving_the_stop_replaces_the_venues_stop_new_one_first() -> None:
    rig, venue, position, stop1 = live_opened()
    assert rig.engine.execute(MoveExitLevel(position.id, "stop", -50)).ok
    stop2 = venue.of(STOP)[1]
    assert stop2.price == pytest.approx(position.stop_level) and stop2.qty == stop1.qty
    assert stop1.id not in venue.cancelled  # the old one protects until the new one works
    venue.status(stop2, OrderStatus.ACCEPTED)
    assert stop1.id in venue.cancelled
    venue.status(stop1, OrderStatus.CANCELED)
    (view,) = rig.engine.snapshot().positions
    assert view.exchange_stop_price == stop2.price
    assert not any("exchange-side stop" in e.message for e in rig.of(ErrorEvent))


def test_a_refused_replacement_leaves_the_old_stop_and_says_so() -> None:
    rig, venue, position, stop1 = live_opened()
    assert rig.engine.execute(MoveExitLevel(position.id, "stop", -50)).ok
    stop2 = venue.of(STOP)[1]
    venue.status(stop2, OrderStatus.REJECTED, "would immediately trigger")
    assert stop1.id not in venue.cancelled
    assert position.stop_order_id == stop1.id and not position.stop_refused
    (view,) = rig.engine.snapshot().positions
    assert view.exchange_stop_price == stop1.price  # shown: the venue's stop did not move
    assert view.stop_price == position.stop_level != stop1.price  # the software one did
    (error,) = [e for e in rig.of(ErrorEvent) if "moving the exchange-side stop" in e.message]
    assert f"the stop at {stop1.price:g} stays" in error.message
    rig.advance(1000)
    assert len(venue.of(STOP)) == 2  # not asked again for the same price on every tick
    # the next move tries again
    assert rig.engine.execute(MoveExitLevel(position.id, "stop", -1)).ok
    assert len(venue.of(STOP)) == 3


def test_a_restart_between_placing_the_new_stop_and_cancelling_the_old_keeps_one() -> None:
    rig, venue, position, stop1 = live_opened()
    assert rig.engine.execute(MoveExitLevel(position.id, "stop", -50)).ok
    stop2 = venue.of(STOP)[1]
    venue.status(stop2, OrderStatus.ACCEPTED)
    venue.cancelled.clear()
    # the process died before the old stop's cancel reached the venue: both rest there
    record = position.record()
    views = [stop1.view(), stop2.view()]
    later, venue2 = live_rig()
    later.engine.restore([record], views, next_id=100)
    (restored,) = later.engine.positions.values()
    assert restored.stop_order_id == stop2.id and restored.stop_level == position.stop_level
    assert venue2.cancelled == [stop1.id]  # the older one goes, the newer one protects


def test_a_restart_before_the_new_stop_reached_the_venue_keeps_the_old_one() -> None:
    rig, _, position, stop1 = live_opened()
    assert rig.engine.execute(MoveExitLevel(position.id, "stop", -50)).ok
    assert position.stop_order_id != stop1.id  # journaled: the new one, not yet at the venue
    later, venue2 = live_rig()
    later.engine.restore([position.record()], [stop1.view()], next_id=100)
    (restored,) = later.engine.positions.values()
    assert restored.stop_order_id == stop1.id and venue2.cancelled == []
