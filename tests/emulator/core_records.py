"""The records of the emulator core (emulator.core re-exports all of them): rejection
reasons, instruments, books, orders, stops, fills and positions. Quantities are in
contracts, prices in quote, sides "buy"/"sell"."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

UNKNOWN_SYMBOL = "unknown_symbol"
DUPLICATE_CLIENT_ID = "duplicate_client_id"
BAD_SIZE = "bad_size"
REDUCE_ONLY_NO_POSITION = "reduce_only_no_position"
REDUCE_ONLY_SAME_SIDE = "reduce_only_same_side"
INSUFFICIENT_MARGIN = "insufficient_margin"
WOULD_TRIGGER = "would_trigger"

WORKING = ("live", "partially_filled")
EPS = 1e-9


def now_ms() -> int:
    return int(time.time() * 1000)


class Rejected(Exception):
    """An order refused before it exists; `reason` is one of the constants above."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Instrument:
    symbol: str
    base: str
    quote: str
    contract_size: float
    tick: float
    lot: float
    min_size: float


@dataclass
class Book:
    bids: dict[float, float] = field(default_factory=dict)  # price -> contracts
    asks: dict[float, float] = field(default_factory=dict)
    seq: int = 1_000


@dataclass
class Fill:
    trade_id: int
    order_id: int
    client_id: str
    symbol: str
    side: str
    price: float
    contracts: float
    fee: float  # paid, in quote (positive = a cost)
    realized_pnl: float  # of the part of this fill that reduced the position
    liquidity: str  # "taker" or "maker"
    time_ms: int


@dataclass
class Order:
    id: int
    client_id: str
    symbol: str
    side: str
    kind: str
    qty: float
    price: float  # 0 for market orders
    reduce_only: bool
    status: str = "live"
    filled: float = 0.0
    cost: float = 0.0  # sum of price x contracts
    fee: float = 0.0  # cumulative, paid
    pnl: float = 0.0  # cumulative realised
    created_ms: int = field(default_factory=now_ms)
    updated_ms: int = field(default_factory=now_ms)
    stop_id: int | None = None  # the stop that placed it
    last_fill: Fill | None = None  # the newest fill (what a push reports as "this fill")
    extra: dict[str, Any] = field(default_factory=dict)  # venue fields (tdMode, tag...)

    @property
    def average(self) -> float:
        return self.cost / self.filled if self.filled else 0.0

    @property
    def working(self) -> bool:
        return self.status in WORKING


@dataclass
class Stop:
    id: int
    client_id: str
    symbol: str
    side: str
    qty: float
    trigger: float
    reduce_only: bool
    status: str = "live"
    order_id: int | None = None
    created_ms: int = field(default_factory=now_ms)
    updated_ms: int = field(default_factory=now_ms)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Position:
    contracts: float = 0.0  # signed: short < 0
    entry: float = 0.0
