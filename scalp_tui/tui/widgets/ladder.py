"""The L2 ladder of the focused symbol: one Rich Text per frame, never a DataTable."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from scalp_tui.engine.protocol import OrderView, PositionView, Side, SymbolSnapshot
from scalp_tui.tui.fmt import fmt_bps, fmt_price, fmt_qty

BAR_CHARS = " ▏▎▍▌▋▊▉█"


def depth_bar(fraction: float, width: int) -> str:
    """A left-aligned bar `fraction` of `width` cells long, with eighth-cell precision."""
    eighths = max(0, min(width * 8, round(fraction * width * 8)))
    full, part = divmod(eighths, 8)
    return ("█" * full + (BAR_CHARS[part] if part else "")).ljust(width)


def imbalance_gauge(imbalance: float | None, width: int) -> Text:
    """[-1 .. 0 .. +1] with the marker at the imbalance; red when ask-heavy."""
    text = Text()
    if imbalance is None:
        return text.append("imbalance -", style="dim")
    cells = ["─"] * width
    middle = width // 2
    cells[middle] = "┼"
    pos = round((imbalance + 1) / 2 * (width - 1))
    text.append("ask-heavy ", style="red")
    for i, ch in enumerate(cells):
        if i == pos:
            text.append("●", style="bold red" if imbalance < 0 else "bold green")
        elif min(pos, middle) < i < max(pos, middle):
            text.append("━", style="red" if imbalance < 0 else "green")
        else:
            text.append(ch, style="dim")
    text.append(" bid-heavy", style="green")
    text.append(f"  {imbalance:+.3f}", style="bold")
    return text


class Ladder(Widget):
    """Asks above, bids below, with sizes, cumulative sizes and depth bars."""

    DEFAULT_CSS = "Ladder { height: 1fr; }"

    def __init__(self, levels: int = 10, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.levels = levels
        self.symbol: SymbolSnapshot | None = None
        self.orders: tuple[OrderView, ...] = ()
        self.positions: tuple[PositionView, ...] = ()
        self.imbalance_threshold = 0.3

    def show(
        self,
        symbol: SymbolSnapshot | None,
        orders: tuple[OrderView, ...],
        positions: tuple[PositionView, ...],
    ) -> None:
        self.symbol = symbol
        self.orders = tuple(o for o in orders if symbol and o.symbol == symbol.symbol)
        self.positions = tuple(p for p in positions if symbol and p.symbol == symbol.symbol)
        self.refresh()

    def render(self) -> Text:
        snap = self.symbol
        if snap is None or snap.best_bid is None or snap.best_ask is None:
            return Text("waiting for the order book…", style="dim")
        width = max(40, self.size.width)
        rows = max(3, min(self.levels, (self.size.height - 4) // 2))
        tick = snap.tick_size
        asks = snap.asks[:rows]
        bids = snap.bids[:rows]
        bar_w = max(6, width - 34)
        biggest = max([q for _, q in asks] + [q for _, q in bids] + [1e-12])
        marks = self._marks(tick)
        out = Text(no_wrap=True, overflow="crop")
        out.append(f"{'price':>12} {'size':>9} {'cum':>9}  depth\n", style="bold dim")
        cum_asks = []
        total = 0.0
        for _, q in asks:
            total += q
            cum_asks.append(total)
        for (price, qty), cum in reversed(list(zip(asks, cum_asks, strict=True))):
            self._row(out, price, qty, cum, biggest, bar_w, tick, "red", marks)
        spread_ticks = round((snap.best_ask - snap.best_bid) / tick)
        out.append(
            f"{'spread ' + str(spread_ticks) + ' tick' + ('s' if spread_ticks != 1 else ''):>12}"
            f" {fmt_bps(snap.spread):>9}  mid {fmt_price(snap.mid, tick / 2)}\n",
            style="bold yellow",
        )
        total = 0.0
        for price, qty in bids:
            total += qty
            self._row(out, price, qty, total, biggest, bar_w, tick, "green", marks)
        out.append_text(imbalance_gauge(snap.imbalance, max(11, width - 40)))
        self._entries(out, tick)
        return out

    def _entries(self, out: Text, tick: float) -> None:
        for p in self.positions:
            if p.entry_price:
                out.append(f"\n#{p.id} ", style="bold")
                out.append(f"entry {fmt_price(p.entry_price, tick)}  ")
                out.append(f"tgt {fmt_price(p.target_price, tick)}  ", style="green")
                out.append(f"stop {fmt_price(p.stop_price, tick)}", style="red")

    def _marks(self, tick: float) -> dict[str, list[str]]:
        marks: dict[str, list[str]] = {}
        for order in self.orders:
            if order.price is not None:
                side = "buy" if order.side is Side.BUY else "sell"
                marks.setdefault(fmt_price(order.price, tick), []).append(
                    f"◀ my {side} {fmt_qty(order.qty - order.filled)}"
                )
        for position in self.positions:
            if position.entry_price:
                key = fmt_price(round(position.entry_price / tick) * tick, tick)
                marks.setdefault(key, []).append(f"◀ entry #{position.id}")
        return marks

    @staticmethod
    def _row(
        out: Text,
        price: float,
        qty: float,
        cum: float,
        biggest: float,
        bar_w: int,
        tick: float,
        colour: str,
        marks: dict[str, list[str]],
    ) -> None:
        key = fmt_price(price, tick)
        note = " ".join(marks.get(key, ()))
        out.append(f"{key:>12}", style=f"bold {colour}")
        out.append(f" {fmt_qty(qty):>9} {fmt_qty(cum):>9}  ")
        if note:  # the mark takes the bar's place at the right, never wraps the row
            width = max(1, bar_w - len(note) - 1)
            out.append(depth_bar(qty / biggest, width), style=colour)
            out.append(" " + note, style="bold reverse yellow")
        else:
            out.append(depth_bar(qty / biggest, bar_w), style=colour)
        out.append("\n")
