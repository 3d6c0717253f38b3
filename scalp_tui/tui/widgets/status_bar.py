"""The header, two lines: what mode the console is in must be impossible to misread
(line 1), and how much risk is on (line 2).

Line 1: exchange, focused symbol, PAPER/LIVE, AUTO/CONFIRM, one entries state
(`ENTRIES ON` or `BLOCKED: <why>`), standing alerts, the market clock.
Line 2: realised PnL today against the daily loss limit, fees today, open exposure,
feed health. Each line keeps its most important parts when the terminal is narrow:
parts are dropped by rank, never cut in the middle.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from scalp_tui.engine.protocol import FeedState, Mode, Snapshot
from scalp_tui.eventlog import clock_text
from scalp_tui.tui.widgets.still import Still

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

# (rank, text): rank 0 always stays, higher ranks go first when space runs out
Part = tuple[int, Text]


def _part(rank: int, *pieces: tuple[str, str]) -> Part:
    text = Text()
    for piece, style in pieces:
        text.append(piece, style=style)
    return rank, text


def _fit(parts: list[Part], width: int, right: Part | None = None) -> Text:
    """The parts that fit `width` by rank, in their order, `right` flush right."""
    sep = 2
    budget = width - (len(right[1]) + sep if right else 0)
    keep: set[int] = set()
    used = 0
    for index in sorted(range(len(parts)), key=lambda i: parts[i][0]):
        need = len(parts[index][1]) + (sep if keep else 0)
        if parts[index][0] > 0 and used + need > budget:
            continue
        keep.add(index)
        used += need
    line = Text(no_wrap=True, overflow="ellipsis")
    for index, (_, text) in enumerate(parts):
        if index in keep:
            if len(line):
                line.append(" " * sep)
            line.append_text(text)
    if right is not None:
        line.append(" " * max(sep, width - len(line) - len(right[1])))
        line.append_text(right[1])
    return line


def entries_part(snap: Snapshot) -> Part:
    """One honest entries state; the kill switch also says what is still open."""
    if snap.killed:
        still_open = len(snap.positions)
        return _part(
            0,
            (" BLOCKED: kill switch ", f"bold {LIVE_RED} on #ffffff"),
            (f" {still_open} still open" if still_open else " flat", "bold #ffffff"),
        )
    if snap.entries_blocked:
        return _part(0, (f" BLOCKED: {snap.entries_blocked} ", "bold black on yellow"))
    return _part(0, (" ENTRIES ON ", "bold black on green"))


def identity_line(snap: Snapshot, exchange: str, symbol: str, width: int) -> Text:
    shown_symbol = symbol if width >= 100 else symbol.split(":")[0]
    parts = [
        _part(3, (f" {exchange} ", "bold")),
        _part(1, (f" {shown_symbol} ", "bold cyan")),
        _part(0, (" LIVE ", f"bold #ffffff on {LIVE_RED}"))
        if snap.broker == "live"
        else _part(0, (" PAPER ", f"bold #ffffff on {PAPER_BLUE}")),
        _part(0, (" AUTO ", "bold #000000 on #ffaf00"))
        if snap.mode is Mode.AUTO
        else _part(0, (" CONFIRM ", "bold #000000 on #5fd7ff")),
        entries_part(snap),
    ]
    if snap.alerts:
        # what needs the trader's eye until it clears (the full text is in the log)
        first = snap.alerts[0]
        more = f" +{len(snap.alerts) - 1}" if len(snap.alerts) > 1 else ""
        parts.append(_part(2, (f" ⚠ {first[:ALERT_CHARS]}{more} ", "bold #ffffff on #af5f00")))
    clock = clock_text(snap.ts_ms)[:8] + (" UTC" if width >= 100 else "")
    return _fit(parts, width, _part(1, (clock, "bold")))


def loss_limit_text(pnl: float, limit: float) -> tuple[str, str]:
    """'-35.70 / -50.00 (71 %)': realised PnL today against the daily loss limit,
    the share of the limit used (0 % while in profit)."""
    if limit <= 0:
        return f"{pnl:+.2f}", "bold green" if pnl >= 0 else "bold red"
    used = max(0.0, -pnl) / limit
    style = "bold green" if pnl >= 0 else "bold red" if used >= 0.5 else "bold yellow"
    return f"{pnl:+.2f} / {-limit:.2f} ({used:.0%})".replace("%", " %"), style


def risk_line(snap: Snapshot, symbol: str, width: int) -> Text:
    pnl_text, pnl_style = loss_limit_text(snap.realised_pnl_today, snap.max_daily_loss)
    exposure = sum(p.qty * (p.close_price or p.entry_price) for p in snap.positions)
    count = len(snap.positions)
    focused = snap.symbol(symbol)
    age = focused.book_age_ms if focused else None
    feed = snap.feed
    age_text = "-" if age is None else f"{age}ms"
    # the book's age in words where there is room
    age_text = f"book {age_text} old, " if width >= 120 else f"{age_text} "
    parts = [
        _part(0, ("PnL today ", ""), (pnl_text, pnl_style)),
        _part(3, ("fees ", "dim"), (f"{snap.fees_today:.2f}", "")),
        _part(
            2,
            ("exposure ", "dim"),
            (f"{exposure:,.2f}" + (f" in {count}" if count else ""), "bold" if count else ""),
        ),
        _part(
            1,
            ("feed ", "dim"),
            (
                feed.state.value if feed.state is FeedState.LIVE else f" {feed.state.value} ",
                FEED_STYLE.get(feed.state, ""),
            ),
            (f" {age_text}{snap.updates_per_s:,}/s", "dim"),
        ),
    ]
    latency = focused.latency_ms if focused else None
    if latency is not None:  # only a venue that stamps its updates says this
        parts.append(_part(4, ("latency ", "dim"), (f"{latency}ms", "")))
    if snap.feed_reconnects:
        count = snap.feed_reconnects
        parts.append(_part(2, (f"{count} reconnect{'s' if count > 1 else ''}", "yellow")))
    if feed.resyncs:
        count = feed.resyncs
        parts.append(_part(2, (f"{count} resync{'s' if count > 1 else ''}", "yellow")))
    return _fit(parts, width)


def status_text(snap: Snapshot, exchange: str, symbol: str, width: int = 160) -> Text:
    text = identity_line(snap, exchange, symbol, width)
    text.append("\n")
    text.append_text(risk_line(snap, symbol, width))
    return text


class StatusBar(Still, Static):
    DEFAULT_CSS = """
    StatusBar { height: 2; background: $boost; }
    StatusBar.-killed { background: #8b0000; }
    """

    _shown: tuple[Snapshot, str, str] | None = None

    def show(self, snap: Snapshot, exchange: str, symbol: str) -> None:
        # The whole header turns red while the kill switch is latched.
        self.set_class(snap.killed, "-killed")
        self._shown = (snap, exchange, symbol)
        self._draw()

    def on_resize(self) -> None:
        # drawn for its width: the first show can come before the layout gives it one
        self._draw()

    def _draw(self) -> None:
        if self._shown is not None:
            text = status_text(*self._shown, width=self.size.width or 160)
            self.update(text, layout=False)
