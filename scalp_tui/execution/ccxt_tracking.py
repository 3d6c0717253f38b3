"""What the live broker knows of each order beyond the engine's model, and how it
reads the venue's answers about it (REST answers, stream updates, look-ups) into
fills and statuses for the engine. Split from ccxt_broker.py, which makes the
requests."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scalp_tui.engine.broker import ExecutionListener
from scalp_tui.engine.orders import EPS_QTY, Order
from scalp_tui.engine.protocol import OrderStatus, OrderType
from scalp_tui.execution.ccxt_answers import STATUS
from scalp_tui.execution.retry import Retrier, RetriesExhausted
from scalp_tui.execution.venues import VenueTraits, to_base


@dataclass(slots=True)
class Tracked:
    """What the broker knows of one order beyond the engine's model."""

    order: Order
    cid: str
    creating: bool = True  # the create request has not been answered
    ended_at: float = 0.0  # monotonic time the create request ended
    reported: float = 0.0  # cumulative filled already reported (base units)
    avg: float = 0.0  # average price of that cumulative fill
    fee_reported: float = 0.0  # cumulative fee already reported (quote)
    not_found: int = 0  # consecutive "not found" look-ups
    lookup_errors: int = 0  # consecutive look-ups that got no answer about the order
    final: bool = False  # its end was reported to the engine
    recheck_until: float = 0.0  # given up as never placed: still looked up until then
    given_up: bool = False  # ended as never placed (not by the venue's own word)
    cancel_wanted: bool = False  # asked while the create was still unanswered

    @property
    def is_stop(self) -> bool:
        return self.order.type is OrderType.STOP_MARKET


class AnswerReader:
    """Folding the venue's answers into fills and statuses. Mixed into `CcxtBroker`."""

    # provided by the broker (declared for readers and type checkers)
    exchange: Any
    traits: VenueTraits
    retrier: Retrier
    taker_fee: float
    maker_fee: float
    _listener: ExecutionListener | None
    _by_cid: dict[str, Tracked]
    _spawn: Callable[[Any], None]
    _cancel: Callable[[Tracked], Any]

    def apply(self, response: Mapping[str, Any]) -> None:
        """An order update from the stream (or any answer naming our client id)."""
        tracked = self._by_cid.get(self.traits.client_id_of(response))
        if tracked is not None:
            self._apply_to(tracked, response)

    def _apply_to(
        self, tracked: Tracked, response: Mapping[str, Any], answered: bool = False
    ) -> None:
        """Fold an order's state (REST answer or stream update) into fills and status."""
        if tracked.is_stop and self.traits.is_trigger_record(response):
            self._apply_trigger(tracked, response, answered)
            return
        listener = self._listener_or_fail()
        order = tracked.order
        filled = to_base(self.exchange, order.symbol, float(response.get("filled") or 0.0))
        new = filled - tracked.reported
        if new > EPS_QTY:
            average = float(response.get("average") or response.get("price") or 0.0)
            known, previous = tracked.reported, tracked.avg
            # the price of this increment, from the cumulative averages
            price = (average * filled - previous * known) / new if known else average
            liquidity = "maker" if order.type is OrderType.LIMIT else "taker"
            fee = self._fee(tracked, response, new * price, liquidity)
            tracked.reported, tracked.avg = filled, average
            # when it traded; an order's own timestamp is when it was placed
            ts = response.get("lastTradeTimestamp") or response.get("lastUpdateTimestamp")
            ts_ms = int(ts) if ts else time.time_ns() // 1_000_000
            listener.on_fill(order.id, price, new, fee, liquidity, ts_ms)
        status = STATUS.get(str(response.get("status")))
        if status is None:
            if not answered:
                return
            status = OrderStatus.ACCEPTED  # venues that answer a create with ids only
        if status is OrderStatus.ACCEPTED and filled > EPS_QTY:
            status = OrderStatus.PARTIALLY_FILLED
        if tracked.final and not status.done:
            if tracked.given_up:
                # given up as never placed, yet working at the venue: nothing here
                # expects it any more, so it is withdrawn (its fills are still applied)
                self._spawn(self._cancel_found(tracked))
            # else an answer older than the order's end (an ids-only create answer
            # overtaken by the stream's fill): the end stands
            return
        reason = ""
        if status is OrderStatus.CANCELED and filled > EPS_QTY:
            reason = f"partially filled {filled:g} of {order.qty:g}"
        if status.done:
            self._end(tracked, status, reason)
        else:
            listener.on_order_status(order.id, status, reason)

    def _apply_trigger(
        self, tracked: Tracked, response: Mapping[str, Any], answered: bool = False
    ) -> None:
        """The record of a stop resting at the venue (not the order its trigger
        placed): its fills, if any, are read from that order, never from here."""
        status = STATUS.get(str(response.get("status")))
        if status is None and answered:
            status = OrderStatus.ACCEPTED  # a create answered with its ids only (okx)
        child = self.traits.child_id(response)
        if tracked.final or status is None:
            return
        if child and status.done:
            self._spawn(self._follow_child(tracked, child))
        elif status is OrderStatus.ACCEPTED:
            self._listener_or_fail().on_order_status(tracked.order.id, status)
        elif status in (OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED):
            self._end(tracked, status, str(response.get("info", {}).get("reason") or ""))
        # "closed" without the order it placed: that order's updates will tell

    async def _follow_child(self, tracked: Tracked, child_id: str) -> None:
        import ccxt

        symbol = tracked.order.symbol
        try:
            child = await self.retrier.call(
                f"look-up of the order stop {tracked.order.id} placed",
                lambda: self.exchange.fetch_order(
                    child_id, symbol, self.traits.child_lookup_params()
                ),
            )
        except (RetriesExhausted, ccxt.BaseError):
            return  # the next poll finds the stop ended again and asks again
        self._apply_to(tracked, {**child, "info": {}})

    async def _cancel_found(self, tracked: Tracked) -> None:
        tracked.final = tracked.given_up = False
        self._warn(
            f"order {tracked.order.id} ({tracked.order.purpose}), given up as never placed, "
            "is working at the exchange: cancelling it",
            tracked.order.symbol,
        )
        await self._cancel(tracked)

    def _fee(
        self, tracked: Tracked, response: Mapping[str, Any], notional: float, liquidity: str
    ) -> float:
        """The fee of a fill: what the venue says it charged when it says so (the
        order's cumulative fee), else the configured rate on the fill's value."""
        paid = self.traits.fee_paid(response)
        if paid is None:
            return notional * (self.taker_fee if liquidity == "taker" else self.maker_fee)
        fee, tracked.fee_reported = paid - tracked.fee_reported, paid
        return fee

    def _end(self, tracked: Tracked, status: OrderStatus, reason: str) -> None:
        tracked.final = True
        self._listener_or_fail().on_order_status(tracked.order.id, status, reason)

    def _warn(self, message: str, symbol: str | None = None) -> None:
        self._listener_or_fail().report_error(message, symbol)

    def _listener_or_fail(self) -> ExecutionListener:
        if self._listener is None:
            raise RuntimeError("CcxtBroker used before bind()")
        return self._listener
