"""Open shorts with live profit and a countdown to their timeout.

Columns are ranked by what a scalper needs first; the ones that do not fit the pane's
width are dropped from the right (the id, the symbol, the PnL and the countdown stay
from 80 columns up). Ids are never cut: the id column widens to the longest one.
"""

from __future__ import annotations

from rich.text import Text
from textual.events import Resize

from scalp_tui.engine.position_figures import Distance, position_figures
from scalp_tui.engine.protocol import PositionState, PositionView
from scalp_tui.tui.fmt import fmt_countdown, fmt_price, fmt_qty
from scalp_tui.tui.widgets.line_table import LineTable, columns_by_rank

# (name, width) in rank order; "PnL% mgn" is the profit ratio on margin, "to stop" and
# "to tgt" the price moves still needed to reach the stop and the target, in ticks
# (the detail line under the table has them in price and %), "rev" the reversal
# exit's windowed imbalance (✓ when that exit would fire now), "liq~" the
# liquidation estimate, "fees" what the entry and exit fills paid so far.
RANKED: tuple[tuple[str, int], ...] = (
    ("#", 3),
    ("symbol", 9),
    ("PnL% mgn", 8),
    ("PnL", 7),
    ("left", 5),
    ("to stop", 7),
    ("to tgt", 7),
    ("stop", 9),
    ("target", 9),
    ("rev", 6),
    ("notional", 8),
    ("liq~", 9),
    ("fees", 6),
    ("entry", 9),
    ("size", 7),
    ("close", 9),
    ("broker", 6),
)
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
    ranked = [(name, id_width if name == "#" else w) for name, w in RANKED]
    return columns_by_rank(ranked, width, always=2)


