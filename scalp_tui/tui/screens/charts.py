"""The charts screen: equity of the trades closed so far, and the focused symbol's
mid price with entries and exits marked (the backtest's figures, scalp_tui.charts).

plotext draws to a fixed size, so each chart is rebuilt at its widget's size when the
widget is resized, and once a second otherwise: never per market message, and the
history it draws from is sampled on the console's own timer.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import Static

from scalp_tui.charts import equity_chart, price_chart
from scalp_tui.tui.trade_history import TradeHistory

REDRAW_S = 1.0
THEME = "simple"  # no canvas colour: the console's own background shows through
MIN_SIZE = (20, 6)  # below this plotext has no room for axes and a line

Draw = Callable[[int, int], str | None]


class Chart(Static):
    """Text built by `draw(width, height)`; `placeholder` while it has nothing."""

    def __init__(self, draw: Draw, placeholder: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.draw = draw
        self.placeholder = placeholder
        self.plain = ""  # the last chart without colours (what tests read)

    def redraw(self) -> None:
        width, height = self.content_size.width, self.content_size.height
        if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
            return  # not laid out yet, or too small to hold a chart
        chart = self.draw(width, height)
        if chart is None:
            self.plain = self.placeholder
            self.update(Text(self.placeholder, style="dim"))
            return
        text = Text.from_ansi(chart, no_wrap=True)
        self.plain = text.plain
        self.update(text)

    def on_resize(self, event: Resize) -> None:
        self.redraw()


class ChartsScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,g", "close", "Close")]

    def __init__(self, history: TradeHistory, symbol: str) -> None:
        super().__init__()
        self.history = history
        self.symbol = symbol

    def compose(self) -> ComposeResult:
        self.equity = Chart(self._equity, "no trade closed yet", id="equity-chart")
        self.price = Chart(self._price, f"waiting for {self.symbol} prices", id="price-chart")
        with Vertical(id="charts"):
            yield self.equity
            yield self.price
            yield Static("Esc closes · redrawn once a second", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#charts").border_title = f"charts · {self.symbol}"
        self.set_interval(REDRAW_S, self.redraw)

    def redraw(self) -> None:
        self.equity.redraw()
        self.price.redraw()

    def _equity(self, width: int, height: int) -> str | None:
        first, curve = self.history.equity_curve()
        if len(curve) < 2:
            return None
        closed = self.history.closed
        trades = "1 trade" if closed == 1 else f"{closed} trades"
        title = f"equity, {trades} closed (realised pnl, quote currency)"
        return equity_chart(
            curve, width, height, first=first, title=title, theme=THEME, fit_terminal=False
        )

    def _price(self, width: int, height: int) -> str | None:
        prices, entries, exits = self.history.price_series(self.symbol)
        title = f"{self.symbol} mid price · ▼ entry short · ▲ exit"
        return price_chart(
            title,
            prices,
            entries,
            exits,
            width,
            height,
            theme=THEME,
            fit_terminal=False,
            legend=False,
        )

    def action_close(self) -> None:
        self.dismiss(None)
