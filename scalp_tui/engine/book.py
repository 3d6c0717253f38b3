"""Per-symbol L2 order book and the measures the entry rule reads from it."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable
from heapq import nlargest
from operator import neg

from scalp_tui.engine.protocol import FlatLevels, Level

SORTED_LEVELS = 128  # levels a side kept in price order; the rest only by price
_WHOLE = float("-inf")  # the floor when every level is in price order


class BookSide:
    """One side of the book: quantities by price, and the best prices in a sorted list.

    Keys are prices for bids and negated prices for asks, so both sides sort
    ascending with the best level *last*: the levels that change most sit near the
    touch, and inserting or deleting there moves few list entries. A level whose
    quantity changes (most of a diff) is one dict store, with no search of the list.

    Only the levels near the touch are kept in order: every level whose key is at or
    above `_floor` is in the list, and no other (the floor is -inf while all are).
    A recorded USD-M book holds ~5,000 levels a side and its diffs add and remove
    levels all through it; the rules read the top 10 and exits walk a few more, so
    levels far from the touch go only into the dict. When the list grows past twice
    SORTED_LEVELS its worst half is let go (it stays in the dict); when a read needs
    more levels than the list holds, the list is rebuilt from the dict.
    """

    __slots__ = ("_floor", "_keys", "_qty", "_sign")

    def __init__(self, is_bid: bool) -> None:
        self._sign = 1.0 if is_bid else -1.0
        self._keys: list[float] = []  # price * sign, ascending: best last
        self._qty: dict[float, float] = {}  # price -> quantity, every level held
        self._floor = _WHOLE  # the lowest key the list is complete from

    def clear(self) -> None:
        self._keys.clear()
        self._qty.clear()
        self._floor = _WHOLE

    def set(self, price: float, qty: float) -> None:
        self.update(((price, qty),))

    def update(self, levels: Iterable[Level]) -> None:
        """`set` for many levels (the hot path of every book update)."""
        keys, book, floor = self._keys, self._qty, self._floor
        if type(levels) is FlatLevels:  # a recorded diff: its pairs without a method call
            numbers = iter(levels.flat)
            levels = zip(numbers, numbers, strict=False)
        if floor == _WHOLE:
            self._update_all(levels)
        elif self._sign > 0.0:
            # Bids: a level is in the list when its price is at or above the floor.
            # Most of a recorded diff lies below it, where a change is one dict store
            # or pop, with no test of whether the price was there before.
            pop = book.pop
            for price, qty in levels:
                if price >= floor:
                    if qty > 0.0:
                        if price not in book:
                            insort(keys, price)
                        book[price] = qty
                    elif price in book:
                        del book[price]
                        del keys[bisect_left(keys, price)]
                elif qty > 0.0:
                    book[price] = qty
                else:
                    pop(price, None)
        else:
            # asks: keys are negated prices, so `-price >= floor` reads `price <= -floor`
            pop, limit = book.pop, -floor
            for price, qty in levels:
                if price <= limit:
                    if qty > 0.0:
                        if price not in book:
                            insort(keys, -price)
                        book[price] = qty
                    elif price in book:
                        del book[price]
                        del keys[bisect_left(keys, -price)]
                elif qty > 0.0:
                    book[price] = qty
                else:
                    pop(price, None)
        if len(keys) > 2 * SORTED_LEVELS:
            cut = len(keys) - SORTED_LEVELS
            del keys[:cut]
            self._floor = keys[0]

    def _update_all(self, levels: Iterable[Level]) -> None:
        """`update` while every level is in the list (after a snapshot or a rebuild)."""
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
        """The side becomes `levels` (a snapshot): one sort instead of an insert each."""
        book = self._qty
        book.clear()
        book.update(levels)
        for price in [price for price, qty in book.items() if not qty > 0.0]:
            del book[price]
        self._sort_all()

    def _sort_all(self) -> None:
        book = self._qty
        self._keys[:] = sorted(book) if self._sign > 0.0 else sorted([-price for price in book])
        self._floor = _WHOLE

    def _sorted(self, count: int) -> list[float]:
        """The list, made to hold at least `count` levels when the book has them."""
        keys = self._keys
        if len(keys) < count and self._floor != _WHOLE:
            # the best SORTED_LEVELS (or `count`) keys, found without sorting the
            # whole side: when the price runs through the sorted levels, the top-N
            # reads after each update ask for this
            book = self._qty
            keep = max(count, SORTED_LEVELS)
            if len(book) <= keep:
                self._sort_all()
            else:
                source = book if self._sign > 0.0 else map(neg, book)
                keys[:] = nlargest(keep, source)
                keys.reverse()
                self._floor = keys[0]
        return keys

    def best(self) -> float | None:
        keys = self._keys if self._keys or self._floor == _WHOLE else self._sorted(1)
        return keys[-1] * self._sign if keys else None

    def depth_qty(self, levels: int) -> float:
        if levels <= 0:
            return 0
        keys = self._keys if len(self._keys) >= levels else self._sorted(levels)
        # best first, as the levels are: the same sum, added in the same order; the
        # lookups run in C (two per update, on every update)
        best_keys = keys[: -levels - 1 : -1]
        prices = best_keys if self._sign > 0.0 else map(neg, best_keys)
        return sum(map(self._qty.__getitem__, prices))

    def levels(self, count: int) -> tuple[Level, ...]:
        if count <= 0:
            return ()
        book, sign = self._qty, self._sign
        prices = [k * sign for k in self._sorted(count)[: -count - 1 : -1]]
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
        else:
            if self._floor != _WHOLE:  # deeper than the sorted levels: all of them
                self._sort_all()
                return self.walk(qty)
        filled = qty - remaining
        return filled, (cost / filled if filled > 0.0 else 0.0), last

    def raw(self) -> tuple[list[float], list[float]]:
        """Keys (negated prices for bids, prices for asks) and quantities, best first,
        for brokers that walk levels themselves."""
        if self._floor != _WHOLE:
            self._sort_all()
        book, sign = self._qty, self._sign
        keys = self._keys[::-1]
        return [-k for k in keys], [book[k * sign] for k in keys]

    def __len__(self) -> int:
        return len(self._qty)


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
        bids, asks = self.bids, self.asks
        b = bids.depth_qty(self.depth)
        a = asks.depth_qty(self.depth)
        total = b + a
        if total <= 0.0 or not bids._qty or not asks._qty:  # read on every update: no len()
            return None
        return (b - a) / total

    def age_ms(self, now_ms: int) -> int | None:
        return None if self.updated_ms is None else max(0, now_ms - self.updated_ms)

    def is_valid(self) -> bool:
        bid, ask = self.bids.best(), self.asks.best()
        return bid is not None and ask is not None and bid < ask
