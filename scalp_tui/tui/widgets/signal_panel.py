"""Entry 661, condition by condition, and the gate that blocks it."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size

from scalp_tui.engine.protocol import ConditionResult, SymbolSnapshot
from scalp_tui.tui.fmt import fmt_bps
from scalp_tui.tui.widgets.lines import LinesWidget, text_lines


def _value(c: ConditionResult) -> str:
    if c.name == "enabled":
        return "on" if c.passed else "off"
    if c.value is None:
        return "unknown"
    if c.name == "spread":  # basis points, as in the book and the watchlist
        return fmt_bps(c.value)
    if c.name == "volume":
        return f"{c.value:,.1f}"
    return f"{c.value:+.3f}"


def _op(c: ConditionResult) -> str:
    return "" if c.name == "enabled" else c.op  # "on (config)", not "on is on"


def _threshold(c: ConditionResult) -> str:
    if c.name == "enabled":
        return "(config)"
    if c.name == "spread":
        return fmt_bps(c.threshold)
    if c.name == "volume":
        return f"{c.threshold:,.0f}"
    return f"{c.threshold:+.3f}"


def _note(c: ConditionResult, snap: SymbolSnapshot) -> str:
    """What the compared value is, where that is not obvious."""
    if c.name == "imbalance":
        now = "unknown" if snap.imbalance is None else f"{snap.imbalance:+.3f}"
        if snap.imbalance_window_s <= 0:
            return f"instantaneous (now {now})"
        return f"mean of {snap.imbalance_window_s:g} s · now {now}"
    if c.name == "volume":
        # a candle not watched from its start never counts: say which one that is
        if snap.forming_partial:
            return "forming candle partial (started mid-period): it will not count"
        if snap.closed_candles and snap.closed_candles[-1].partial:
            return "last candle partial: the whole one before it counts"
    return ""


def signal_text(snap: SymbolSnapshot | None, implied: str) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    if snap is None:
        return text
    for c in snap.signal.conditions:
        mark, style = ("✓", "bold green") if c.passed else ("✗", "bold red")
        text.append(f" {mark} ", style=style)
        text.append(f"{c.name:<10}", style="bold")
        text.append(f"{_value(c):>12} {_op(c):>2} {_threshold(c):<10}")
        note = _note(c, snap)
        if note:
            text.append(f" {note}", style="dim")
        text.append("\n")
    signal = snap.signal
    if signal.signal and signal.blocked_by is None:
        text.append(" ▶ SIGNAL: entry ready\n", style="bold black on green")
    elif signal.signal:
        text.append(" ■ signal, blocked: ", style="bold black on yellow")
        text.append(f"{signal.block_reason}\n", style="yellow")
    else:
        failing = [c.name for c in signal.conditions if not c.passed]
        text.append(f" · no signal ({', '.join(failing)})", style="dim")
        # on the same line, so the panel's height never changes (no layout pass)
        if signal.blocked_by is not None:
            text.append(f"; gate: {signal.block_reason}", style="yellow")
        text.append("\n")
    text.append(implied, style="dim")
    return text


class SignalPanel(LinesWidget, can_focus=True):
    """Drawn line by line (lines.py); its box draws the border."""

    DEFAULT_CSS = "SignalPanel { height: auto; }"
    ELLIPSIS = True

    def __init__(self, **kwargs: object) -> None:
        super().__init__([], **kwargs)

    def show(self, snap: SymbolSnapshot | None, implied: str) -> None:
        lines = text_lines(signal_text(snap, implied))
        if len(lines) != len(self._lines):  # the height follows: a layout pass, rarely
            self.refresh(layout=True)
        self.set_lines(lines)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines)
