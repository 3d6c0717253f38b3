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
    "broker": 5,
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
    def on_mount(self) -> None:
        self.cursor_type = "row"
        for column, width in COLUMNS.items():
            self.add_column(column, key=column, width=width)

    def show(self, positions: tuple[PositionView, ...], ticks: dict[str, float], now: int) -> None:
        live = set()
        for p in positions:
            key = str(p.id)
            live.add(key)
            tick = ticks.get(p.symbol, 0.01)
            cells = {
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
                "broker": Text(
                    p.broker.upper(), style="bold #d70000" if p.broker == "live" else "#5f87ff"
                ),
            }
            if key not in self.rows:
                self.add_row(*cells.values(), key=key)
            else:
                for column, value in cells.items():
                    self.update_cell(key, column, value)
        for key in [k.value for k in self.rows if k.value not in live]:
            self.remove_row(key)

    def selected_position_id(self) -> int | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return int(row_key.value) if row_key.value is not None else None
