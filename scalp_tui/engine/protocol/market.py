"""Market data, feed -> engine: book changes, trades, candles, feed status."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from scalp_tui.engine.protocol.enums import FeedState, Side

Level = tuple[float, float]  # (price, quantity); quantity 0 in a delta removes the level


class FlatLevels(Sequence[tuple[float, float]]):
    """A diff's levels as a recording's parser leaves them, `[price, qty, price, qty,
    ...]`, read as (price, qty) pairs: no list or tuple per level is ever built
    (iteration pairs them up in C, reusing one tuple), so a diff is one list a side
    for the collector, and the book can apply the prices and quantities in bulk."""

    __slots__ = ("flat",)

    def __init__(self, flat: list[float]) -> None:
        self.flat = flat

    def __iter__(self) -> Iterator[tuple[float, float]]:
        numbers = iter(self.flat)
        return zip(numbers, numbers, strict=False)  # an even count, checked when parsed

    def __len__(self) -> int:
        return len(self.flat) // 2

    def __getitem__(self, index: Any) -> Any:
        return list(self)[index]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == [tuple(x) for x in other]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FlatLevels({list(self)!r})"


@dataclass(frozen=True, slots=True)
class MarketInfo:
    """What the engine must know about a symbol to size and price orders."""

    symbol: str
    tick_size: float
    lot_size: float  # quantity step, base units (the venue's amount step x contract size)
    min_qty: float  # base units
    contract_size: float = 1.0  # base units per contract: for the venue boundary only


@dataclass(frozen=True, slots=True)
class BookUpdate:
    """A change to one symbol's L2 book.

    `snapshot=True` replaces the whole book with `bids`/`asks`; otherwise each level
    sets the quantity at its price (0 removes it). Bids best-first is not required.
    `update_id` is the venue's final update id for this change when it has one (Binance
    `u`, a snapshot's `lastUpdateId`), so a replay can be lined up with the venue's.
    `venue_ts_ms` is the venue's own time for the change when it sends one: `ts_ms`
    minus it is the exchange latency the console shows.
    """

    symbol: str
    ts_ms: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    snapshot: bool = False
    update_id: int | None = None
    venue_ts_ms: int | None = None


@dataclass(frozen=True, slots=True)
class TradeTick:
    symbol: str
    ts_ms: int
    price: float
    qty: float
    taker_side: Side  # SELL: a seller hit the bid


@dataclass(frozen=True, slots=True)
class Candle:
    start_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float  # base units
    # not watched from its start (the engine started mid-period without the venue's
    # figures for it): its volume and open are unknown, so the rules never count it
    partial: bool = False


@dataclass(frozen=True, slots=True)
class FeedStatus:
    state: FeedState
    symbol: str | None = None  # None: the whole feed
    detail: str = ""
    resyncs: int = 0
    msgs_per_s: float = 0.0
