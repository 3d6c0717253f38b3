"""Pane details a trader relies on: countdown colours, bounded log, ladder marks."""

from rich.text import Text

from scalp_tui.engine.protocol import PositionState, PositionView
from scalp_tui.tui.widgets.event_log import MAX_LINES, EventLog
from scalp_tui.tui.widgets.ladder import depth_bar, imbalance_gauge
from scalp_tui.tui.widgets.positions import countdown_cell

NOW = 1_723_161_600_000


def position(timeout_in_ms: int, state: PositionState = PositionState.OPEN) -> PositionView:
    return PositionView(
        id=1,
        symbol="BTC/USDT:USDT",
        broker="paper",
        state=state,
        qty=0.004,
        entry_price=60_000.0,
        opened_ms=NOW,
        entry_fee=0.12,
        close_price=None,
        profit_ratio=None,
        pnl=None,
        target_price=0.0,
        stop_price=0.0,
        timeout_ms=NOW + timeout_in_ms,
    )


def test_countdown_turns_amber_under_three_minutes_and_red_under_one() -> None:
    def cell(ms: int) -> Text:
        return countdown_cell(position(ms), NOW)

    assert (cell(900_000).plain, str(cell(900_000).style)) == ("15:00", "green")
    assert (cell(180_000).plain, str(cell(180_000).style)) == ("03:00", "green")
    assert (cell(179_999).plain, str(cell(179_999).style)) == ("02:59", "bold yellow")
    assert (cell(59_999).plain, str(cell(59_999).style)) == ("00:59", "bold red")
    assert countdown_cell(position(0, PositionState.CLOSING), NOW).plain == "exit…"


def test_log_keeps_only_the_newest_lines() -> None:
    log = EventLog()
    for i in range(MAX_LINES + 500):
        log.add_line(f"line {i}")
    text = log.text().splitlines()
    assert len(text) == MAX_LINES
    assert text[0] == "line 500" and text[-1] == f"line {MAX_LINES + 499}"


def test_depth_bar_has_eighth_cell_precision() -> None:
    assert depth_bar(1.0, 4) == "████"
    assert depth_bar(0.5, 4) == "██  "
    assert depth_bar(1 / 32, 4) == "▏   "
    assert depth_bar(0.0, 4) == "    "


def test_imbalance_gauge_marks_the_value() -> None:
    text = "".join(t for t, _ in imbalance_gauge(-1.0, 60))
    assert text.startswith("ask-heavy ●") and text.endswith("-1.000")
    assert len(text) <= 60
    text = "".join(t for t, _ in imbalance_gauge(1.0, 60))
    assert "─┼━" in text and "● bid-heavy" in text


def test_a_narrow_imbalance_gauge_keeps_its_value() -> None:
    text = "".join(t for t, _ in imbalance_gauge(-0.456, 32))
    assert text.startswith("ask ") and "●" in text and text.endswith("-0.456")
    assert len(text) <= 32


def test_a_standing_alert_shows_on_the_status_line_until_it_clears() -> None:
    from dataclasses import replace

    from rig import BTC, make_rig

    from scalp_tui.tui.widgets.status_bar import status_text

    rig = make_rig()
    rig.ask_heavy(BTC)
    quiet = status_text(rig.engine.snapshot(), "binanceusdm", BTC).plain
    assert "⚠" not in quiet
    rig.engine.set_divergence(BTC, f"{BTC}: the exchange holds -0.008, this console -0.005")
    line = status_text(rig.engine.snapshot(), "binanceusdm", BTC).plain
    assert "⚠ venue and journal disagree" in line and "PnL today" in line
    two = replace(rig.engine.snapshot(), alerts=("a", "b"))
    assert "⚠ a +1" in status_text(two, "binanceusdm", BTC).plain
    rig.engine.set_divergence(BTC, None)
    assert "⚠" not in status_text(rig.engine.snapshot(), "binanceusdm", BTC).plain


def test_signal_panel_shows_the_windowed_and_the_instantaneous_imbalance() -> None:
    from rig import BTC, T0, make_rig

    from scalp_tui.tui.widgets.signal_panel import signal_text

    rig = make_rig()
    rig.balanced(BTC, 60_000.0)
    rig.clock.set(T0 + 5_000)
    rig.ask_heavy(BTC)  # -0.5 now; balanced (0) for the 5 s before
    rig.clock.set(T0 + 6_000)
    line = next(
        ln
        for ln in signal_text(rig.engine.snapshot().symbol(BTC), "").plain.splitlines()
        if "imbalance" in ln
    )
    # the mean over the 6 s seen: -0.5 for 1 s of 6
    assert "-0.083 <= -0.300" in line and "mean of 10 s · now -0.500" in line


def test_signal_panel_says_a_candle_is_partial() -> None:
    from rig import BTC, PRICES, T0, history, make_rig

    from scalp_tui.engine.candles import CandleBuilder
    from scalp_tui.tui.widgets.signal_panel import signal_text

    rig = make_rig()
    rig.engine.candles[BTC] = CandleBuilder(300_000)
    rig.engine.candles[BTC].seed(history(PRICES[BTC]), T0 + 256_000)  # 44 s before the close
    rig.clock.set(T0 + 256_000)
    rig.ask_heavy(BTC)

    def volume_line() -> str:
        text = signal_text(rig.engine.snapshot().symbol(BTC), "").plain
        return next(ln for ln in text.splitlines() if "volume" in ln)

    assert "forming candle partial" in volume_line()
    rig.advance(44_000)
    assert "last candle partial: the whole one before it counts" in volume_line()
    rig.advance(300_000)
    assert "partial" not in volume_line()
