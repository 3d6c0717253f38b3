"""What changed in the top of a ccxt order book since the engine was last told.

ccxt keeps one live book per symbol and mutates it in place. Copying its top 50
levels a side into a fresh snapshot on every frame costs the feed a hundred tuples
and the engine a rebuild of both sides, for a frame that usually moves a handful of
levels. Instead the feed remembers the top levels it last handed over and sends only
the difference as a delta update: levels new or changed, and levels gone (or fallen
below the top `depth`) as quantity 0. Applied to the engine's book, that book is
again exactly ccxt's top `depth` levels. An unchanged top is found by one list
comparison in C; only the changed levels are converted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scalp_tui.engine.protocol import Level


class SideTop:
    """The top `depth` levels of one side of a ccxt book, as last handed over, in the
    venue's amounts (contracts): a frame compares venue amounts and converts only what
    changed."""

    __slots__ = ("depth", "descending", "sent")

    def __init__(self, depth: int, descending: bool) -> None:
        self.depth = depth
        self.descending = descending
        # (price, amount[, ...]) tuples, best first: copies, ccxt mutates its levels
        self.sent: list[tuple[Any, ...]] = []

    def snapshot(self, side: Sequence[Any], size: float) -> tuple[Level, ...]:
        """The whole top, best first, and remember it (a new or resynced book)."""
        self.sent = list(map(tuple, side[: self.depth]))
        return _base_levels([(level[0], level[1]) for level in self.sent], size)

    def changes(self, side: Sequence[Any], size: float) -> tuple[Level, ...]:
        """The levels that differ from what was last handed over (removed ones with
        quantity 0), best first, and remember the new top."""
        now = list(map(tuple, side[: self.depth]))
        before = self.sent
        if now == before:  # the frame changed nothing on top: compared in C
            return ()
        self.sent = now
        # the unchanged head is skipped; below the first difference a new or removed
        # level shifts every position, so the rest is compared by price
        same, n = 0, min(len(now), len(before))
        while same < n and now[same] == before[same]:
            same += 1
        now_by_price = {level[0]: level[1] for level in now[same:]}
        before_by_price = {level[0]: level[1] for level in before[same:]}
        levels = [(p, q) for p, q in now_by_price.items() if before_by_price.get(p) != q]
        levels += [(p, 0.0) for p in before_by_price if p not in now_by_price]
        levels.sort(reverse=self.descending)
        return _base_levels(levels, size)


def _base_levels(levels: Any, size: float) -> tuple[Level, ...]:
    """Venue levels as floats in base units (amounts are contracts where size != 1)."""
    if size == 1.0:  # Binance, Bybit: a contract is one base unit, no arithmetic
        return tuple([(float(p), float(q)) for p, q in levels])
    # rounded, not Decimal: 12 places are far below any venue's lot and drop the float
    # noise of the product (0.3 x 0.1)
    return tuple([(float(p), round(float(q) * size, 12)) for p, q in levels])
