"""The header: the entries state, PnL against the loss limit, fees and exposure,
kept readable from 80 columns up."""

from dataclasses import replace

from rig import BTC, make_rig

from scalp_tui.engine.protocol import EngageKillSwitch, FeedState, FeedStatus
from scalp_tui.tui.widgets.status_bar import loss_limit_text, status_text
from scalp_tui.tui.widgets.watchlist import signal_cell


def test_pnl_today_is_shown_against_the_loss_limit() -> None:
    assert loss_limit_text(-35.70, 50.0)[0] == "-35.70 / -50.00 (71 %)"
    assert loss_limit_text(12.0, 50.0)[0] == "+12.00 / -50.00 (0 %)"


def test_the_header_names_what_blocks_entries() -> None:
    rig = make_rig((BTC,), max_daily_loss=1.0)
    rig.balanced(BTC, 60_000.0)
    assert " ENTRIES ON " in status_text(rig.engine.snapshot(), "SIM", BTC).plain
    rig.engine.on_feed_status(FeedStatus(FeedState.DOWN, detail="connection lost"))
    assert " BLOCKED: feed down " in status_text(rig.engine.snapshot(), "SIM", BTC).plain
    rig.engine.on_feed_status(FeedStatus(FeedState.LIVE))
    rig.ask_heavy(BTC)
    rig.balanced(BTC, 60_300.0)  # a stop loss beyond the 1.00 limit
    line = status_text(rig.engine.snapshot(), "SIM", BTC).plain
    assert " BLOCKED: loss limit " in line and "ENTRIES ON" not in line
    rig.engine.execute(EngageKillSwitch("test"))
    assert " BLOCKED: kill switch  flat" in status_text(rig.engine.snapshot(), "SIM", BTC).plain


def test_the_risk_line_shows_fees_and_exposure() -> None:
    rig = make_rig((BTC,))
    rig.ask_heavy(BTC)  # a short opens
    snap = rig.engine.snapshot()
    (position,) = snap.positions
    risk = status_text(snap, "SIM", BTC).plain.splitlines()[1]
    notional = position.qty * position.close_price
    assert f"exposure {notional:,.2f} in 1" in risk
    assert f"fees {snap.fees_today:.2f}" in risk
    assert "PnL today +0.00 / -50.00 (0 %)" in risk


def test_at_80_columns_the_badges_state_pnl_and_clock_all_fit() -> None:
    rig = make_rig((BTC,))
    rig.balanced(BTC, 60_000.0)
    snap = replace(rig.engine.snapshot(), realised_pnl_today=-35.70, fees_today=12.5)
    first, second = status_text(snap, "SIM", BTC, width=80).plain.splitlines()
    assert len(first) <= 80 and len(second) <= 80
    for part in ("PAPER", "AUTO", "ENTRIES ON", "00:00:00"):
        assert part in first
    assert "PnL today -35.70 / -50.00 (71 %)" in second


def test_the_watchlist_shows_the_gate_whatever_the_conditions() -> None:
    rig = make_rig((BTC,))
    rig.ask_heavy(BTC)  # the short opens: the symbol is busy
    rig.balanced(BTC, 60_000.0)  # and the conditions no longer pass
    cell = signal_cell(rig.engine.snapshot().symbol(BTC)).plain
    assert cell.endswith(" busy") and "/4" in cell
