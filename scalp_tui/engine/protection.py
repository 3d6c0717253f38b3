"""The exchange-side stop: one reduce-only stop resting at the venue for what a live
position holds, so the short is protected while this program is not running."""

from __future__ import annotations

from scalp_tui.engine.broker import RATE_LIMITED
from scalp_tui.engine.order_desk import STOP_PURPOSE, OrderDesk
from scalp_tui.engine.orders import EPS_QTY, Order
from scalp_tui.engine.pnl import ceil_to_step
from scalp_tui.engine.position_figures import DEFAULT_MAINTENANCE_MARGIN_RATE, liquidation_price
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
        or the price changes (the old one is cancelled only once the venue has the new
        one, so the short is never without one; if the venue refuses the new one, the
        old one stays)."""
        broker = self.brokers[position.broker]
        if not (self.params.stoploss_on_exchange and broker.protective_stops):
            return
        if position.stop_refused or position.qty <= EPS_QTY or position.basis <= 0.0:
            return
        if position.state not in (PositionState.OPEN, PositionState.CLOSING):
            return
        tick = self.markets[position.symbol].tick_size
        # a buy stop rounds away from the market
        price = ceil_to_step(position.stop_level, tick)
        current = self._every_order.get(position.stop_order_id or -1)
        if current is not None and not current.done:
            if current.status in (OrderStatus.SUBMITTING, OrderStatus.IN_FLIGHT):
                return  # decided again when the venue has it
            same_qty = abs(current.qty - position.qty) <= EPS_QTY
            if same_qty and abs((current.price or 0.0) - price) < tick / 2:
                return
            if position.stop_move_refused == (position.qty, price):
                return  # refused as such once: the old stop stays until something changes
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
        position.stop_replaces = replaces
        broker.submit(order)

    def _stop_working(self, position: Position, order: Order) -> None:
        """A stop of `position` is working at the venue: the one it replaces goes."""
        if order.id != position.stop_order_id:
            return
        if order.status in (OrderStatus.SUBMITTING, OrderStatus.IN_FLIGHT):
            return
        if position.stop_replaces is not None:
            self._cancel(position.stop_replaces)
            position.stop_replaces = None
            position.stop_move_refused = None
        self._protect(position)  # the quantity or the price may have changed meanwhile

    def _replacement_ended(self, position: Position, order: Order, cancelled_by_us: bool) -> bool:
        """A stop sent to replace another ended before the venue took it: the old one
        stays the position's stop (and says so), or goes too when we withdrew both.
        False when `order` was no such replacement."""
        old_id = position.stop_replaces
        if order.id != position.stop_order_id or old_id is None:
            return False
        position.stop_replaces = None
        old = self.orders.get(old_id)
        if cancelled_by_us or order.status is OrderStatus.FILLED or old is None:
            self._cancel(old_id)
            return False
        position.stop_order_id = old_id
        position.stop_move_refused = (order.qty, order.price or 0.0)
        self._save(position)
        self._emit(
            ErrorEvent(
                self.clock.now_ms(),
                f"moving the exchange-side stop of position {position.id} to "
                f"{order.price:g} failed ({order.reason or order.status.value}): the stop "
                f"at {old.price:g} stays",
                position.symbol,
            )
        )
        return True

    def _stop_ended(self, position: Position, order: Order, cancelled_by_us: bool) -> None:
        if order.id == position.stop_replaces:
            position.stop_replaces = None  # replaced already: its successor protects
            return
        if self._replacement_ended(position, order, cancelled_by_us):
            return
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
        symbol = position.symbol
        known = self.params.maintenance_margin_rate
        rate = DEFAULT_MAINTENANCE_MARGIN_RATE if known is None else known
        liquidation = (
            liquidation_price(position.basis, self.exit_rule.leverage, rate)
            if position.basis > 0.0
            else None
        )
        candles = self.candles.get(symbol)
        window = self.imbalance.get(symbol)
        return position.view(
            self.books.get(symbol),
            self.exit_rule,
            self.exchange_stop(position),
            liquidation_price=liquidation,
            maintenance_margin_rate=rate,
            maintenance_margin_known=known is not None,
            reversal_imbalance=window.mean(self.clock.now_ms()) if window else None,
            reversal_threshold=self.exit_rule.reversal_threshold,
            reversal_candle_rose=bool(candles and candles.last_closed_rose()),
        )
