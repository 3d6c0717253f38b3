"""What the engine needs from a broker (the port), and what a broker reports back.

A broker reports each step of an order's life (`on_order_status`) and each fill
(`on_fill`, reported before the status it leads to); the engine's orders decide
which steps they take (engine/orders.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.orders import Order
from scalp_tui.engine.protocol import OrderStatus, TradeTick

# How a broker starts the reason of an order the venue refused only for now (it
# throttled every attempt): the same order may be tried again later.
RATE_LIMITED = "rate limited"


class ExecutionListener(Protocol):
    """The engine side of a broker: order updates and fills come back here."""

    def on_order_status(self, order_id: int, status: OrderStatus, reason: str = "") -> None: ...

    def on_fill(
        self, order_id: int, price: float, qty: float, fee: float, liquidity: str, ts_ms: int
    ) -> None: ...

    def on_funding(self, broker: str, symbol: str, amount: float) -> int | None:
        """Funding paid (positive) or received (negative) on what `broker` holds on
        `symbol`, quote currency; the position it went to, or None. Live, the funding
        watch (execution/funding.py) reports what the venue charged."""
        ...

    def report_error(self, message: str, symbol: str | None = None) -> None:
        """Something the trader must hear about that is no order's status (a cancel
        that failed on every retry, an order found working after it was given up)."""
        ...


class Broker(Protocol):
    """Works orders for the engine. `submit` and `cancel` never block: a broker
    answers through the listener, at once (paper) or when the venue replies (live)."""

    name: str
    # whether it can rest a reduce-only stop at the venue (the exchange-side stop)
    protective_stops: bool

    def bind(self, listener: ExecutionListener, books: Mapping[str, OrderBook]) -> None: ...

    def submit(self, order: Order) -> None: ...

    def cancel(self, order_id: int) -> None: ...

    def cancel_all(self) -> None: ...

    def resume(self, symbol: str, signed_qty: float, orders: list[Order]) -> list[Order]:
        """Take back a position held from before a restart, with its journaled orders
        that were still working; returns the orders this broker still tracks."""
        ...

    def has_resting(self, symbol: str) -> bool:
        """True when the broker wants `on_book`/`on_trade` for this symbol."""
        ...

    def on_book(self, book: OrderBook) -> None: ...

    def on_trade(self, trade: TradeTick) -> None: ...