class PositionsTable(LineTable):
    """A fixed number of rows (one per allowed position), so the pane keeps its
    height as positions open and close. `detail` is the selected position in words,
    for the line in the pane's border."""

    def __init__(self, rows: int = 3, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.slots = rows
        self.ids: list[int | None] = [None] * rows
        self._id_width = RANKED[0][1]
        self.detail = ""
        self._positions: tuple[PositionView, ...] = ()
        self._ticks: dict[str, float] = {}

    def on_mount(self) -> None:
        self.set_rows([(f"empty {row}", {}) for row in range(self.slots)])
        self._lay_out(self.size.width)

    def on_resize(self, event: Resize) -> None:
        self._lay_out(event.size.width)
        super().on_resize(event)

    def _lay_out(self, width: int) -> None:
        columns = fitting_columns(max(1, width), self._id_width)
        if columns != self.columns:
            self.set_columns(columns)

    def show(self, positions: tuple[PositionView, ...], ticks: dict[str, float], now: int) -> None:
        self._positions, self._ticks = positions, ticks
        self.slots = max(self.slots, len(positions))  # more than configured: restored
        self.ids = [p.id for p in positions] + [None] * (self.slots - len(positions))
        id_width = max([RANKED[0][1]] + [len(str(p.id)) + 1 for p in positions])
        if id_width > self._id_width:
            self._id_width = id_width
            self._lay_out(self.size.width)
        # rows keyed by position id: the cursor (and the keys acting on the selected
        # position) stays on its position when one above it closes
        self.set_rows(
            [
                (f"#{positions[row].id}", position_cells(positions[row], ticks, now))
                if row < len(positions)
                else (f"empty {row}", {})
                for row in range(self.slots)
            ]
        )
        self._describe_selection()

    def move_cursor(self, row: int) -> None:
        super().move_cursor(row)
        self._describe_selection()

    def _describe_selection(self) -> None:
        positions, selected = self._positions, self.cursor_row
        chosen = positions[selected] if 0 <= selected < len(positions) else None
        tick = self._ticks.get(chosen.symbol, 0.01) if chosen else 0.01
        self.detail = detail_line(chosen, tick, max(10, self.size.width - 4))

    def selected_position_id(self) -> int | None:
        row = self.cursor_row
        return self.ids[row] if 0 <= row < len(self.ids) else None


def _ticks(distance: Distance | None, style: str) -> Text:
    if distance is None:
        return Text("-", style="dim")
    return Text(f"{distance.ticks:+.0f}t", style=style)


def _level(price: float, moved: bool, tick: float) -> Text:
    # a price the trader moved is marked, so nobody mistakes it for the rule's
    text = fmt_price(price or None, tick)
    return Text(text + ("*" if moved else ""), style="bold" if moved else "")


def position_cells(p: PositionView, ticks: dict[str, float], now: int) -> dict[str, object]:
    tick = ticks.get(p.symbol, 0.01)
    figures = position_figures(p, tick)
    ratio = p.profit_ratio
    rev = p.reversal_imbalance
    return {
        "#": f"#{p.id}",
        "symbol": p.symbol.split(":")[0],
        "PnL% mgn": _signed(ratio, "-" if ratio is None else f"{ratio:+.2%}"),
        "PnL": _signed(p.pnl, "-" if p.pnl is None else f"{p.pnl:+.2f}"),
        "left": countdown_cell(p, now),
        "to stop": _ticks(figures.to_stop, "red"),
        "to tgt": _ticks(figures.to_target, "green"),
        "stop": _level(p.stop_price, p.stop_moved, tick),
        "target": _level(p.target_price, p.target_moved, tick),
        "rev": Text(
            ("✓" if figures.reversal_armed else "✗") + ("  -  " if rev is None else f"{rev:+.2f}"),
            style="bold red" if figures.reversal_armed else "",
        ),
        "notional": fmt_qty(figures.notional),
        "liq~": fmt_price(p.liquidation_price, tick),
        "fees": f"{p.fees + p.funding_fees:.2f}",
        "entry": fmt_price(p.entry_price or None, tick),
        "size": fmt_qty(p.qty),
        "close": fmt_price(p.close_price, tick),
        "broker": Text(p.broker.upper(), style="bold #d70000" if p.broker == "live" else "#5f87ff"),
    }


def _distance_text(name: str, distance: Distance | None, tick: float) -> str:
    if distance is None:
        return f"{name} -"
    price = fmt_price(abs(distance.price), tick)
    sign = "+" if distance.price >= 0 else "-"
    return f"{name} {sign}{price} {distance.ticks:+.0f}t {distance.ratio:+.2%}"


def detail_parts(p: PositionView, tick: float) -> list[str]:
    """The selected position in words, most needed first: a line under the table
    holds what its columns cannot (it is cut from the right where it does not fit)."""
    figures = position_figures(p, tick)
    stop = f"{fmt_price(p.stop_price or None, tick)}{'*' if p.stop_moved else ''}"
    target = f"{fmt_price(p.target_price or None, tick)}{'*' if p.target_moved else ''}"
    rate = f"mmr {p.maintenance_margin_rate:.2%}" + ("" if p.maintenance_margin_known else " est.")
    venue = "" if p.exchange_stop_price is None else f" (venue {p.exchange_stop_price:g})"
    return [
        f"#{p.id}",
        f"stop {stop}{venue}",
        _distance_text("↑", figures.to_stop, tick),
        f"tgt {target}",
        _distance_text("↓", figures.to_target, tick),
        f"rev {figures.reversal_text}",
        f"notional {fmt_qty(figures.notional)}",
        f"liq~ {fmt_price(p.liquidation_price, tick)} ({p.leverage:g}x isolated, {rate})",
        f"fees {p.fees:.4f}" + (f" funding {p.funding_fees:+.4f}" if p.funding_fees else ""),
    ]


def detail_line(p: PositionView | None, tick: float, width: int) -> str:
    if p is None:
        return "+/- target · >/< stop (selected position)"
    line = ""
    for part in detail_parts(p, tick):
        candidate = f"{line} · {part}" if line else part
        if len(candidate) > width:
            break
        line = candidate
    return line
