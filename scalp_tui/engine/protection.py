"""The exchange-side stop: one reduce-only stop resting at the venue for what a live
position holds, so the short is protected while this program is not running."""

from __future__ import annotations

from scalp_tui.engine.broker import RATE_LIMITED
from scalp_tui.engine.order_desk import STOP_PURPOSE, OrderDesk
from scalp_tui.engine.orders import EPS_QTY, Order
from scalp_tui.engine.pnl import ceil_to_step
from scalp_tui.engine.positions import Position
from scalp_tui.engine.protocol import (
    ErrorEvent,
    OrderStatus,
    OrderType,
    PositionState,
    PositionView,
    Side,
    StopPlaced,
)

STOP_LOSSES = 3  # stops lost without a refusal before the position goes without one


class Protection(OrderDesk):
    def _protect(self, position: Position) -> None:
        """Keep one reduce-only stop resting at the venue for what is held, at the
        stop price: placed after the first entry fill, replaced when the quantity
        or the price changes (the new one goes out before the old one is cancelled,
        so the short is never without one)."""
        broker = self.brokers[position.broker]
        if not (self.params.stoploss_on_exchange and broker.protective_stops):
            return
        if position.stop_refused or position.qty <= EPS_QTY or position.basis <= 0.0:
            return
        if position.state not in (PositionState.OPEN, PositionState.CLOSING):
            return
        tick = self.markets[position.symbol].tick_size
        # a buy stop rounds away from the market
        price = ceil_to_step(position.stop_price(self.exit_rule), tick)
        current = self._every_order.get(position.stop_order_id or -1)
        if current is not None and not current.done:
            if current.status in (OrderStatus.SUBMITTING, OrderStatus.IN_FLIGHT):
                return  # decided again when the venue has it
            same_qty = abs(current.qty - position.qty) <= EPS_QTY
            if same_qty and abs((current.price or 0.0) - price) < tick / 2:
                return
        order = self._new_order(
            position.symbol,
            Side.BUY,
            OrderType.STOP_MARKET,
            position.qty,
            price,
            True,
            position,
            STOP_PURPOSE,
        )
        position.stop_order_id = order.id
        self._save(position)
        replaces = current.id if current is not None and not current.done else None
        placed = StopPlaced(
            self.clock.now_ms(), position.id, position.symbol, order.view(), replaces
        )
        failure = self._record(placed)
        self._emit(placed)
        if failure is not None:
            self._emit(ErrorEvent(placed.ts_ms, f"{failure}: stop sent unjournaled", order.symbol))
        broker.submit(order)
        self._cancel(replaces)

    def _stop_ended(self, position: Position, order: Order, cancelled_by_us: bool) -> None:
        if position.stop_order_id == order.id:
            position.stop_order_id = None
            self._save(position)
        if cancelled_by_us or order.status is OrderStatus.FILLED or position.flat:
            return
        if order.reason.startswith(RATE_LIMITED):
            return  # refused for now: the next timer tick places it again
        why = order.reason or order.status.value
        now = self.clock.now_ms()
        if order.status is not OrderStatus.REJECTED and position.stop_losses < STOP_LOSSES:
            # gone without a refusal (never seen after a crash, ended by the venue):
            # placed again on the next tick, a few times at most
            position.stop_losses += 1
            self._emit(
                ErrorEvent(
                    now,
                    f"exchange-side stop of position {position.id} {order.status.value} "
                    f"({why}): placing it again",
                    position.symbol,
                )
            )
            return
        # refused: not asked again for this position, so a venue that will not take
        # it is not asked on every fill
        position.stop_refused = True
        self._emit(
            ErrorEvent(
                now,
                f"exchange-side stop of position {position.id} {order.status.value} ({why}): "
                "the software stop still applies",
                position.symbol,
            )
        )

    def exchange_stop(self, position: Position) -> float | None:
        """The trigger of the stop resting at the venue for `position`, if any."""
        order = self.orders.get(position.stop_order_id or -1)
        if order is None or order.status in (OrderStatus.SUBMITTING, OrderStatus.IN_FLIGHT):
            return None
        return order.price

    def _view(self, position: Position) -> PositionView:
        return position.view(
            self.books.get(position.symbol), self.exit_rule, self.exchange_stop(position)
        )
