"""What the console draws of a position's exits: the stop and target beyond the
ladder's rows marked on its edge rows, moved prices starred, and the detail line of
the selected position with its distances, reversal state and liquidation estimate."""

from rig import BTC, make_rig
from textual.geometry import Size

from scalp_tui.engine.protocol import MoveExitLevel
from scalp_tui.tui.widgets.ladder import Ladder
from scalp_tui.tui.widgets.positions import detail_line, detail_parts, position_cells


def opened():  # type: ignore[no-untyped-def]
    rig = make_rig()
    rig.ask_heavy(BTC)  # a short of 0.005 at 60,000.0; buy-back 60,000.1
    (position,) = rig.engine.positions.values()
    return rig, position


def test_a_stop_and_target_beyond_the_rows_are_marked_on_the_edge_rows() -> None:
    rig, _ = opened()
    snap = rig.engine.snapshot(depth=20)
    lines = Ladder(levels=20)._build(snap.symbol(BTC), snap.orders, snap.positions, Size(56, 48))
    text = ["".join(t for t, _ in line) for line in lines]
    (view,) = snap.positions
    # the hand-made book has 10 levels a side, 0.1 apart: top ask 60,001.0, bottom
    # bid 59,999.1
    top_ask = next(line for line in text if line.strip().startswith("60,001.0"))
    bottom_bid = next(line for line in text if line.strip().startswith("59,999.1"))
    assert f"↑stop +{round((view.stop_price - 60_001.0) / 0.1)}t" in top_ask
    assert f"↓tgt {round((view.target_price - 59_999.1) / 0.1)}t" in bottom_bid


def test_moved_prices_are_starred_and_the_detail_line_says_the_distances() -> None:
    rig, position = opened()
    assert rig.engine.execute(MoveExitLevel(position.id, "stop", -1000)).ok
    (view,) = rig.engine.snapshot().positions
    cells = position_cells(view, {BTC: 0.1}, rig.clock.now_ms())
    assert cells["stop"].plain.endswith("*") and not cells["target"].plain.endswith("*")
    ticks = round((view.stop_price - 60_000.1) / 0.1)
    assert cells["to stop"].plain == f"+{ticks}t"
    parts = detail_parts(view, 0.1)
    assert parts[0] == f"#{position.id}" and parts[1].startswith(f"stop {view.stop_price:,.1f}*")
    gap = view.stop_price - 60_000.1
    assert parts[2] == f"↑ +{gap:,.1f} +{ticks}t {gap / 60_000.1:+.2%}"
    assert any(p.startswith("rev ✗ ") for p in parts)
    assert any(p.startswith("liq~ ") and "3x isolated, mmr 0.50% est." in p for p in parts)
    # cut from the right, whole parts only
    short = detail_line(view, 0.1, 40)
    assert len(short) <= 40 and short.startswith(f"#{position.id} · stop ")
    assert detail_line(None, 0.1, 80).startswith("+/- target")


def test_the_help_names_the_level_keys_by_their_symbols() -> None:
    from scalp_tui.tui.keymap import ACTIONS, key_label

    keys = {a.id: key_label(a.key) for a in ACTIONS}
    assert (keys["target_up"], keys["target_down"]) == ("+,=", "-")
    assert (keys["stop_up"], keys["stop_down"], keys["help"]) == (">", "<", "?")
