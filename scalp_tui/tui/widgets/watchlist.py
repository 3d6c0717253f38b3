"""Every configured symbol at a glance; selecting one focuses it."""

from __future__ import annotations

from rich.text import Text
from textual.events import Resize

from scalp_tui.engine.protocol import SymbolSnapshot
from scalp_tui.tui.fmt import fmt_bps, fmt_price, fmt_qty
from scalp_tui.tui.widgets.line_table import LineTable, columns_by_rank

COLUMNS = {"symbol": 9, "price": 10, "spread": 7, "imbal.": 6, "volume": 9, "signal": 12}
# which columns stay when the pane is narrow (shown in COLUMNS' order)
RANK = ("symbol", "price", "signal", "imbal.", "spread", "volume")
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


def watchlist_columns(width: int) -> list[tuple[str, int]]:
    """The columns that fit `width` cells by rank, in their usual order (the symbol
    always)."""
    kept = dict(columns_by_rank([(name, COLUMNS[name]) for name in RANK], width, always=1))
    return [(name, w) for name, w in COLUMNS.items() if name in kept]


class Watchlist(LineTable):
    def on_mount(self) -> None:
        self.set_columns(watchlist_columns(self.size.width or 200))

    def on_resize(self, event: Resize) -> None:
        columns = watchlist_columns(event.size.width)
        if columns != self.columns:
            self.set_columns(columns)
        super().on_resize(event)

    def show(self, symbols: tuple[SymbolSnapshot, ...], focused: str) -> None:
        rows = []
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
            rows.append((snap.symbol, cells))
        self.set_rows(rows)
