"""Per-symbol L2 order book and the measures the entry rule reads from it."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable

from scalp_tui.engine.protocol import Level


class BookSide:
    """One side of the book: quantities by price, and the prices in a sorted list.

    Keys are prices for bids and negated prices for asks, so both sides sort
    ascending with the best level *last*: the levels that change most sit near the
    touch, and inserting or deleting there moves few list entries (a recorded USD-M
    book holds thousands of levels a side). A level whose quantity changes (most of
    a diff) is one dict store, with no search of the list.
    """

    __slots__ = ("_keys", "_qty", "_sign")

    def __init__(self, is_bid: bool) -> None:
        self._sign = 1.0 if is_bid else -1.0
        self._keys: list[float] = []  # price * sign, ascending: best last
        self._qty: dict[float, float] = {}  # price -> quantity, every level held

    def clear(self) -> None:
        self._keys.clear()
        self._qty.clear()

    def set(self, price: float, qty: float) -> None:
        self.update(((price, qty),))

    def update(self, levels: Iterable[Level]) -> None:
        """`set` for many levels (the hot path of every book update)."""
        keys, book, sign = self._keys, self._qty, self._sign
        for price, qty in levels:
            if qty > 0.0:
                if price not in book:
                    insort(keys, price * sign)
                book[price] = qty
            elif price in book:
                del book[price]
                del keys[bisect_left(keys, price * sign)]

    def replace(self, levels: Iterable[Level]) -> None:
        self.clear()
        self.update(levels)

    def best(self) -> float | None:
        keys = self._keys
        return keys[-1] * self._sign if keys else None

    def depth_qty(self, levels: int) -> float:
        if levels <= 0:
            return 0
        book, sign = self._qty, self._sign
        # best first, as the levels are: the same sum, added in the same order
        return sum([book[k * sign] for k in self._keys[: -levels - 1 : -1]])

    def levels(self, count: int) -> tuple[Level, ...]:
        if count <= 0:
            return ()
        book, sign = self._qty, self._sign
        prices = [k * sign for k in self._keys[: -count - 1 : -1]]
        return tuple([(price, book[price]) for price in prices])

    def walk(self, qty: float) -> tuple[float, float, float]:
        """Take `qty` from this side best-first.

        Returns (filled quantity, average price, price of the last level touched);
        filled is below `qty` when the visible depth runs out.
        """
        remaining = qty
        cost = 0.0
        last = 0.0
        book, sign = self._qty, self._sign
        for key in reversed(self._keys):
            last = key * sign
            level_qty = book[last]
            take = level_qty if level_qty < remaining else remaining
            cost += take * last
            remaining -= take
            if remaining <= 1e-12:
                remaining = 0.0
                break
        filled = qty - remaining
        return filled, (cost / filled if filled > 0.0 else 0.0), last

    def raw(self) -> tuple[list[float], list[float]]:
        """Keys (negated prices for bids, prices for asks) and quantities, best first,
        for brokers that walk levels themselves."""
        book, sign = self._qty, self._sign
        keys = self._keys[::-1]
        return [-k for k in keys], [book[k * sign] for k in keys]

    def __len__(self) -> int:
        return len(self._keys)


class OrderBook:
    """An L2 book with spread, mid, imbalance and the time of its last update."""

    __slots__ = ("asks", "bids", "depth", "symbol", "updated_ms")

    def __init__(self, symbol: str, depth: int = 10) -> None:
        self.symbol = symbol
        self.depth = depth
        self.bids = BookSide(is_bid=True)
        self.asks = BookSide(is_bid=False)
        self.updated_ms: int | None = None

    def apply(
        self, bids: Iterable[Level], asks: Iterable[Level], ts_ms: int, snapshot: bool
    ) -> None:
        if snapshot:
            self.bids.replace(bids)
            self.asks.replace(asks)
        else:
            self.bids.update(bids)
            self.asks.update(asks)
        self.updated_ms = ts_ms

    @property
    def best_bid(self) -> float | None:
        return self.bids.best()

    @property
    def best_ask(self) -> float | None:
        return self.asks.best()

    @property
    def mid(self) -> float | None:
        bid, ask = self.bids.best(), self.asks.best()
        if bid is None or ask is None:
            return None
        return (bid + ask) / 2.0

    @property
    def spread(self) -> float | None:
        """(best_ask - best_bid) / mid."""
        bid, ask = self.bids.best(), self.asks.best()
        if bid is None or ask is None:
            return None
        return (ask - bid) / ((ask + bid) / 2.0)

    @property
    def imbalance(self) -> float | None:
        """(B - A) / (B + A) over the top `depth` levels; negative is ask-heavy."""
        b = self.bids.depth_qty(self.depth)
        a = self.asks.depth_qty(self.depth)
        total = b + a
        if total <= 0.0 or not len(self.bids) or not len(self.asks):
            return None
        return (b - a) / total

    def age_ms(self, now_ms: int) -> int | None:
        return None if self.updated_ms is None else max(0, now_ms - self.updated_ms)

    def is_valid(self) -> bool:
        bid, ask = self.bids.best(), self.asks.best()
        return bid is not None and ask is not None and bid < ask
