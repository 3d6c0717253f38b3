"""The trade tape beside the ladder: the focused symbol's latest trades, newest on
top (seconds.milliseconds, price, size), with the aggressor's side (a taker selling
hits the bid: red ▼; buying lifts the ask: green ▲). Shown from 140 columns up.
Drawn line by line like the ladder (a Rich `Text` of the tape cost ~15 ms a redraw)."""

from __future__ import annotations

from rich.style import Style

from scalp_tui.engine.protocol import Side, TradeTick
from scalp_tui.eventlog import clock_text
from scalp_tui.tui.fmt import fmt_price, fmt_qty
from scalp_tui.tui.widgets.lines import Line, LinesWidget

HEAD, DIM, PLAIN = Style.parse("bold dim"), Style.parse("dim"), Style()
SELL, BUY = Style.parse("#ff5f87"), Style.parse("#87d700")
SELL_MARK, BUY_MARK = Style.parse("bold #ff5f87"), Style.parse("bold #87d700")


def tape_lines(trades: tuple[TradeTick, ...], tick: float, rows: int) -> list[Line]:
    lines: list[Line] = [[("  time      price    size", HEAD)]]
    for trade in trades[: max(0, rows - 1)]:
        sell = trade.taker_side is Side.SELL
        lines.append(
            [
                (clock_text(trade.ts_ms)[6:], DIM),  # ss.mmm
                (f" {fmt_price(trade.price, tick):>10}", SELL if sell else BUY),
                (f" {fmt_qty(trade.qty):>7} ", PLAIN),
                ("▼" if sell else "▲", SELL_MARK if sell else BUY_MARK),
            ]
        )
    if not trades:
        lines.append([("no trades yet", DIM)])
    return lines


class TradeTape(LinesWidget):
    DEFAULT_CSS = "TradeTape { height: 1fr; }"

    def __init__(self, **kwargs: object) -> None:
        super().__init__([], **kwargs)
        self._shown: tuple[str, TradeTick | None, int] | None = None

    def show(self, symbol: str, trades: tuple[TradeTick, ...], tick: float) -> None:
        # redrawn only when a trade came in, the symbol changed or the pane was resized
        rows = self.size.height or 40
        latest = (symbol, trades[0] if trades else None, rows)
        if latest == self._shown:
            return
        self._shown = latest
        self.set_lines(tape_lines(trades, tick, rows))
