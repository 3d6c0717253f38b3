"""The status line: what mode the console is in must be impossible to misread."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from scalp_tui.engine.protocol import FeedState, Mode, Snapshot
from scalp_tui.eventlog import clock_text

# Explicit colours: theme-mapped ANSI "blue" can render purple, and the two badges
# must never be confused.
PAPER_BLUE = "#1c5fd4"
LIVE_RED = "#d70000"
ALERT_CHARS = 48

FEED_STYLE = {
    FeedState.LIVE: "green",
    FeedState.CONNECTING: "yellow",
    FeedState.RESYNCING: "yellow",
    FeedState.STALE: "bold red",
    FeedState.DOWN: "bold white on red",
}


def status_text(snap: Snapshot, exchange: str, symbol: str) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" {exchange} ", style="bold")
    text.append(f" {symbol} ", style="bold cyan")
    text.append(" ")
    if snap.broker == "live":
        text.append(" LIVE ", style=f"bold #ffffff on {LIVE_RED}")
    else:
        text.append(" PAPER ", style=f"bold #ffffff on {PAPER_BLUE}")
    text.append(" ")
    if snap.mode is Mode.AUTO:
        text.append(" AUTO ", style="bold #000000 on #ffaf00")
    else:
        text.append(" CONFIRM ", style="bold #000000 on #5fd7ff")
    focused = snap.symbol(symbol)
    age = focused.book_age_ms if focused else None
    age_text = "-" if age is None else f"{age}ms"
    text.append(f"  feed {snap.feed.state.value}", style=FEED_STYLE.get(snap.feed.state, ""))
    text.append(f" {age_text} {snap.updates_per_s:,}/s", style="dim")
    if snap.killed:
        text.append("  ")
        text.append(" KILLED ", style=f"bold {LIVE_RED} on #ffffff")
        still_open = len(snap.positions)
        text.append(f" {still_open} still open" if still_open else " flat", style="bold #ffffff")
    elif snap.entries_enabled:
        text.append("  entries on", style="green")
    else:
        text.append("  ")
        text.append(" ENTRIES PAUSED ", style="bold black on yellow")
    if snap.alerts:
        # what needs the trader's eye until it clears (the full text is in the log)
        first = snap.alerts[0]
        more = f" +{len(snap.alerts) - 1}" if len(snap.alerts) > 1 else ""
        text.append("  ")
        text.append(f" ⚠ {first[:ALERT_CHARS]}{more} ", style="bold #ffffff on #af5f00")
    pnl = snap.realised_pnl_today
    text.append("  PnL today ")
    text.append(f"{pnl:+.2f}", style="bold green" if pnl >= 0 else "bold red")
    text.append(f"  {clock_text(snap.ts_ms)[:8]} UTC", style="bold")
    return text


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $boost; }
    StatusBar.-killed { background: #8b0000; }
    """

    def show(self, snap: Snapshot, exchange: str, symbol: str) -> None:
        # The whole line turns red while the kill switch is latched.
        self.set_class(snap.killed, "-killed")
        self.update(status_text(snap, exchange, symbol), layout=False)
