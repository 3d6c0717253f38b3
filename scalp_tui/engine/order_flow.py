"""The engine's side of order life: exits, broker answers, fills, exchange-side stops.

The engine routes; the models decide. A broker's status goes to `Order.apply` (which
refuses a step the order's life does not allow), a fill to `Order.apply_fill` and to
its position, whenever it arrives: a fill on an order believed cancelled or
rejected, or on a position believed closed, is still the venue's fact, so the
position opens again and is managed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.broker import RATE_LIMITED
from scalp_tui.engine.candles import CandleBuilder
from scalp_tui.engine.clock import Clock
from scalp_tui.engine.orders import EPS_QTY, Order
from scalp_tui.engine.params import EngineParams
from scalp_tui.engine.positions import ExitRule, Position
from scalp_tui.engine.protocol import (
    ErrorEvent,
    Event,
    ExitReason,
    ExitTriggered,
    FillEvent,
    MarketInfo,
    OrderStatus,
    OrderType,
    OrderUpdated,
    PositionClosed,
    PositionOpened,
    PositionSaved,
    PositionState,
    PositionView,
    Side,
    StopPlaced,
)

if TYPE_CHECKING:
    from scalp_tui.engine.broker import Broker

# Backoff cap between attempts to exit a position whose exit order was rejected.
MAX_EXIT_BACKOFF_MS = 30_000
STOP_PURPOSE = ExitReason.STOP_LOSS_ON_EXCHANGE.value


class OrderFlow:
    """Mixed into `Engine`; the attributes below are the engine's."""

    params: EngineParams
    clock: Clock
    markets: dict[str, MarketInfo]
    brokers: dict[str, Broker]
    books: dict[str, OrderBook]
    candles: dict[str, CandleBuilder]
    exit_rule: ExitRule
    positions: dict[int, Position]
    closed: list[Position]
    orders: dict[int, Order]  # working: not yet done
    killed: bool
    entries: int
    _busy: dict[str, str]
    _order_entry_deadline: dict[int, int]
    _cancel_requested: set[int]
    _emit: Callable[[Event], None]
    _record: Callable[[Event], str | None]
    _new_id: Callable[[], int]
    _kill_position: Callable[[Position], None]
    _report_kill: Callable[[str], None]
    _book_close: Callable[[Position], None]
    _unbook: Callable[[Position], None]
    pause_entries: Callable[[str], None]

    def _init_order_flow(self) -> None:
        self._every_order: dict[int, Order] = {}  # this run's, done or not: late fills
        self._ended: dict[int, Position] = {}  # closed or dropped: a late fill revives

    def _save(self, position: Position) -> None:
        self._emit(PositionSaved(self.clock.now_ms(), position.record()))

    def _new_order(
        self,
        symbol: str,
        side: Side,
        type_: OrderType,
        qty: float,
        price: float | None,
        reduce_only: bool,
        position: Position,
        purpose: str,
    ) -> Order:
        order = Order(
            self._new_id(),
            symbol,
            side,
            type_,
            qty,
            price,
            reduce_only,
            position.broker,
            position.id,
            purpose,
        )
        self.orders[order.id] = order
        self._every_order[order.id] = order
        return order

    def _track(self, order: Order) -> None:
        """An order known from before this start, still working."""
        self.orders[order.id] = order
        self._every_order[order.id] = order

    def _cancel(self, order_id: int | None) -> None:
        """Withdraw a working order; its end is then no failure."""
        order = self.orders.get(order_id) if order_id is not None else None
        if order is not None and order.id not in self._cancel_requested:
            self._cancel_requested.add(order.id)
            self.brokers[order.broker].cancel(order.id)

    def _position_of(self, order: Order) -> Position | None:
        if order.position_id is None:
            return None
        return self.positions.get(order.position_id) or self._ended.get(order.position_id)

    # -------------------------------------------------------------------- exits

    def _check_exits(self, symbol: str) -> None:
        book = self.books[symbol]
        now = self.clock.now_ms()
        candles = self.candles[symbol]
        for position in list(self.positions.values()):
            if position.symbol != symbol:
                continue
            if position.state is PositionState.CLOSING:
                self._supersede_resting_exit(position, book, candles, now)
                continue
            if position.state is not PositionState.OPEN:
                continue
            if now < position.next_exit_ms or position.given_up or position.flat:
                continue  # flat: only an entry's unfilled rest, being cancelled
            reason = position.due_exit(book, candles, self.exit_rule, now)
            if reason is not None:
                self._submit_exit(position, reason)

    def _supersede_resting_exit(
        self, position: Position, book: OrderBook, candles: CandleBuilder, now: int
    ) -> None:
        """A profit-target limit that has not filled yields to any later exit reason:
        cancel it, and the cancel confirmation re-opens the position for that exit."""
        if position.exit_reason is not ExitReason.PROFIT_TARGET:
            return
        reason = position.due_exit(book, candles, self.exit_rule, now)
        if reason is not None and reason is not ExitReason.PROFIT_TARGET:
            self._cancel(position.exit_order_id)

    def _submit_exit(self, position: Position, reason: ExitReason) -> None:
        if position.flat:
            return  # nothing held yet: the entry's cancel settles it
        book = self.books[position.symbol]
        _, ratio = position.mark(book, self.exit_rule)
        position.exit_reason = reason
        position.state = PositionState.CLOSING
        position.exit_attempts += 1
        # the exit closes what is held; the entry's unfilled rest must not add to it
        self._cancel(position.entry_order_id)
        if reason is ExitReason.PROFIT_TARGET:
            # A marketable limit at the last ask level the close needs: it takes the
            # target now and never pays more if the book moves before it lands.
            _, _, worst = book.asks.walk(position.qty)
            type_, price = OrderType.LIMIT, worst
        else:
            type_, price = OrderType.MARKET, None
        order = self._new_order(
            position.symbol, Side.BUY, type_, position.qty, price, True, position, reason.value
        )
        position.exit_order_id = order.id
        self._save(position)
        triggered = ExitTriggered(
            self.clock.now_ms(), position.id, position.symbol, reason, ratio, order.view()
        )
        failure = self._record(triggered)
        self._emit(triggered)
        if failure is not None:
            # The exit goes out anyway: holding risk is worse than a journal gap, and a
            # restart reconciles a live position with the exchange.
            self.pause_entries(f"{failure}: exit of position {position.id} sent unjournaled")
        self.brokers[position.broker].submit(order)

    def _exit_failed(self, position: Position, why: str, cancelled_by_us: bool) -> None:
        """An exit order ended without flattening: back off, then try again."""
        position.state = PositionState.OPEN
        self._save(position)
        now = self.clock.now_ms()
        if cancelled_by_us:
            # We withdrew it to exit another way (kill switch, a later reason): no
            # failure, no backoff; the next check sends the new exit.
            position.next_exit_ms = 0
            return
        if position.forced_exit is ExitReason.KILL_SWITCH:
            if position.exit_attempts >= self.params.kill_switch_max_attempts:
                position.given_up = True
                self._emit(
                    ErrorEvent(
                        now,
                        f"kill switch gave up on position {position.id} after "
                        f"{position.exit_attempts} attempts ({why}); still open "
                        f"{position.qty:g}",
                        position.symbol,
                    )
                )
                self._report_kill("gave up")
                return
            delay = int(
                self.params.kill_switch_backoff_s * 1000 * 2 ** (position.exit_attempts - 1)
            )
        else:
            delay = min(MAX_EXIT_BACKOFF_MS, 500 * 2 ** (position.exit_attempts - 1))
        position.next_exit_ms = now + delay
        self._emit(
            ErrorEvent(
                now,
                f"exit of position {position.id} failed ({why}); retrying in {delay} ms",
                position.symbol,
            )
        )

    # ---------------------------------------------------------- broker answers

    def on_order_status(self, order_id: int, status: OrderStatus, reason: str = "") -> None:
        order = self._every_order.get(order_id)
        if order is not None and order.apply(status, reason):
            self._announce(order)
            self._follow(order)

    def on_fill(
        self, order_id: int, price: float, qty: float, fee: float, liquidity: str, ts_ms: int
    ) -> None:
        order = self._every_order.get(order_id)
        if order is None or qty <= 0.0:
            return
        moved = order.apply_fill(price, qty)
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
            self._follow(order)
        if position is not None and position.flat:
            self._settle(position)

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

    def _follow(self, order: Order) -> None:
        """Consequences of an order's new status for its position."""
        position = self._position_of(order)
        if not order.done:
            self.orders[order.id] = order  # working (again: the venue had it after all)
            if position is not None and order.id == position.stop_order_id:
                self._protect(position)  # the quantity may have grown meanwhile
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
                self._settle(position)
            elif self.killed and position.state is PositionState.OPEN:
                self._kill_position(position)
        elif order.id == position.exit_order_id:
            position.exit_order_id = None
            if position.flat:
                # closed unless the entry's rest is still being cancelled; a late
                # fill of it is then exited like any other holding
                position.state = PositionState.OPEN
                self._settle(position)
            elif order.status is OrderStatus.FILLED:
                # more was entered while it worked: exit the rest at once
                position.state = PositionState.OPEN
                position.next_exit_ms = 0
                self._save(position)
            else:
                self._exit_failed(position, order.reason or order.status.value, cancelled_by_us)

    # ------------------------------------------------------- closing, reviving

    def _settle(self, position: Position) -> None:
        """Close a flat position once its entry can add nothing more."""
        if position.state is PositionState.CLOSED or not position.flat:
            return
        if position.entry_order_id in self.orders:
            self._cancel(position.entry_order_id)  # its cancel brings us back here
            return
        self._cancel(position.exit_order_id)  # e.g. the venue's stop closed it first
        self._cancel(position.stop_order_id)
        position.settle()
        self._close(position, self.clock.now_ms())

    def _close(self, position: Position, ts_ms: int) -> None:
        del self.positions[position.id]
        self._ended[position.id] = position
        if self._busy.get(position.symbol) == "position" and not any(
            p.symbol == position.symbol for p in self.positions.values()
        ):
            del self._busy[position.symbol]
        self.closed.append(position)
        self._book_close(position)
        self._save(position)
        self._emit(PositionClosed(ts_ms, position.view(None, self.exit_rule)))
        if self.killed and position.forced_exit is ExitReason.KILL_SWITCH:
            self._report_kill("flattening")

    def _drop(self, position: Position) -> None:
        """An entry that never filled: no position ever existed."""
        del self.positions[position.id]
        self._ended[position.id] = position
        position.state = PositionState.CLOSED
        self._save(position)
        self.entries -= 1
        if self._busy.get(position.symbol) == "position":
            del self._busy[position.symbol]

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
        self.closed.append(position)
        self._book_close(position)
        self._save(position)
        self._emit(PositionClosed(ts_ms, position.view(None, self.exit_rule)))

    def _revive(self, position: Position, order: Order) -> None:
        """A fill for a position believed closed or never filled: it is open after all."""
        if position.booked is None and position.entered_qty <= EPS_QTY:
            self.entries += 1  # it had been dropped as never filled
        if position in self.closed:
            self.closed.remove(position)
            self._unbook(position)
        del self._ended[position.id]
        position.state = PositionState.OPEN
        position.exit_price = position.realised_pnl = None
        position.next_exit_ms = 0
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

    # ---------------------------------------------------- exchange-side stops

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
        price = _ceil_to_tick(position.stop_price(self.exit_rule), tick)
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
        # refused, or ended by the venue without closing us: not tried again for this
        # position, so a venue that will not take it is not asked on every fill
        position.stop_refused = True
        why = order.reason or order.status.value
        self._emit(
            ErrorEvent(
                self.clock.now_ms(),
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


def _ceil_to_tick(price: float, tick: float) -> float:
    """A buy stop rounded away from the market (up) to the venue's tick."""
    if tick <= 0.0:
        return price
    steps = math.ceil(price / tick - 1e-9)
    return round(steps * tick, 12)
