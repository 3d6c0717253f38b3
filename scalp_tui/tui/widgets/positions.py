"""Open shorts with live profit and a countdown to their timeout."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from scalp_tui.engine.protocol import PositionState, PositionView
from scalp_tui.tui.fmt import fmt_countdown, fmt_price, fmt_qty, fmt_ratio

# name -> width; the state shows in "left" while a position opens or closes
COLUMNS = {
    "#": 3,
    "symbol": 9,
    "qty": 6,
    "entry": 8,
    "close": 8,
    "ratio": 7,
    "pnl": 6,
    "target": 8,
    "stop": 8,
    "left": 5,
    "broker": 7,
}
AMBER_MS = 3 * 60_000
RED_MS = 60_000


def countdown_cell(position: PositionView, now_ms: int) -> Text:
    if position.state is PositionState.OPENING:
        return Text("open…", style="dim")
    if position.state is PositionState.CLOSING:
        return Text("exit…", style="bold yellow")
    if position.timeout_ms is None:
        return Text("--:--", style="dim")
    left = position.timeout_ms - now_ms
    style = "bold red" if left < RED_MS else "bold yellow" if left < AMBER_MS else "green"
    return Text(fmt_countdown(left), style=style)


def _signed(value: float | None, text: str) -> Text:
    if value is None:
        return Text(text, style="dim")
    return Text(text, style="green" if value >= 0 else "red")


class PositionsTable(DataTable):
    """A fixed number of rows (one per allowed position): adding and removing rows
    would resize the table and force a screen-wide layout pass on every trade."""

    def __init__(self, rows: int = 3, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.slots = rows
        self.ids: list[int | None] = [None] * rows

    def on_mount(self) -> None:
        self.cursor_type = "row"
        for column, width in COLUMNS.items():
            self.add_column(column, key=column, width=width)
        for row in range(self.slots):
            self.add_row(*[""] * len(COLUMNS), key=str(row))

    def show(self, positions: tuple[PositionView, ...], ticks: dict[str, float], now: int) -> None:
        if len(positions) > self.slots:  # more than configured (restored, reconciled)
            for row in range(self.slots, len(positions)):
                self.add_row(*[""] * len(COLUMNS), key=str(row))
            self.ids.extend([None] * (len(positions) - self.slots))
            self.slots = len(positions)
        for row in range(self.slots):
            p = positions[row] if row < len(positions) else None
            self.ids[row] = p.id if p else None
            cells = _cells(p, ticks, now) if p else dict.fromkeys(COLUMNS, "")
            for column, value in cells.items():
                if self.get_cell(str(row), column) != value:
                    self.update_cell(str(row), column, value)

    def selected_position_id(self) -> int | None:
        row = self.cursor_coordinate.row
        return self.ids[row] if 0 <= row < len(self.ids) else None


def _cells(p: PositionView, ticks: dict[str, float], now: int) -> dict[str, object]:
    tick = ticks.get(p.symbol, 0.01)
    return {
        "#": str(p.id),
        "symbol": p.symbol.split(":")[0],
        "qty": fmt_qty(p.qty),
        "entry": fmt_price(p.entry_price or None, tick),
        "close": fmt_price(p.close_price, tick),
        "ratio": _signed(p.profit_ratio, fmt_ratio(p.profit_ratio)),
        "pnl": _signed(p.pnl, "-" if p.pnl is None else f"{p.pnl:+.3f}"),
        "target": fmt_price(p.target_price or None, tick),
        "stop": fmt_price(p.stop_price or None, tick),
        "left": countdown_cell(p, now),
        "broker": Text(p.broker.upper(), style="bold #d70000" if p.broker == "live" else "#5f87ff"),
    }
