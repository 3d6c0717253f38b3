"""Orders and positions as the engine tracks them, and the exit rule."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.candles import CandleBuilder
from scalp_tui.engine.pnl import close_price_for_ratio, profit_ratio, short_pnl
from scalp_tui.engine.protocol import (
    ExitReason,
    OrderStatus,
    OrderType,
    OrderView,
    PositionRecord,
    PositionState,
    PositionView,
    Side,
)

EPS_QTY = 1e-12


class Order:
    """An order the engine asked a broker to work."""

    __slots__ = (
        "avg_price",
        "broker",
        "filled",
        "id",
        "position_id",
        "price",
        "purpose",
        "qty",
        "reason",
        "reduce_only",
        "side",
        "status",
        "symbol",
        "type",
    )

    def __init__(
        self,
        id: int,
        symbol: str,
        side: Side,
        type: OrderType,
        qty: float,
        price: float | None,
        reduce_only: bool,
        broker: str,
        position_id: int | None,
        purpose: str,
    ) -> None:
        self.id = id
        self.symbol = symbol
        self.side = side
        self.type = type
        self.qty = qty
        self.price = price
        self.reduce_only = reduce_only
        self.broker = broker
        self.position_id = position_id
        self.purpose = purpose
        self.status = OrderStatus.SUBMITTING
        self.filled = 0.0
        self.avg_price = 0.0
        self.reason = ""

    @classmethod
    def from_view(cls, view: OrderView) -> Order:
        """An order journaled by an earlier run, as it stood then."""
        order = cls(
            view.id,
            view.symbol,
            view.side,
            view.type,
            view.qty,
            view.price,
            view.reduce_only,
            view.broker,
            view.position_id,
            view.purpose,
        )
        order.status, order.filled, order.avg_price = view.status, view.filled, view.avg_price
        return order

    @property
    def done(self) -> bool:
        return self.status.done

    def add_fill(self, price: float, qty: float) -> None:
        total = self.filled + qty
        self.avg_price = (self.avg_price * self.filled + price * qty) / total
        self.filled = total

    def view(self) -> OrderView:
        return OrderView(
            self.id,
            self.symbol,
            self.side,
            self.type,
            self.qty,
            self.price,
            self.reduce_only,
            self.broker,
            self.status,
            self.filled,
            self.avg_price,
            self.position_id,
            self.purpose,
            self.reason,
        )


@dataclass(frozen=True, slots=True)
class ExitRule:
    leverage: float
    taker_fee: float
    stop_loss: float
    profit_target: float  # target + buffer: the ratio at which the target exit fires
    timeout_ms: int
    reversal_threshold: float


class Position:
    """A short on one symbol with one broker, from entry order to last exit fill."""

    __slots__ = (
        "_rule",
        "_stop_px",
        "_target_px",
        "broker",
        "entry_fee",
        "entry_order_id",
        "entry_price",
        "exit_attempts",
        "exit_fee",
        "exit_notional",
        "exit_order_id",
        "exit_price",
        "exit_qty",
        "exit_reason",
        "forced_exit",
        "given_up",
        "id",
        "next_exit_ms",
        "opened_ms",
        "qty",
        "realised_pnl",
        "state",
        "symbol",
    )

    def __init__(self, id: int, symbol: str, broker: str, rule: ExitRule) -> None:
        self.id = id
        self.symbol = symbol
        self.broker = broker
        self.state = PositionState.OPENING
        self.qty = 0.0  # currently held
        self.entry_price = 0.0
        self.entry_fee = 0.0
        self.opened_ms: int | None = None
        self.entry_order_id: int | None = None
        self.exit_order_id: int | None = None
        self.exit_reason: ExitReason | None = None
        self.forced_exit: ExitReason | None = None  # manual or kill: overrides the rule
        self.exit_attempts = 0
        self.next_exit_ms = 0
        self.given_up = False
        self.exit_qty = 0.0
        self.exit_notional = 0.0
        self.exit_fee = 0.0
        self.exit_price: float | None = None
        self.realised_pnl: float | None = None
        self._rule = rule
        self._stop_px = math.inf
        self._target_px = -math.inf

    def record(self) -> PositionRecord:
        return PositionRecord(
            self.id,
            self.symbol,
            self.broker,
            self.state,
            self.qty,
            self.entry_price,
            self.entry_fee,
            self.opened_ms,
            self.entry_order_id,
            self.exit_order_id,
            self.exit_reason,
            self.forced_exit,
            self.exit_qty,
            self.exit_notional,
            self.exit_fee,
        )

    @classmethod
    def from_record(cls, record: PositionRecord, rule: ExitRule) -> Position:
        position = cls(record.id, record.symbol, record.broker, rule)
        position.state = record.state
        position.qty = record.qty
        position.entry_price = record.entry_price
        position.entry_fee = record.entry_fee
        position.opened_ms = record.opened_ms
        position.entry_order_id = record.entry_order_id
        position.exit_order_id = record.exit_order_id
        position.exit_reason = record.exit_reason
        position.forced_exit = record.forced_exit
        position.exit_qty = record.exit_qty
        position.exit_notional = record.exit_notional
        position.exit_fee = record.exit_fee
        if position.entry_price > 0.0:
            position._stop_px = position.stop_price(rule)
            position._target_px = position.target_price(rule)
        return position

    @property
    def entered_qty(self) -> float:
        return self.qty + self.exit_qty

    def add_entry_fill(self, price: float, qty: float, fee: float, ts_ms: int) -> bool:
        """Returns True on the first fill (the position just opened)."""
        first = self.qty <= EPS_QTY and self.opened_ms is None
        self.entry_price = (self.entry_price * self.qty + price * qty) / (self.qty + qty)
        self.qty += qty
        self.entry_fee += fee
        if first:
            self.opened_ms = ts_ms
            self.state = PositionState.OPEN
        self._stop_px = self.stop_price(self._rule)
        self._target_px = self.target_price(self._rule)
        return first

    def add_exit_fill(self, price: float, qty: float, fee: float) -> bool:
        """Returns True when this fill made the position flat."""
        qty = min(qty, self.qty)
        self.qty -= qty
        self.exit_qty += qty
        self.exit_notional += price * qty
        self.exit_fee += fee
        if self.qty <= EPS_QTY:
            self.qty = 0.0
            self.exit_price = self.exit_notional / self.exit_qty
            self.realised_pnl = (
                self.exit_qty * (self.entry_price - self.exit_price)
                - self.entry_fee
                - self.exit_fee
            )
            self.state = PositionState.CLOSED
            return True
        return False

    def mark(self, book: OrderBook, rule: ExitRule) -> tuple[float | None, float | None]:
        """(close price, profit ratio) if bought back now by walking the asks."""
        if self.qty <= EPS_QTY:
            return None, None
        filled, avg, _ = book.asks.walk(self.qty)
        if filled <= 0.0:
            return None, None
        ratio = profit_ratio(
            self.qty, self.entry_price, avg, rule.leverage, self._fee_in(), rule.taker_fee
        )
        return avg, ratio

    def due_exit(
        self, book: OrderBook, candles: CandleBuilder, rule: ExitRule, now_ms: int
    ) -> ExitReason | None:
        """The first exit reason that holds now, in DESIGN order."""
        if self.forced_exit is not None:
            return self.forced_exit
        if self.qty > EPS_QTY:
            # profit_ratio falls as the close price rises, so comparing the buy-back
            # price with the stop and target prices is the ratio test, done cheaply.
            filled, close, _ = book.asks.walk(self.qty)
            if filled > 0.0:
                if close >= self._stop_px:
                    return ExitReason.STOP_LOSS
                if close <= self._target_px:
                    return ExitReason.PROFIT_TARGET
        if self.opened_ms is not None and now_ms - self.opened_ms >= rule.timeout_ms:
            return ExitReason.TIMEOUT
        if candles.last_closed_rose():  # cheap, so it goes before the imbalance sum
            imbalance = book.imbalance
            if imbalance is not None and imbalance >= rule.reversal_threshold:
                return ExitReason.MARKET_REVERSAL
        return None

    def target_price(self, rule: ExitRule) -> float:
        return close_price_for_ratio(
            self.entry_price, rule.profit_target, rule.leverage, self._fee_in(), rule.taker_fee
        )

    def stop_price(self, rule: ExitRule) -> float:
        return close_price_for_ratio(
            self.entry_price, -rule.stop_loss, rule.leverage, self._fee_in(), rule.taker_fee
        )

    def _fee_in(self) -> float:
        if self.entry_price <= 0.0 or self.entered_qty <= 0.0:
            return 0.0
        return self.entry_fee / (self.entered_qty * self.entry_price)

    def view(self, book: OrderBook | None, rule: ExitRule) -> PositionView:
        close = ratio = pnl = None
        if book is not None and self.state is not PositionState.CLOSED:
            close, ratio = self.mark(book, rule)
            if close is not None:
                pnl = short_pnl(self.qty, self.entry_price, close, self._fee_in(), rule.taker_fee)
        priced = self.entry_price > 0.0
        return PositionView(
            id=self.id,
            symbol=self.symbol,
            broker=self.broker,
            state=self.state,
            qty=self.qty if self.state is not PositionState.CLOSED else self.exit_qty,
            entry_price=self.entry_price,
            opened_ms=self.opened_ms,
            entry_fee=self.entry_fee,
            close_price=close,
            profit_ratio=ratio,
            pnl=pnl,
            # cached on every entry fill: the same prices the exit check compares with
            target_price=self._target_px if priced else 0.0,
            stop_price=self._stop_px if priced else 0.0,
            timeout_ms=None if self.opened_ms is None else self.opened_ms + rule.timeout_ms,
            exit_reason=self.exit_reason,
            exit_price=self.exit_price,
            realised_pnl=self.realised_pnl,
            fees=self.entry_fee + self.exit_fee,
        )


def countdown_text(view: PositionView, now_ms: int) -> str:
    """Where a restored position's timeout stands."""
    if view.timeout_ms is None:
        return "entry order still working"
    left_s = (view.timeout_ms - now_ms) / 1000
    if left_s <= 0:
        return f"timeout passed {-left_s:.0f} s ago: closing"
    return f"timeout in {left_s:.0f} s"
