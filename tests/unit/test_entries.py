"""Entries: sizing, partial fills, rejections, and every engine gate."""

import pytest
from rig import BTC, ETH, SOL, T0, make_rig

from scalp_tui.engine.protocol import (
    ErrorEvent,
    PositionState,
    SetEntriesEnabled,
)


def test_stake_times_leverage_sizes_the_short() -> None:
    rig = make_rig((SOL,))
    rig.ask_heavy(SOL)  # 100 USDT x3 at 150.00 -> 2.0 SOL
    (position,) = rig.engine.positions.values()
    assert position.qty == 2.0


def test_partial_entry_fill_sets_the_position_to_what_filled() -> None:
    rig = make_rig((BTC,))
    # 0.005 wanted, only 0.003 visible on the bid side
    rig.book(BTC, 60_000.0, 60_000.1, [0.002, 0.001], [3.0] * 10)
    (position,) = rig.engine.positions.values()
    assert position.qty == pytest.approx(0.003)
    assert position.entry_price == pytest.approx((60_000.0 * 0.002 + 59_999.9 * 0.001) / 0.003)
    assert position.state is PositionState.OPEN


def test_rejected_entry_leaves_no_phantom_position() -> None:
    rig = make_rig((BTC,))
    rig.paper.reject_next(BTC, "margin is insufficient")
    rig.ask_heavy(BTC)
    assert not rig.engine.positions
    assert rig.engine.summary()["entries"] == 0
    assert any("margin is insufficient" in e.message for e in rig.of(ErrorEvent))
    rig.ask_heavy(BTC)  # the symbol is free again
    assert len(rig.engine.positions) == 1


def test_max_open_positions_gate() -> None:
    rig = make_rig((BTC, ETH, SOL), max_open_positions=2)
    for symbol in (BTC, ETH, SOL):
        rig.ask_heavy(symbol)
    assert len(rig.engine.positions) == 2
    state = rig.engine.signal_state(SOL)
    assert state.blocked_by == "max_positions" and "max 2" in state.block_reason


def test_stale_book_gate() -> None:
    rig = make_rig((BTC,))
    rig.engine.entries_enabled = False
    rig.ask_heavy(BTC)
    rig.engine.entries_enabled = True
    rig.clock.advance(3_000)
    assert rig.engine.signal_state(BTC).blocked_by is None  # 3000 ms is still fresh
    rig.clock.advance(1)
    state = rig.engine.signal_state(BTC)
    assert state.blocked_by == "stale_book" and "3001 ms old" in state.block_reason


def test_daily_loss_gate_and_its_utc_reset() -> None:
    rig = make_rig((BTC,), max_daily_loss=1.0)
    rig.ask_heavy(BTC)
    rig.balanced(BTC, 60_300.0)  # stop loss: about -1.65 realised
    assert rig.engine.summary()["pnl"] < -1.0
    rig.ask_heavy(BTC)
    assert not rig.engine.positions
    assert rig.engine.signal_state(BTC).blocked_by == "daily_loss"
    rig.clock.set(T0 + 86_400_000)  # next UTC day
    rig.ask_heavy(BTC)
    assert len(rig.engine.positions) == 1


def test_pause_blocks_new_entries_but_keeps_positions_managed() -> None:
    rig = make_rig((BTC, ETH))
    rig.ask_heavy(BTC)
    rig.engine.execute(SetEntriesEnabled(False))
    rig.ask_heavy(ETH)
    assert [p.symbol for p in rig.engine.positions.values()] == [BTC]
    rig.balanced(BTC, 60_300.0)  # the open short still exits on its stop
    assert not rig.engine.positions


def test_stake_below_minimum_quantity_is_reported() -> None:
    rig = make_rig((BTC,), stake_amount=0.1)
    rig.ask_heavy(BTC)
    rig.ask_heavy(BTC)
    assert not rig.engine.positions
    # reported once, not on every book update
    assert sum("minimum quantity" in e.message for e in rig.of(ErrorEvent)) == 1
