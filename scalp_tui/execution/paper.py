"""Paper broker: fills against the engine's live books, never touches a venue.

Market orders walk the visible book level by level (one fill per level, partial
when the depth runs out). Limit orders take what crosses at once (taker), then
rest and fill at their price (maker) when a trade prints through it or the
opposite best crosses it. Our own fills do not consume the book: stakes here are
small against top-of-book depth, and the feed is the source of truth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.broker import ExecutionListener
from scalp_tui.engine.orders import EPS_QTY, Order
from scalp_tui.engine.protocol import OrderStatus, OrderType, Side, TradeTick


@dataclass(slots=True)
class _Resting:
    order_id: int
    side: Side
    price: float
    remaining: float


class PaperBroker:
    name = "paper"
    protective_stops = False  # nothing rests anywhere while the program is down

    def __init__(self, taker_fee: float, maker_fee: float) -> None:
        self.taker_fee = taker_fee
        self.maker_fee = maker_fee
        self._listener: ExecutionListener | None = None
        self._books: Mapping[str, OrderBook] = {}
        self._resting: dict[str, list[_Resting]] = {}
        self._net: dict[str, float] = {}  # signed position per symbol, short < 0

    def bind(self, listener: ExecutionListener, books: Mapping[str, OrderBook]) -> None:
        self._listener = listener
        self._books = books

    def net_position(self, symbol: str) -> float:
        return self._net.get(symbol, 0.0)

    def resume(self, symbol: str, signed_qty: float, orders: list[Order]) -> list[Order]:
        """The position comes back; its orders do not: paper orders lived only in the
        process that crashed, so the engine decides afresh."""
        self._net[symbol] = self._net.get(symbol, 0.0) + signed_qty
        return []

    # -- orders --------------------------------------------------------------

    def submit(self, order: Order) -> None:
        listener = self._require_listener()
        reason = None
        book = self._books.get(order.symbol)
        qty = order.qty
        if book is None or not book.is_valid():
            reason = "no valid order book for this symbol"
        if reason is None and order.reduce_only:
            qty, reason = self._reduce_only_qty(order)
        if reason is None and order.type is OrderType.LIMIT and order.price is None:
            reason = "limit order without a price"
        if reason is not None:
            listener.on_order_status(order.id, OrderStatus.REJECTED, reason)
            return
        assert book is not None
        listener.on_order_status(order.id, OrderStatus.ACCEPTED)
        limit = order.price if order.type is OrderType.LIMIT else None
        remaining = self._take(order.id, order.side, qty, limit, book)
        if remaining <= EPS_QTY:
            listener.on_order_status(order.id, OrderStatus.FILLED)
        elif limit is None:
            listener.on_order_status(
                order.id, OrderStatus.CANCELED, "book depth exhausted: partially filled"
            )
        else:
            self._resting.setdefault(order.symbol, []).append(
                _Resting(order.id, order.side, limit, remaining)
            )

    def cancel(self, order_id: int) -> None:
        for orders in self._resting.values():
            for rest in orders:
                if rest.order_id == order_id:
                    orders.remove(rest)
                    self._require_listener().on_order_status(
                        order_id, OrderStatus.CANCELED, "canceled"
                    )
                    return

    def cancel_all(self) -> None:
        for orders in self._resting.values():
            for rest in list(orders):
                orders.remove(rest)
                self._require_listener().on_order_status(
                    rest.order_id, OrderStatus.CANCELED, "canceled"
                )

    # -- market data ---------------------------------------------------------

    def has_resting(self, symbol: str) -> bool:
        return bool(self._resting.get(symbol))

    def on_book(self, book: OrderBook) -> None:
        bid, ask = book.best_bid, book.best_ask
        for rest in list(self._resting.get(book.symbol, ())):
            crossed = (rest.side is Side.BUY and ask is not None and ask <= rest.price) or (
                rest.side is Side.SELL and bid is not None and bid >= rest.price
            )
            if crossed:
                self._fill_resting(book.symbol, rest, rest.remaining, book.updated_ms or 0)

    def on_trade(self, trade: TradeTick) -> None:
        for rest in list(self._resting.get(trade.symbol, ())):
            through = (rest.side is Side.BUY and trade.price < rest.price) or (
                rest.side is Side.SELL and trade.price > rest.price
            )
            if through:
                self._fill_resting(trade.symbol, rest, min(rest.remaining, trade.qty), trade.ts_ms)

    # -- internals -----------------------------------------------------------

    def _require_listener(self) -> ExecutionListener:
        if self._listener is None:
            raise RuntimeError("PaperBroker used before bind()")
        return self._listener

    def _reduce_only_qty(self, order: Order) -> tuple[float, str | None]:
        net = self._net.get(order.symbol, 0.0)
        reducible = -net if order.side is Side.BUY else net
        if reducible <= EPS_QTY:
            return 0.0, "reduce-only order would open a position: nothing to reduce"
        return min(order.qty, reducible), None

    def _take(
        self, order_id: int, side: Side, qty: float, limit: float | None, book: OrderBook
    ) -> float:
        """Fill against the opposite side up to `limit`; returns what is left."""
        keys, qtys = (book.asks if side is Side.BUY else book.bids).raw()
        sign = 1.0 if side is Side.BUY else -1.0
        bound = None if limit is None else limit * sign
        fills: list[tuple[float, float]] = []
        remaining = qty
        for key, level_qty in zip(keys, qtys, strict=False):
            if remaining <= EPS_QTY or (bound is not None and key > bound + 1e-12):
                break
            take = min(level_qty, remaining)
            fills.append((key * sign, take))
            remaining -= take
        ts = book.updated_ms or 0
        for price, take in fills:
            self._fill(book.symbol, order_id, side, price, take, self.taker_fee, "taker", ts)
        return max(remaining, 0.0)

    def _fill_resting(self, symbol: str, rest: _Resting, qty: float, ts_ms: int) -> None:
        self._fill(
            symbol, rest.order_id, rest.side, rest.price, qty, self.maker_fee, "maker", ts_ms
        )
        rest.remaining -= qty
        if rest.remaining <= EPS_QTY:
            self._resting[symbol].remove(rest)
            self._require_listener().on_order_status(rest.order_id, OrderStatus.FILLED)

    def _fill(
        self,
        symbol: str,
        order_id: int,
        side: Side,
        price: float,
        qty: float,
        fee_rate: float,
        liquidity: str,
        ts_ms: int,
    ) -> None:
        self._net[symbol] = self._net.get(symbol, 0.0) + (qty if side is Side.BUY else -qty)
        self._require_listener().on_fill(
            order_id, price, qty, qty * price * fee_rate, liquidity, ts_ms
        )
