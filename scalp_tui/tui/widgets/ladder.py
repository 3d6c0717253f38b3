"""The L2 ladder of the focused symbol, drawn with Textual's line API.

Never a DataTable, and not even a Rich Text: at 20 frames a second the rows are
built straight into segments (see `lines.py`), and only the rows that changed are
repainted.
"""

from __future__ import annotations

from rich.style import Style
from textual.geometry import Size

from scalp_tui.engine.protocol import OrderView, PositionView, Side, SymbolSnapshot
from scalp_tui.tui.fmt import fmt_bps, fmt_price, fmt_qty
from scalp_tui.tui.widgets.lines import Line, LinesWidget

BAR_CHARS = " ▏▎▍▌▋▊▉█"
PRICE_W, QTY_W = 12, 9

S = {
    name: Style.parse(spec)
    for name, spec in {
        "head": "bold dim",
        "ask": "bold #ff5f87",
        # bars chosen to stay red and green when a 16-colour terminal maps them down
        "ask_bar": "#af0000",
        "bid": "bold #87d700",
        "bid_bar": "#008700",
        "plain": "",
        "spread": "bold #ffaf00",
        "mark": "bold reverse #ffd75f",
        "dim": "dim",
        "stale": "bold #ffffff on #af0000",
        "red": "#ff5f87",
        "green": "#87d700",
        "bold": "bold",
        "marker_red": "bold #ff0000",
        "marker_green": "bold #5fff00",
    }.items()
}


def depth_bar(fraction: float, width: int) -> str:
    """A left-aligned bar `fraction` of `width` cells long, with eighth-cell precision."""
    eighths = max(0, min(width * 8, round(fraction * width * 8)))
    full, part = divmod(eighths, 8)
    return ("█" * full + (BAR_CHARS[part] if part else "")).ljust(width)


def imbalance_gauge(imbalance: float | None, room: int) -> Line:
    """ask-heavy ──●━━┼── bid-heavy: the marker at the imbalance on [-1, +1], in `room`
    cells (shorter labels when the pane is narrow, so the value is never cut)."""
    if imbalance is None:
        return [("imbalance -", S["dim"])]
    left, right = ("ask-heavy ", " bid-heavy") if room >= 50 else ("ask ", " bid")
    value = f"  {imbalance:+.3f}"
    width = max(5, min(room - 12, room - len(left) - len(right) - len(value)))
    middle = width // 2
    pos = max(0, min(width - 1, round((imbalance + 1) / 2 * (width - 1))))
    lo, hi = sorted((pos, middle))
    marker = S["marker_red"] if imbalance < 0 else S["marker_green"]
    fill = S["red"] if imbalance < 0 else S["green"]
    line: Line = [(left, S["red"])]
    for i in range(width):
        if i == pos:
            cell = ("●", marker)
        elif lo < i < hi:
            cell = ("━", fill)
        else:
            cell = ("┼" if i == middle else "─", S["dim"])
        if line[-1][1] is cell[1]:  # merge runs of one style into one segment
            line[-1] = (line[-1][0] + cell[0], cell[1])
        else:
            line.append(cell)
    line.append((right, S["green"]))
    line.append((value, S["bold"]))
    return line


