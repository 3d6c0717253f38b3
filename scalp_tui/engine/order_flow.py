"""The engine's side of order life: broker answers and fills, closing and reviving.

The engine routes; the models decide. A broker's status goes to `Order.apply` (which
refuses a step the order's life does not allow), a fill to `Order.apply_fill` and to
its position, whenever it arrives: a fill on an order believed cancelled or
rejected, or on a position believed closed, is still the venue's fact, so the
position opens again and is managed.
"""

from __future__ import annotations

from scalp_tui.engine.exits import Exits
from scalp_tui.engine.order_desk import STOP_PURPOSE
from scalp_tui.engine.orders import EPS_QTY, Order
from scalp_tui.engine.positions import Position
from scalp_tui.engine.protection import Protection
from scalp_tui.engine.protocol import (
    ErrorEvent,
    ExitReason,
    FillEvent,
    FundingApplied,
    OrderStatus,
    OrderUpdated,
    PositionClosed,
    PositionOpened,
    PositionState,
)


class OrderFlow(Exits, Protection):
    """Mixed into `Engine`: routes what brokers report to orders and positions."""

    # ---------------------------------------------------------- broker answers

    def on_order_status(self, order_id: int, status: OrderStatus, reason: str = "") -> None:
        order = self._every_order.get(order_id)
        if order is None or not order.apply(status, reason):
            return
        if status is OrderStatus.IN_FLIGHT:
            # the request left, as its intent said it would: nothing to decide, and
            # not worth an event on the order path (a restart treats a journaled
            # "submitting" order the same way)
            return
        self._announce(order)
        self._follow(order)

    def on_fill(
        self, order_id: int, price: float, qty: float, fee: float, liquidity: str, ts_ms: int
    ) -> None:
        order = self._every_order.get(order_id)
        if order is None or qty <= 0.0:
            return
        moved = order.apply_fill(price, qty, fee)
        self._emit(
            FillEvent(
                ts_ms, order_id, order.symbol, order.side, price, qty, fee, liquidity, order.broker
            )
        )
        if moved:  # the order's state before its position's: a journal keeps that order
            self._announce(order)
        position = self._position_of(order)
        if position is not None and position.state is PositionState.CLOSED:
            if order.purpose != "entry":
                # an exit fill after the close: it tells how a position the venue
                # no longer held ended, or it is reported and left to the trader
                self._late_exit_fill(position, order, price, qty, fee, ts_ms)
                if moved:
                    self._follow(order)
                return
            self._revive(position, order)
        if position is not None:
            if order.purpose == "entry":
                self._entry_filled(position, price, qty, fee, ts_ms)
            else:
                self._exit_filled(position, order, price, qty, fee)
        if moved:
            self._follow(order, ts_ms)
        if position is not None and position.flat:
            self._settle(position, ts_ms)

    def on_funding(self, broker: str, symbol: str, amount: float) -> int | None:
        """Funding charged (positive) or paid out (negative) by the venue for what this
        broker holds on `symbol`, in quote. It counts in the position's pnl and profit
        ratio, so its stop and target prices (and the venue's stop) move with it. Live
        it comes from the venue (execution/funding.py); offline nobody charges it.
        Returns the position it went to, None when this broker holds nothing there."""
        for position in self.positions.values():
            if position.broker == broker and position.symbol == symbol and not position.flat:
                position.add_funding(amount)
                self._save(position)
                now = self.clock.now_ms()
                self._emit(FundingApplied(now, position.id, symbol, amount, position.funding_fees))
                self._protect(position)
                return position.id
        return None

    def _entry_filled(
        self, position: Position, price: float, qty: float, fee: float, ts_ms: int
    ) -> None:
        opened = position.add_entry_fill(price, qty, fee, ts_ms)
        self._save(position)
        if opened:
            self._emit(PositionOpened(ts_ms, self._view(position)))
        if position.state is PositionState.CLOSING:
            self._cancel(position.entry_order_id)  # an exit is under way: no more
        self._protect(position)

    def _exit_filled(
        self, position: Position, order: Order, price: float, qty: float, fee: float
    ) -> None:
        flat = position.add_exit_fill(price, qty, fee)
        if flat and order.purpose == STOP_PURPOSE:
            position.exit_reason = ExitReason.STOP_LOSS_ON_EXCHANGE
        self._save(position)

    def _announce(self, order: Order) -> None:
        now = self.clock.now_ms()
        self._emit(OrderUpdated(now, order.view()))
        if order.status is OrderStatus.REJECTED:
            self._emit(
                ErrorEvent(
                    now,
                    f"order {order.id} ({order.purpose}) rejected: {order.reason}",
                    order.symbol,
                )
            )

    def _follow(self, order: Order, ts_ms: int | None = None) -> None:
        """Consequences of an order's new status for its position."""
        position = self._position_of(order)
        if not order.done:
            self.orders[order.id] = order  # working (again: the venue had it after all)
            if position is not None and order.purpose == STOP_PURPOSE:
                self._stop_working(position, order)
            return
        if self.orders.pop(order.id, None) is None:
            return  # it had ended before (a fill raced the cancel): nothing new to decide
        self._order_entry_deadline.pop(order.id, None)
        cancelled_by_us = order.id in self._cancel_requested or (
            self.killed and order.status is OrderStatus.CANCELED
        )
        self._cancel_requested.discard(order.id)
        if position is None or position.state is PositionState.CLOSED:
            return
        if order.purpose == STOP_PURPOSE:
            self._stop_ended(position, order, cancelled_by_us)
        elif order.purpose == "entry":
            if position.entered_qty <= EPS_QTY:
                self._drop(position)
            elif position.flat:
                self._settle(position, ts_ms)
            elif self.killed and position.state is PositionState.OPEN:
                self._kill_position(position)
        elif order.id == position.exit_order_id:
            if position.flat:
                # closed unless the entry's rest is still being cancelled; a late
                # fill of it is then exited like any other holding
                position.exit_over()
                self._settle(position, ts_ms)
            elif order.status is OrderStatus.FILLED:
                # more was entered while it worked: exit the rest at once
                position.exit_over()
                position.next_exit_ms = 0
                self._save(position)
            else:
                self._exit_failed(position, order.reason or order.status.value, cancelled_by_us)

    # ------------------------------------------------------- closing, reviving

    def _settle(self, position: Position, ts_ms: int | None = None) -> None:
        """Close a flat position once its entry can add nothing more."""
        if position.state is PositionState.CLOSED or not position.flat:
            return
        if position.entry_order_id in self.orders:
            self._cancel(position.entry_order_id)  # its cancel brings us back here
            return
        self._cancel(position.exit_order_id)  # e.g. the venue's stop closed it first
        self._cancel(position.stop_order_id)
        self._cancel(position.stop_replaces)
        position.settle()
        # closed when its last fill traded (book time on paper, the venue's live)
        self._close(position, self.clock.now_ms() if ts_ms is None else ts_ms)

    def _close(self, position: Position, ts_ms: int) -> None:
        self._end_position(position)
        self._file_trade(position, ts_ms)
        if self.killed and position.forced_exit is ExitReason.KILL_SWITCH:
            self._report_kill("flattening")

    def _drop(self, position: Position) -> None:
        """An entry that never filled: no position ever existed."""
        self._end_position(position)
        position.drop()
        self._save(position)
        self.entries -= 1

    def _end_position(self, position: Position) -> None:
        """No longer managed (a late fill may still revive it); its symbol is free
        once no other position holds it."""
        del self.positions[position.id]
        self._ended[position.id] = position
        if self._busy.get(position.symbol) == "position" and not any(
            p.symbol == position.symbol for p in self.positions.values()
        ):
            del self._busy[position.symbol]

    def _file_trade(self, position: Position, ts_ms: int) -> None:
        """The closed trade into the totals, the journal and the frontends."""
        self.closed.append(position)
        self._book_close(position)
        self._save(position)
        self._emit(PositionClosed(ts_ms, position.view(None, self.exit_rule)))

    def _late_exit_fill(
        self, position: Position, order: Order, price: float, qty: float, fee: float, ts_ms: int
    ) -> None:
        now = self.clock.now_ms()
        if position.exit_reason is not ExitReason.RECONCILED:
            self._emit(
                ErrorEvent(
                    now,
                    f"a fill of order {order.id} ({order.purpose}, {qty:g} @ {price:g}) arrived "
                    f"after position {position.id} had closed: check the exchange",
                    position.symbol,
                )
            )
            return
        # closed as reconciled (the venue held nothing at a check): this fill is how
        # it ended, so the trade takes its price, result and reason
        self._unbook(position)
        self.closed.remove(position)
        position.qty = position.entered_qty - position.exit_qty
        if position.add_exit_fill(price, qty, fee):
            position.exit_reason = ExitReason(order.purpose)
        position.qty = 0.0
        position.settle()
        self._file_trade(position, ts_ms)

    def _revive(self, position: Position, order: Order) -> None:
        """A fill for a position believed closed or never filled: it is open after all."""
        if position.booked is None and position.entered_qty <= EPS_QTY:
            self.entries += 1  # it had been dropped as never filled
        if position in self.closed:
            self.closed.remove(position)
            self._unbook(position)
        del self._ended[position.id]
        position.reopen()
        self.positions[position.id] = position
        self._busy[position.symbol] = "position"
        self._emit(
            ErrorEvent(
                self.clock.now_ms(),
                f"a fill of order {order.id} ({order.purpose}) arrived after position "
                f"{position.id} had ended: it is managed again",
                position.symbol,
            )
        )
