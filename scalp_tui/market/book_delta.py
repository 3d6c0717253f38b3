"""What changed in the top of a ccxt order book since the engine was last told.

ccxt keeps one live book per symbol and mutates it in place. Copying its top 50
levels a side into a fresh snapshot on every frame costs the feed a hundred tuples
and the engine a rebuild of both sides, for a frame that usually moves a handful of
levels. Instead the feed remembers the top levels it last handed over and sends only
the difference as a delta update: levels new or changed, and levels gone (or fallen
below the top `depth`) as quantity 0. Applied to the engine's book, that book is
again exactly ccxt's top `depth` levels. The comparison runs on dicts and sets in C;
only the changed levels are converted.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from scalp_tui.engine.protocol import Level

_price, _amount = itemgetter(0), itemgetter(1)


class SideTop:
    """The top `depth` levels of one side of a ccxt book, as last handed over, in the
    venue's amounts (contracts): a frame compares venue amounts and converts only what
    changed."""

    __slots__ = ("depth", "descending", "sent")

    def __init__(self, depth: int, descending: bool) -> None:
        self.depth = depth
        self.descending = descending
        self.sent: dict[Any, Any] = {}

    def snapshot(self, side: Sequence[Any], size: float) -> tuple[Level, ...]:
        """The whole top, best first, and remember it (a new or resynced book)."""
        top = side[: self.depth]
        self.sent = dict(zip(map(_price, top), map(_amount, top), strict=True))
        return _base_levels(self.sent.items(), size)

    def changes(self, side: Sequence[Any], size: float) -> tuple[Level, ...]:
        """The levels that differ from what was last handed over (removed ones with
        quantity 0), best first, and remember the new top."""
        top = side[: self.depth]
        now = dict(zip(map(_price, top), map(_amount, top), strict=True))
        sent = self.sent
        self.sent = now
        changed = now.items() - sent.items()
        gone = sent.keys() - now.keys()
        if not changed and not gone:
            return ()
        levels = list(changed)
        levels.extend([(price, 0.0) for price in gone])
        levels.sort(reverse=self.descending)
        return _base_levels(levels, size)


def _base_levels(levels: Any, size: float) -> tuple[Level, ...]:
    """Venue levels as floats in base units (amounts are contracts where size != 1)."""
    if size == 1.0:  # Binance, Bybit: a contract is one base unit, no arithmetic
        return tuple([(float(p), float(q)) for p, q in levels])
    # rounded, not Decimal: 12 places are far below any venue's lot and drop the float
    # noise of the product (0.3 x 0.1)
    return tuple([(float(p), round(float(q) * size, 12)) for p, q in levels])