class Ladder(LinesWidget, can_focus=True):
    """Asks above, bids below, with sizes, cumulative sizes and depth bars."""

    DEFAULT_CSS = "Ladder { height: 1fr; }"

    def __init__(self, levels: int = 10, stale_after_ms: int = 3000, **kwargs: object) -> None:
        super().__init__([("waiting for the order book…", S["dim"])], **kwargs)
        self.levels = levels
        self.stale_after_ms = stale_after_ms
        self.stale = False
        self._source: tuple[object, ...] | None = None
        self._built: list[Line] = []

    def show(
        self,
        symbol: SymbolSnapshot | None,
        orders: tuple[OrderView, ...],
        positions: tuple[PositionView, ...],
    ) -> None:
        mine = tuple(o for o in orders if symbol and o.symbol == symbol.symbol)
        held = tuple(p for p in positions if symbol and p.symbol == symbol.symbol)
        age = symbol.book_age_ms if symbol else None
        # a frozen book must not look like a live one: dimmed, and said on top
        self.stale = age is not None and age > self.stale_after_ms
        # what the rows are built from: the same as last tick (a quiet book), the same rows
        source = _source(symbol, mine, held, self.size)
        if source != self._source:
            self._source, self._built = source, self._build(symbol, mine, held, self.size)
        lines = self._built
        if self.stale:  # on top of the kept rows, never into them
            lines = [[(f" STALE: no update for {age / 1000:.1f} s ", S["stale"])], *lines]
        self.set_class(self.stale, "-stale")
        self.set_lines(lines, dimmed=self.stale)

    # -- building ---------------------------------------------------------------

    def _build(
        self,
        snap: SymbolSnapshot | None,
        orders: tuple[OrderView, ...],
        positions: tuple[PositionView, ...],
        size: Size,
    ) -> list[Line]:
        if snap is None or snap.best_bid is None or snap.best_ask is None:
            return [[("waiting for the order book…", S["dim"])]]
        width = size.width
        # under 44 cells the cumulative size gives way to the bar
        cum_w = QTY_W if width >= 44 else 0
        extra = len(positions)
        rows = max(3, min(self.levels, (size.height - 3 - extra) // 2))
        tick = snap.tick_size
        asks, bids = snap.asks[:rows], snap.bids[:rows]
        bar_w = max(4, width - PRICE_W - QTY_W - 1 - (cum_w + 1 if cum_w else 0) - 2)
        biggest = max([q for _, q in asks] + [q for _, q in bids] + [1e-12])
        marks = _marks(orders, positions, tick)
        if cum_w:  # narrow: no room for them; the line under the gauge has the prices
            _mark_beyond(marks, positions, asks, bids, tick)
        lines: list[Line] = [
            [
                (
                    f"{'price':>{PRICE_W}} {'size':>{QTY_W}}"
                    + (f" {'cum':>{cum_w}}" if cum_w else "")
                    + "  depth",
                    S["head"],
                )
            ]
        ]
        cum = 0.0
        ask_rows = []
        for price, qty in asks:
            cum += qty
            ask_rows.append(_row(price, qty, cum, cum_w, biggest, bar_w, tick, "ask", marks))
        lines.extend(reversed(ask_rows))
        spread_ticks = round((snap.best_ask - snap.best_bid) / tick)
        ticks = f"{spread_ticks} tick" + ("s" if spread_ticks != 1 else "")
        mid = f"mid {fmt_price(snap.mid, tick / 2)}"
        if cum_w:
            spread_line = f"{'spread ' + ticks:>{PRICE_W}} {fmt_bps(snap.spread):>{QTY_W}}  {mid}"
        else:  # narrow: the same figures without the padding, so the mid is not cut
            spread_line = f"{ticks:>{PRICE_W - 5}} {fmt_bps(snap.spread)}  {mid}"
        lines.append([(spread_line, S["spread"])])
        cum = 0.0
        for price, qty in bids:
            cum += qty
            lines.append(_row(price, qty, cum, cum_w, biggest, bar_w, tick, "bid", marks))
        lines.append(imbalance_gauge(snap.imbalance, width))
        for p in positions:
            if p.entry_price:
                line: Line = [(f"#{p.id} ", S["bold"])]
                if cum_w:  # narrow: the entry is marked on its level already
                    line.append((f"entry {fmt_price(p.entry_price, tick)}  ", S["plain"]))
                target = fmt_price(p.target_price, tick) + ("*" if p.target_moved else "")
                stop = fmt_price(p.stop_price, tick) + ("*" if p.stop_moved else "")
                line.append((f"tgt {target}  ", S["green"]))
                line.append((f"stop {stop}", S["red"]))
                lines.append(line)
        return lines


def _source(
    snap: SymbolSnapshot | None,
    orders: tuple[OrderView, ...],
    positions: tuple[PositionView, ...],
    size: Size,
) -> tuple[object, ...]:
    """Everything the ladder's rows show, to compare with the last tick's."""
    if snap is None:
        return ("no book", size)
    return (
        snap.symbol,
        snap.bids,
        snap.asks,
        snap.mid,
        snap.spread,
        snap.imbalance,
        snap.tick_size,
        tuple((o.price, o.side, o.qty, o.filled) for o in orders),
        tuple(
            (p.id, p.entry_price, p.target_price, p.stop_price, p.target_moved, p.stop_moved)
            for p in positions
        ),
        size,
    )


def _marks(
    orders: tuple[OrderView, ...], positions: tuple[PositionView, ...], tick: float
) -> dict[str, str]:
    """Labels for our resting orders and entry prices, keyed by the level's price text."""
    marks: dict[str, list[str]] = {}
    for order in orders:
        if order.price is not None:
            side = "buy" if order.side is Side.BUY else "sell"
            marks.setdefault(fmt_price(order.price, tick), []).append(
                f"◀ my {side} {fmt_qty(order.qty - order.filled)}"
            )
    for position in positions:
        for price, label in (
            (position.entry_price, "entry"),
            (position.target_price, "tgt"),
            (position.stop_price, "stop"),
        ):
            if price:
                key = fmt_price(round(price / tick) * tick, tick)
                marks.setdefault(key, []).append(f"◀ {label} #{position.id}")
    return {key: " ".join(labels) for key, labels in marks.items()}


def _mark_beyond(
    marks: dict[str, str],
    positions: tuple[PositionView, ...],
    asks: tuple[tuple[float, float], ...],
    bids: tuple[tuple[float, float], ...],
    tick: float,
) -> None:
    """A target or stop beyond the levels shown is marked on the edge row it lies
    beyond, with how many ticks further it is (a short's stop above the top ask, its
    target under the bottom bid): `↑stop +875t`."""
    if not asks or not bids:
        return
    top, bottom = asks[-1][0], bids[-1][0]
    for p in positions:
        for price, label, edge, beyond in (
            (p.stop_price, "stop", top, p.stop_price > top + tick / 2),
            (p.target_price, "tgt", bottom, 0.0 < p.target_price < bottom - tick / 2),
        ):
            if price and beyond:
                key = fmt_price(edge, tick)
                arrow = "↑" if price > edge else "↓"
                # no id: one position per symbol, and the bar's room is short
                note = f"{arrow}{label} {round((price - edge) / tick):+d}t"
                marks[key] = f"{marks[key]} {note}" if key in marks else note


def _row(
    price: float,
    qty: float,
    cum: float,
    cum_w: int,
    biggest: float,
    bar_w: int,
    tick: float,
    side: str,
    marks: dict[str, str],
) -> Line:
    key = fmt_price(price, tick)
    note = marks.get(key, "")
    line: Line = [
        (f"{key:>{PRICE_W}}", S[side]),
        (
            f" {fmt_qty(qty):>{QTY_W}}" + (f" {fmt_qty(cum):>{cum_w}}" if cum_w else "") + "  ",
            S["plain"],
        ),
    ]
    if note:  # the mark takes the bar's place at the right, never wraps the row
        room = bar_w - len(note) - 1
        if room > 0:  # where it is tight the bar gives way, not the mark
            line.append((depth_bar(qty / biggest, room), S[f"{side}_bar"]))
        line.append((" " + note, S["mark"]))
    else:
        line.append((depth_bar(qty / biggest, bar_w), S[f"{side}_bar"]))
    return line
