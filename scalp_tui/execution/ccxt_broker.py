"""Live orders through ccxt: the engine's Broker on a real exchange.

`submit` and `cancel` return at once; the work runs as asyncio tasks and answers
through the listener. Every order carries our client id (this journal's tag and the
engine's order id, shaped by the venue's traits), so an order whose request ended
without an answer is looked up instead of sent twice, and two consoles on one
account never take each other's orders for their own.

Quantities are base units on the engine's side and contracts on the venue's: the
conversion happens here and nowhere else in the order path (venues/base.py).

An order is never declared dead while it may still land: a look-up is not even
made while its create request is unanswered, and "not found" ends it only after
several look-ups over a grace window. Fills are derived from the order's cumulative
filled quantity, whichever source reports it first (the REST answer, the order
stream or a look-up), so a fill is never counted twice, and one that arrives after
we gave the order up is still reported: the venue is right.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.broker import RATE_LIMITED, ExecutionListener
from scalp_tui.engine.orders import Order, new_client_tag
from scalp_tui.engine.protocol import OrderStatus, OrderType, TradeTick
from scalp_tui.execution.ccxt_answers import endpoint_missing, error_text
from scalp_tui.execution.ccxt_tracking import AnswerReader, Tracked
from scalp_tui.execution.retry import Retrier, RetriesExhausted, backoff_s, throttled_errors
from scalp_tui.execution.venues import VenueTraits, to_contracts, traits_for

NOT_FOUND_LOOKUPS = 3  # consecutive "not found" answers …
NOT_FOUND_GRACE_S = 10.0  # … spread over at least this long after the request ended
RECHECK_S = 60.0  # an order given up as never placed is still looked up this long
LOOKUP_ERRORS_SAID = 5  # consecutive failed look-ups before the trader is told


class CcxtBroker(AnswerReader):
    name = "live"
    protective_stops = True  # until the venue refuses the order type

    def __init__(
        self,
        exchange: Any,
        taker_fee: float,
        maker_fee: float,
        retrier: Retrier | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        traits: VenueTraits | None = None,
        client_tag: str | None = None,
        leverage: int = 0,
    ) -> None:
        self.exchange = exchange
        # the leverage travels with each order on some venues (kucoinfutures)
        self.traits = traits or traits_for(str(getattr(exchange, "id", "")), leverage)
        # the journal's own tag replaces this one before any order (use_client_tag)
        self.client_tag = new_client_tag() if client_tag is None else client_tag
        self.taker_fee = taker_fee
        self.maker_fee = maker_fee
        self.retrier = retrier or Retrier()
        self._now = monotonic
        self._listener: ExecutionListener | None = None
        self._tracked: dict[int, Tracked] = {}
        self._by_cid: dict[str, Tracked] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def rate_limited(self) -> int:
        return self.retrier.throttled

    def bind(self, listener: ExecutionListener, books: Mapping[str, OrderBook]) -> None:
        self._listener = listener

    def use_client_tag(self, tag: str) -> None:
        """Client ids from now on carry `tag` (the journal's): set before any order is
        sent or resumed, so that a restart finds its orders by the same ids."""
        if self._tracked:
            raise RuntimeError("the client tag must be set before any order is tracked")
        self.client_tag = tag

    # -- the Broker protocol -------------------------------------------------------

    def submit(self, order: Order) -> None:
        tracked = self._track(order, creating=True)
        self._listener_or_fail().on_order_status(order.id, OrderStatus.IN_FLIGHT)
        self._spawn(self._create(tracked))

    def cancel(self, order_id: int) -> None:
        tracked = self._tracked.get(order_id)
        if tracked is not None and not tracked.final:
            self._spawn(self._cancel(tracked))

    def cancel_all(self) -> None:
        for symbol in {t.order.symbol for t in self._tracked.values() if not t.final}:
            self._spawn(self._cancel_all(symbol))

    def resume(self, symbol: str, signed_qty: float, orders: list[Order]) -> list[Order]:
        """Track journaled orders again: `poll` then learns from the exchange what
        became of them while this console was down (fills, cancels)."""
        for order in orders:
            tracked = self._track(order, creating=False)
            tracked.reported, tracked.avg = order.filled, order.avg_price
            tracked.fee_reported = order.fee
            tracked.ended_at = self._now()
        return list(orders)

    def working(self) -> list[Order]:
        """Orders not yet known to be done (a copy: answers may end them meanwhile)."""
        return [t.order for t in self._tracked.values() if not t.final]

    def in_flight(self, symbol: str) -> bool:
        """Whether an order on `symbol` may still change what the venue holds."""
        return any(
            not t.final and not t.is_stop and t.order.symbol == symbol
            for t in self._tracked.values()
        )

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

    def _track(self, order: Order, creating: bool) -> Tracked:
        cid = self.traits.client_id(self.client_tag, order.id)
        tracked = Tracked(order, cid, creating=creating)
        self._tracked[order.id] = tracked
        self._by_cid[tracked.cid] = tracked
        return tracked

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _ids(self, tracked: Tracked) -> dict[str, Any]:
        """Parameters naming an order by our client id (a stop lives among the
        venue's trigger orders)."""
        return self.traits.lookup_params(tracked.cid, tracked.is_stop)

    async def _create(self, tracked: Tracked) -> None:
        import ccxt

        order = tracked.order
        traits = self.traits
        if tracked.is_stop:
            params = traits.stop_params(tracked.cid, float(order.price or 0.0))
        else:
            params = traits.order_params(tracked.cid, order.reduce_only)
        kind, price = ("limit", order.price) if order.type is OrderType.LIMIT else ("market", None)
        try:
            amount = to_contracts(self.exchange, order.symbol, order.qty)
        except Exception as exc:  # ccxt: below the amount precision, unknown market
            amount, why = 0.0, error_text(exc)
        else:
            why = f"{order.qty:g} is less than one amount step of {order.symbol}"
        if amount <= 0.0:
            self._ended_request(tracked)
            self._end(tracked, OrderStatus.REJECTED, why)
            return

        def create() -> Any:
            return self.exchange.create_order(
                order.symbol, kind, order.side.value, amount, price, params
            )

        try:
            # only throttling is retried here: after a timeout the order may exist
            response = await self.retrier.call(
                f"order {order.id}", create, retry_on=throttled_errors()
            )
        except RetriesExhausted as exc:  # refused every time, so never placed
            self._ended_request(tracked)
            tracked.given_up = True
            self._end(tracked, OrderStatus.REJECTED, f"{RATE_LIMITED}: {error_text(exc.last)}")
        except ccxt.NetworkError as exc:
            self._ended_request(tracked)
            if endpoint_missing(exc):  # a definite answer: the venue has no such call
                self._refused(tracked, exc)
            else:
                await self._look_up(tracked)  # no answer: it may exist; look-ups decide
        except ccxt.BaseError as exc:
            self._ended_request(tracked)
            if traits.duplicate_id(exc):  # an earlier attempt got through after all
                await self._look_up(tracked)
            else:
                self._refused(tracked, exc)
        else:
            self._ended_request(tracked)
            self._apply_to(tracked, response, answered=True)
        if tracked.cancel_wanted and not tracked.final:
            await self._cancel(tracked)

    def _ended_request(self, tracked: Tracked) -> None:
        tracked.creating = False
        tracked.ended_at = self._now()

    def _refused(self, tracked: Tracked, exc: BaseException) -> None:
        import ccxt

        if tracked.is_stop and not isinstance(exc, ccxt.InvalidOrder | ccxt.InsufficientFunds):
            # the venue does not take this order type here (unknown endpoint, not
            # supported): no exchange-side stops from now on, the software stop stays
            self.protective_stops = False
        self._end(tracked, OrderStatus.REJECTED, error_text(exc))

    async def _look_up(self, tracked: Tracked) -> None:
        import ccxt

        if tracked.creating:
            return  # the create request's own answer decides
        order = tracked.order

        def fetch() -> Any:
            return self.traits.fetch_order(
                self.exchange, order.symbol, tracked.cid, tracked.is_stop
            )

        try:
            response = await self.retrier.call(f"look-up of order {order.id}", fetch, attempts=3)
        except ccxt.OrderNotFound:
            self._not_found(tracked)
        except (RetriesExhausted, ccxt.BaseError) as exc:
            # not an answer about the order: the next poll asks again
            tracked.lookup_errors += 1
            if tracked.lookup_errors == LOOKUP_ERRORS_SAID:
                self._warn(
                    f"order {order.id} ({order.purpose}): its state is unknown, look-ups "
                    f"keep failing ({error_text(exc)}); still asking",
                    order.symbol,
                )
        else:
            tracked.not_found = tracked.lookup_errors = 0
            tracked.recheck_until = 0.0  # found: its answers now come as for any other
            self._apply_to(tracked, response)

    def _not_found(self, tracked: Tracked) -> None:
        tracked.not_found += 1
        waited = self._now() - tracked.ended_at
        if tracked.final or tracked.not_found < NOT_FOUND_LOOKUPS or waited < NOT_FOUND_GRACE_S:
            return
        why = f"not found at the exchange in {tracked.not_found} look-ups over {waited:.0f} s"
        tracked.recheck_until = self._now() + RECHECK_S
        tracked.given_up = True
        self._end(tracked, OrderStatus.EXPIRED, why)

    async def _cancel(self, tracked: Tracked) -> None:
        import ccxt

        if tracked.final:
            return
        if tracked.creating:
            tracked.cancel_wanted = True  # sent once the create is answered
            return
        order = tracked.order

        def cancel() -> Any:
            return self.exchange.cancel_order(None, order.symbol, self._ids(tracked))

        try:
            response = await self.retrier.call(f"cancel of order {order.id}", cancel)
        except (RetriesExhausted, ccxt.BaseError) as exc:
            if not isinstance(exc, ccxt.OrderNotFound):
                self._warn(f"cancel of order {order.id} failed: {error_text(exc)}", order.symbol)
            await self._look_up(tracked)  # filled, gone, or not yet there: learn which
        else:
            self._apply_to(tracked, response)

    async def _cancel_all(self, symbol: str) -> None:
        import ccxt

        working = [t for t in self._tracked.values() if not t.final and t.order.symbol == symbol]
        plain = [t for t in working if not t.is_stop]
        one_by_one = working  # without a cancel-all (e.g. okx), and for trigger orders
        if plain and self.traits.cancel_all and self.exchange.has.get("cancelAllOrders"):
            try:
                await self.retrier.call(
                    f"cancel-all on {symbol}",
                    lambda: self.exchange.cancel_all_orders(
                        symbol, dict(self.traits.cancel_all_params)
                    ),
                )
            except (RetriesExhausted, ccxt.BaseError) as exc:
                self._warn(f"cancel-all on {symbol} failed: {error_text(exc)}", symbol)
            for tracked in plain:
                if tracked.creating:
                    tracked.cancel_wanted = True
                else:
                    await self._look_up(tracked)
            one_by_one = [t for t in working if t.is_stop]
        await asyncio.gather(*(self._cancel(t) for t in one_by_one))

    async def poll(self) -> None:
        """REST fallback: look up every order still working (a stream update can be
        lost, e.g. while the private socket reconnects), and for a while those given
        up as never placed (a late fill is still the venue's fact)."""
        now = self._now()
        for tracked in list(self._tracked.values()):
            if tracked.creating:
                continue
            if tracked.final and tracked.recheck_until < now:
                continue
            await self._look_up(tracked)

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
                await asyncio.sleep(backoff_s(attempt, self.retrier.rng))
                attempt += 1
