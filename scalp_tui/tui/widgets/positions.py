"""Open shorts with live profit and a countdown to their timeout.

Columns are ranked by what a scalper needs first; the ones that do not fit the pane's
width are dropped from the right (the id, the symbol, the PnL and the countdown stay
from 80 columns up). Ids are never cut: the id column widens to the longest one.
"""

from __future__ import annotations

from rich.text import Text
from textual.events import Resize
from textual.widgets import DataTable

from scalp_tui.engine.protocol import PositionState, PositionView
from scalp_tui.tui.fmt import fmt_countdown, fmt_price, fmt_qty

# (name, width) in rank order; "PnL% mgn" is the profit ratio on margin, "to stop" and
# "to tgt" the price moves still needed to reach the stop and the target.
RANKED: tuple[tuple[str, int], ...] = (
    ("#", 3),
    ("symbol", 9),
    ("PnL% mgn", 8),
    ("PnL", 7),
    ("left", 5),
    ("to stop", 7),
    ("to tgt", 7),
    ("entry", 9),
    ("size", 7),
    ("close", 9),
    ("target", 9),
    ("stop", 9),
    ("broker", 6),
)
CELL_PADDING = 1  # DataTable's, each side of every column
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
    # the sign is in the text too, so a loss reads as one without colour
    if value is None:
        return Text(text, style="dim")
    return Text(text, style="green" if value >= 0 else "bold red")


def fitting_columns(width: int, id_width: int) -> list[tuple[str, int]]:
    """The ranked columns that fit `width` cells, highest rank first (at least id and
    symbol, whatever the width)."""
    columns: list[tuple[str, int]] = []
    used = 0
    for rank, (name, column_width) in enumerate(RANKED):
        column_width = id_width if name == "#" else column_width
        need = column_width + 2 * CELL_PADDING
        if rank >= 2 and used + need > width:
            break
        columns.append((name, column_width))
        used += need
    return columns


class PositionsTable(DataTable):
    """A fixed number of rows (one per allowed position): adding and removing rows
    would resize the table and force a screen-wide layout pass on every trade."""

    def __init__(self, rows: int = 3, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.slots = rows
        self.ids: list[int | None] = [None] * rows
        self.columns_shown: list[tuple[str, int]] = []
        self._id_width = RANKED[0][1]

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self._lay_out(self.size.width)

    def on_resize(self, event: Resize) -> None:
        self._lay_out(event.size.width)

    def _lay_out(self, width: int) -> None:
        # Only on a resize or a longer id: rebuilding the columns is a layout pass.
        columns = fitting_columns(max(1, width), self._id_width)
        if columns == self.columns_shown:
            return
        cursor = self.cursor_coordinate.row
        self.clear(columns=True)
        self.columns_shown = columns
        for name, column_width in columns:
            self.add_column(name, key=name, width=column_width)
        for row in range(self.slots):
            self.add_row(*[""] * len(columns), key=str(row))
        if 0 <= cursor < self.slots:
            self.move_cursor(row=cursor)

    def show(self, positions: tuple[PositionView, ...], ticks: dict[str, float], now: int) -> None:
        if len(positions) > self.slots:  # more than configured (restored, reconciled)
            for row in range(self.slots, len(positions)):
                self.add_row(*[""] * len(self.columns_shown), key=str(row))
            self.ids.extend([None] * (len(positions) - self.slots))
            self.slots = len(positions)
        id_width = max([RANKED[0][1]] + [len(str(p.id)) + 1 for p in positions])
        if id_width > self._id_width:
            self._id_width = id_width
            self._lay_out(self.size.width)
        for row in range(self.slots):
            p = positions[row] if row < len(positions) else None
            self.ids[row] = p.id if p else None
            cells = position_cells(p, ticks, now) if p else {}
            for column, _ in self.columns_shown:
                value = cells.get(column, "")
                if self.get_cell(str(row), column) != value:
                    self.update_cell(str(row), column, value)

    def selected_position_id(self) -> int | None:
        row = self.cursor_coordinate.row
        return self.ids[row] if 0 <= row < len(self.ids) else None


def _move(value: float | None) -> str:
    return "-" if value is None else f"{value:+.2%}"


def position_cells(p: PositionView, ticks: dict[str, float], now: int) -> dict[str, object]:
    tick = ticks.get(p.symbol, 0.01)
    close = p.close_price
    # a short: the stop is above, the target below the buy-back price
    to_stop = (p.stop_price - close) / close if close and p.stop_price else None
    to_target = (p.target_price - close) / close if close and p.target_price else None
    ratio = p.profit_ratio
    return {
        "#": f"#{p.id}",
        "symbol": p.symbol.split(":")[0],
        "PnL% mgn": _signed(ratio, "-" if ratio is None else f"{ratio:+.2%}"),
        "PnL": _signed(p.pnl, "-" if p.pnl is None else f"{p.pnl:+.2f}"),
        "left": countdown_cell(p, now),
        "to stop": Text(_move(to_stop), style="red" if to_stop is not None else "dim"),
        "to tgt": Text(_move(to_target), style="green" if to_target is not None else "dim"),
        "entry": fmt_price(p.entry_price or None, tick),
        "size": fmt_qty(p.qty),
        "close": fmt_price(close, tick),
        "target": fmt_price(p.target_price or None, tick),
        "stop": fmt_price(p.stop_price or None, tick),
        "broker": Text(p.broker.upper(), style="bold #d70000" if p.broker == "live" else "#5f87ff"),
    }
