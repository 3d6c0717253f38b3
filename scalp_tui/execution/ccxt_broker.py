"""Live orders through ccxt: the engine's Broker on a real exchange.

`submit` and `cancel` return at once; the work runs as asyncio tasks and answers
through the listener. Fills are derived from the order's cumulative filled
quantity, whichever source reports it first (the REST answer, the order stream or
a REST lookup), so a fill is never counted twice. Every order carries our client
id (`scalp<engine id>`), which makes retries safe and lets us look an order up
when a request timed out without an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Mapping
from typing import Any

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.positions import EPS_QTY, Order
from scalp_tui.engine.protocol import OrderStatus, OrderType, TradeTick
from scalp_tui.execution.broker import ExecutionListener

RATE_LIMIT_RETRIES = 6
RATE_LIMIT_BACKOFF_S = 0.2
STATUS = {
    "open": OrderStatus.ACCEPTED,
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}


def client_id(order_id: int) -> str:
    return f"scalp{order_id}"


class CcxtBroker:
    name = "live"

    def __init__(self, exchange: Any, taker_fee: float, maker_fee: float) -> None:
        self.exchange = exchange
        self.taker_fee = taker_fee
        self.maker_fee = maker_fee
        self._listener: ExecutionListener | None = None
        self._orders: dict[int, Order] = {}
        self._filled: dict[int, float] = {}  # cumulative filled we already reported
        self._avg: dict[int, float] = {}  # average price of that cumulative fill
        self._done: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._rng = random.Random()
        self.rate_limited = 0

    def bind(self, listener: ExecutionListener, books: Mapping[str, OrderBook]) -> None:
        self._listener = listener

    # -- setup -------------------------------------------------------------------

    async def prepare(self, symbols: list[str], leverage: int) -> list[str]:
        """Isolated margin and leverage on every symbol; returns problems, if any."""
        import ccxt

        problems = []
        for symbol in symbols:
            try:
                await self.exchange.set_margin_mode("isolated", symbol)
            except ccxt.MarginModeAlreadySet:
                pass
            except ccxt.BaseError as exc:
                if "-4046" not in str(exc):  # "No need to change margin type"
                    problems.append(f"{symbol}: cannot set isolated margin: {exc}")
            try:
                await self.exchange.set_leverage(leverage, symbol)
            except ccxt.BaseError as exc:
                problems.append(f"{symbol}: cannot set leverage {leverage}: {exc}")
        return problems

    async def foreign_positions(self, symbols: list[str]) -> list[str]:
        """Positions the exchange holds on `symbols` that this console did not open.

        They are reported, never adopted: closing or managing them is the user's call.
        """
        rows = await self.exchange.fetch_positions(symbols)
        found = []
        for row in rows:
            contracts = float(row.get("contracts") or 0.0)
            if contracts:
                side = row.get("side") or ("short" if contracts < 0 else "long")
                found.append(
                    f"{row['symbol']}: the exchange holds a {side} of {abs(contracts):g} "
                    f"at {row.get('entryPrice')} that this console did not open; "
                    "left alone, not adopted"
                )
        return found

    async def held(self, symbols: list[str]) -> dict[str, float]:
        """Signed contracts the exchange holds per symbol (short < 0)."""
        held: dict[str, float] = {}
        for row in await self.exchange.fetch_positions(symbols):
            contracts = float(row.get("contracts") or 0.0)
            if contracts:
                sign = -1.0 if (row.get("side") == "short" or contracts < 0) else 1.0
                held[row["symbol"]] = sign * abs(contracts)
        return held

    # -- the Broker protocol -------------------------------------------------------

    def submit(self, order: Order) -> None:
        self._orders[order.id] = order
        self._filled[order.id] = 0.0
        self._spawn(self._submit(order))

    def cancel(self, order_id: int) -> None:
        order = self._orders.get(order_id)
        if order is not None and order_id not in self._done:
            self._spawn(self._cancel(order))

    def cancel_all(self) -> None:
        for symbol in {o.symbol for o in self.working()}:
            self._spawn(self._cancel_all(symbol))

    def resume(self, symbol: str, signed_qty: float, orders: list[Order]) -> list[Order]:
        """Track journaled orders again: `poll` then learns from the exchange what
        became of them while this console was down (fills, cancels)."""
        for order in orders:
            self._orders[order.id] = order
            self._filled[order.id] = order.filled
            self._avg[order.id] = order.avg_price
        return list(orders)

    def working(self) -> list[Order]:
        """Orders not yet known to be done (a copy: answers may end them meanwhile)."""
        return [o for i, o in self._orders.items() if i not in self._done]

    def has_resting(self, symbol: str) -> bool:
        return False  # the exchange matches; no book callbacks needed

    def on_book(self, book: OrderBook) -> None:
        pass

    def on_trade(self, trade: TradeTick) -> None:
        pass

    async def drain(self) -> None:
        """Wait for every request in flight (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- requests ------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _submit(self, order: Order) -> None:
        import ccxt

        params: dict[str, Any] = {"newClientOrderId": client_id(order.id)}
        if order.reduce_only:
            params["reduceOnly"] = True
        kind = "limit" if order.type is OrderType.LIMIT else "market"
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            try:
                response = await self.exchange.create_order(
                    order.symbol, kind, order.side.value, order.qty, order.price, params
                )
            except (ccxt.DDoSProtection, ccxt.RateLimitExceeded) as exc:
                self.rate_limited += 1
                if attempt == RATE_LIMIT_RETRIES:
                    self._report(order.id, OrderStatus.REJECTED, f"rate limited: {exc}")
                    return
                await asyncio.sleep(self._backoff(attempt))
                continue
            except ccxt.InvalidOrder as exc:
                if "-4015" in str(exc):  # our client id exists: an earlier try got through
                    await self._look_up(order)
                else:
                    self._report(order.id, OrderStatus.REJECTED, _reason(exc))
                return
            except ccxt.NetworkError:
                # No answer: the order may or may not exist. Ask by client id.
                await self._look_up(order)
                return
            except ccxt.BaseError as exc:
                self._report(order.id, OrderStatus.REJECTED, _reason(exc))
                return
            self.apply(response)
            return

    async def _look_up(self, order: Order) -> None:
        import ccxt

        try:
            response = await self.exchange.fetch_order(
                None, order.symbol, {"origClientOrderId": client_id(order.id)}
            )
        except ccxt.OrderNotFound:
            self._report(order.id, OrderStatus.REJECTED, "not accepted by the exchange")
            return
        except ccxt.BaseError as exc:
            self._report(order.id, OrderStatus.REJECTED, f"state unknown: {_reason(exc)}")
            return
        self.apply(response)

    async def _cancel(self, order: Order) -> None:
        import ccxt

        try:
            response = await self.exchange.cancel_order(
                None, order.symbol, {"origClientOrderId": client_id(order.id)}
            )
        except ccxt.OrderNotFound:
            await self._look_up(order)  # filled or gone already: learn which
            return
        except ccxt.BaseError:
            await self._look_up(order)
            return
        self.apply(response)

    async def _cancel_all(self, symbol: str) -> None:
        import ccxt

        open_orders = [o for o in self.working() if o.symbol == symbol]
        if not self.exchange.has.get("cancelAllOrders"):  # e.g. okx: one by one
            await asyncio.gather(*(self._cancel(order) for order in open_orders))
            return
        with contextlib.suppress(ccxt.BaseError):  # each order is looked up below anyway
            await self.exchange.cancel_all_orders(symbol)
        for order in open_orders:
            await self._look_up(order)

    # -- answers ---------------------------------------------------------------------

    def apply(self, response: Mapping[str, Any]) -> None:
        """Fold an order's state (REST answer or stream update) into fills and status."""
        cid = str(response.get("clientOrderId") or "")
        if not cid.startswith("scalp"):
            return
        order_id = int(cid[5:])
        order = self._orders.get(order_id)
        if order is None or order_id in self._done:
            return
        listener = self._require_listener()
        filled = float(response.get("filled") or 0.0)
        new = filled - self._filled[order_id]
        if new > EPS_QTY:
            average = float(response.get("average") or response.get("price") or 0.0)
            # the average of this increment from the cumulative averages
            known = self._filled[order_id]
            previous = self._avg.get(order_id, 0.0)
            price = (average * filled - previous * known) / new if known else average
            liquidity = "taker" if order.type is OrderType.MARKET else "maker"
            fee_rate = self.taker_fee if liquidity == "taker" else self.maker_fee
            self._filled[order_id] = filled
            self._avg[order_id] = average
            ts = int(response.get("lastTradeTimestamp") or response.get("timestamp") or 0)
            listener.on_order_status(order_id, OrderStatus.ACCEPTED)
            listener.on_fill(order_id, price, new, new * price * fee_rate, liquidity, ts)
        status = STATUS.get(str(response.get("status")), OrderStatus.ACCEPTED)
        if status is OrderStatus.ACCEPTED:
            listener.on_order_status(order_id, OrderStatus.ACCEPTED)
            return
        reason = ""
        if status is OrderStatus.CANCELED and filled > EPS_QTY:
            reason = f"partially filled {filled:g} of {order.qty:g}"
        self._done.add(order_id)
        listener.on_order_status(order_id, status, reason)

    async def poll(self) -> None:
        """REST fallback: look up every order still working (a stream update can be
        lost, e.g. while the private socket reconnects)."""
        for order_id, order in list(self._orders.items()):
            if order_id not in self._done:  # checked as it goes: a look-up may end one
                await self._look_up(order)

    async def watch(self, stop: asyncio.Event) -> None:
        """Order updates from the private stream; REST answers cover what it misses."""
        import ccxt

        attempt = 0
        while not stop.is_set():
            try:
                for update in await self.exchange.watch_orders():
                    self.apply(update)
                attempt = 0
            except ccxt.BaseError:
                await asyncio.sleep(self._backoff(attempt))
                attempt += 1

    # -- helpers ---------------------------------------------------------------------

    def _report(self, order_id: int, status: OrderStatus, reason: str) -> None:
        self._done.add(order_id)
        self._require_listener().on_order_status(order_id, status, reason)

    def _backoff(self, attempt: int) -> float:
        return self._rng.uniform(0.5, 1.0) * min(5.0, RATE_LIMIT_BACKOFF_S * 2**attempt)

    def _require_listener(self) -> ExecutionListener:
        if self._listener is None:
            raise RuntimeError("CcxtBroker used before bind()")
        return self._listener


def _reason(exc: Exception) -> str:
    """The error class and the exchange's own message (code and text)."""
    return f"{type(exc).__name__}: {exc}"
