"""Per-symbol L2 order book and the measures the entry rule reads from it."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from scalp_tui.engine.protocol import Level


class BookSide:
    """One side of the book as two parallel lists, best level first.

    Keys are prices for asks and negated prices for bids, so both sides sort
    ascending with the best level at index 0 and share one bisect-based update.
    """

    __slots__ = ("_keys", "_qtys", "_sign")

    def __init__(self, is_bid: bool) -> None:
        self._sign = -1.0 if is_bid else 1.0
        self._keys: list[float] = []
        self._qtys: list[float] = []

    def clear(self) -> None:
        self._keys.clear()
        self._qtys.clear()

    def set(self, price: float, qty: float) -> None:
        self.update(((price, qty),))

    def update(self, levels: Iterable[Level]) -> None:
        """`set` for many levels (the hot path of every book update)."""
        keys, qtys, sign = self._keys, self._qtys, self._sign
        for price, qty in levels:
            key = price * sign
            i = bisect_left(keys, key)
            if i < len(keys) and keys[i] == key:
                if qty > 0.0:
                    qtys[i] = qty
                else:
                    del keys[i]
                    del qtys[i]
            elif qty > 0.0:
                keys.insert(i, key)
                qtys.insert(i, qty)

    def replace(self, levels: Iterable[Level]) -> None:
        self.clear()
        self.update(levels)

    def best(self) -> float | None:
        return self._keys[0] * self._sign if self._keys else None

    def depth_qty(self, levels: int) -> float:
        return sum(self._qtys[:levels])

    def levels(self, count: int) -> tuple[Level, ...]:
        sign = self._sign
        return tuple(zip([k * sign for k in self._keys[:count]], self._qtys[:count], strict=True))

    def walk(self, qty: float) -> tuple[float, float, float]:
        """Take `qty` from this side best-first.

        Returns (filled quantity, average price, price of the last level touched);
        filled is below `qty` when the visible depth runs out.
        """
        remaining = qty
        cost = 0.0
        last = 0.0
        sign = self._sign
        for key, level_qty in zip(self._keys, self._qtys, strict=False):
            take = level_qty if level_qty < remaining else remaining
            last = key * sign
            cost += take * last
            remaining -= take
            if remaining <= 1e-12:
                remaining = 0.0
                break
        filled = qty - remaining
        return filled, (cost / filled if filled > 0.0 else 0.0), last

    def raw(self) -> tuple[list[float], list[float]]:
        """Keys and quantities, best first, for brokers that walk levels themselves."""
        return self._keys, self._qtys

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
