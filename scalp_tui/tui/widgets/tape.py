"""The trade tape beside the ladder: the focused symbol's latest trades, newest on
top (seconds.milliseconds, price, size), with the aggressor's side (a taker selling
hits the bid: red ▼; buying lifts the ask: green ▲). Shown from 140 columns up."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from scalp_tui.engine.protocol import Side, TradeTick
from scalp_tui.eventlog import clock_text
from scalp_tui.tui.fmt import fmt_price, fmt_qty


def tape_text(trades: tuple[TradeTick, ...], tick: float, rows: int) -> Text:
    text = Text(no_wrap=True, overflow="crop")
    text.append("  time      price    size", style="bold dim")
    for trade in trades[: max(0, rows - 1)]:
        sell = trade.taker_side is Side.SELL
        text.append("\n")
        text.append(clock_text(trade.ts_ms)[6:], style="dim")  # ss.mmm
        text.append(f" {fmt_price(trade.price, tick):>10}", style="#ff5f87" if sell else "#87d700")
        text.append(f" {fmt_qty(trade.qty):>7} ")
        text.append("▼" if sell else "▲", style="bold #ff5f87" if sell else "bold #87d700")
    if not trades:
        text.append("\nno trades yet", style="dim")
    return text


class TradeTape(Widget):
    DEFAULT_CSS = "TradeTape { height: 1fr; text-wrap: nowrap; text-overflow: clip; }"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[str, TradeTick | None] = ("", None)
        self._text = Text()

    def show(self, symbol: str, trades: tuple[TradeTick, ...], tick: float) -> None:
        # redrawn only when a trade came in or the symbol changed
        latest = (symbol, trades[0] if trades else None)
        if latest == self._shown and self._text:
            return
        self._shown = latest
        self._text = tape_text(trades, tick, self.size.height or 40)
        self.refresh()

    def render(self) -> Text:
        return self._text
