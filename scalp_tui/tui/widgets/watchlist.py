"""Every configured symbol at a glance; selecting one focuses it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from scalp_tui.engine.protocol import SymbolSnapshot
from scalp_tui.tui.fmt import fmt_bps, fmt_price, fmt_qty
from scalp_tui.tui.widgets.frame_style import FrameStyle
from scalp_tui.tui.widgets.table_cells import CellsByContent

COLUMNS = {"symbol": 9, "price": 10, "spread": 7, "imbal.": 6, "volume": 9, "signal": 12}
BLOCK_LABELS = {
    "kill_switch": "KILLED",
    "paused": "paused",
    "feed": "no feed",
    "symbol_busy": "busy",
    "max_positions": "max pos",
    "stale_book": "stale",
    "daily_loss": "loss limit",
    "divergence": "diverged",
}


def signal_cell(snap: SymbolSnapshot) -> Text:
    """READY, or how many conditions pass and, whatever they say, the gate that
    would hold an entry back."""
    signal = snap.signal
    if signal.signal and signal.blocked_by is None:
        return Text("READY", style="bold green")
    passed = sum(c.passed for c in signal.conditions)
    text = Text(f"{passed}/{len(signal.conditions)}", style="" if signal.signal else "dim")
    if signal.blocked_by is not None:
        label = BLOCK_LABELS.get(signal.blocked_by, signal.blocked_by)
        text.append(f" {label}", style="yellow")
    return text


class Watchlist(FrameStyle, CellsByContent, DataTable):
    def on_mount(self) -> None:
        self.cursor_type = "row"
        for column, width in COLUMNS.items():
            self.add_column(column, key=column, width=width)

    def show(self, symbols: tuple[SymbolSnapshot, ...], focused: str) -> None:
        for snap in symbols:
            price = snap.last_price or snap.mid
            imbalance = snap.imbalance
            cells = {
                "symbol": Text(
                    snap.symbol.split(":")[0], style="bold cyan" if snap.symbol == focused else ""
                ),
                "price": fmt_price(price, snap.tick_size),
                "spread": fmt_bps(snap.spread),
                "imbal.": Text(
                    "-" if imbalance is None else f"{imbalance:+.2f}",
                    style="red" if (imbalance or 0) < 0 else "green",
                ),
                "volume": fmt_qty(snap.last_closed_volume),
                "signal": signal_cell(snap),
            }
            if snap.symbol not in self.rows:
                self.add_row(*cells.values(), key=snap.symbol)
            else:
                for column, value in cells.items():
                    if self.get_cell(snap.symbol, column) != value:
                        self.update_cell(snap.symbol, column, value)
