"""Positions as the engine tracks them, and the exit rule.

A position follows its fills (`add_entry_fill`, `add_exit_fill`): the quantity held,
its cost basis as the venue keeps it (an increase averages in, a reduction leaves it
unchanged), and the profit realised by each exit fill against that basis, so the
result equals the venue's whatever the order in which entry and exit fills arrive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.candles import CandleBuilder
from scalp_tui.engine.imbalance import ImbalanceWindow
from scalp_tui.engine.orders import EPS_QTY
from scalp_tui.engine.pnl import close_price_for_ratio, profit_ratio, short_pnl
from scalp_tui.engine.protocol import (
    ENTRY_TAG,
    ExitReason,
    PositionRecord,
    PositionState,
    PositionView,
)

PRICE_NOISE = 1e-12  # relative: far below any tick, far above float rounding


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
        "basis",
        "booked",
        "broker",
        "enter_tag",
        "entered_qty",
        "entry_fee",
        "entry_notional",
        "entry_order_id",
        "exit_attempts",
        "exit_fee",
        "exit_notional",
        "exit_order_id",
        "exit_price",
        "exit_qty",
        "exit_reason",
        "forced_exit",
        "funding_fees",
        "given_up",
        "id",
        "next_exit_ms",
        "opened_ms",
        "qty",
        "realised_gross",
        "realised_pnl",
        "state",
        "stop_losses",
        "stop_move_refused",
        "stop_moved",
        "stop_order_id",
        "stop_refused",
        "stop_replaces",
        "symbol",
        "target_moved",
    )

    def __init__(
        self, id: int, symbol: str, broker: str, rule: ExitRule, enter_tag: str = ENTRY_TAG
    ) -> None:
        self.id = id
        self.symbol = symbol
        self.broker = broker
        self.enter_tag = enter_tag  # the entry rule, or "manual"
        self.state = PositionState.OPENING
        self.qty = 0.0  # currently held
        self.basis = 0.0  # cost basis of what is held (the venue's entry price)
        self.entered_qty = 0.0  # every entry fill
        self.entry_notional = 0.0
        self.entry_fee = 0.0
        self.opened_ms: int | None = None
        self.entry_order_id: int | None = None
        self.exit_order_id: int | None = None
        self.stop_order_id: int | None = None  # the venue's resting stop
        self.stop_refused = False  # the venue would not take one: the software stop only
        self.stop_losses = 0  # stops that ended without a refusal, placed again
        # a new stop (stop_order_id) sent to replace this one, which is cancelled only
        # once the venue has the new one: never a moment without a stop
        self.stop_replaces: int | None = None
        # (qty, price) of a replacement the venue refused: not asked again as such
        self.stop_move_refused: tuple[float, float] | None = None
        # prices the trader moved the target and stop to (None: the rule's)
        self.target_moved: float | None = None
        self.stop_moved: float | None = None
        self.exit_reason: ExitReason | None = None
        self.forced_exit: ExitReason | None = None  # manual or kill: overrides the rule
        self.exit_attempts = 0
        self.next_exit_ms = 0
        self.given_up = False
        self.exit_qty = 0.0
        self.exit_notional = 0.0
        self.exit_fee = 0.0
        self.realised_gross = 0.0  # before fees
        # funding paid while open (quote; negative when received): 0 unless a broker
        # reports it (`add_funding`); none offline, where nobody charges funding
        self.funding_fees = 0.0
        self.exit_price: float | None = None
        self.realised_pnl: float | None = None
        self.booked: tuple[float, float, int] | None = None  # (pnl, fees, day) in totals
        self._rule = rule
        self._stop_px = math.inf
        self._target_px = -math.inf

    @property
    def entry_price(self) -> float:
        """The average of every entry fill (the trade's open rate)."""
        return self.entry_notional / self.entered_qty if self.entered_qty > 0.0 else 0.0

    @property
    def flat(self) -> bool:
        return abs(self.qty) <= EPS_QTY

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
            entered_qty=self.entered_qty,
            basis=self.basis,
            realised_gross=self.realised_gross,
            stop_order_id=self.stop_order_id,
            funding_fees=self.funding_fees,
            enter_tag=self.enter_tag,
            target_moved=self.target_moved,
            stop_moved=self.stop_moved,
        )

    @classmethod
    def from_record(cls, record: PositionRecord, rule: ExitRule) -> Position:
        position = cls(record.id, record.symbol, record.broker, rule)
        position.state = record.state
        position.qty = record.qty
        position.entry_fee = record.entry_fee
        position.opened_ms = record.opened_ms
        position.entry_order_id = record.entry_order_id
        position.exit_order_id = record.exit_order_id
        position.stop_order_id = record.stop_order_id
        position.funding_fees = record.funding_fees
        position.enter_tag = record.enter_tag
        position.target_moved = record.target_moved
        position.stop_moved = record.stop_moved
        position.exit_reason = record.exit_reason
        position.forced_exit = record.forced_exit
        position.exit_qty = record.exit_qty
        position.exit_notional = record.exit_notional
        position.exit_fee = record.exit_fee
        # journals from before cost-basis accounting: one basis for every fill
        entered = record.entered_qty
        position.entered_qty = record.qty + record.exit_qty if entered is None else entered
        position.entry_notional = record.entry_price * position.entered_qty
        position.basis = record.entry_price if record.basis is None else record.basis
        gross = record.realised_gross
        position.realised_gross = (
            record.exit_qty * record.entry_price - record.exit_notional if gross is None else gross
        )
        position._reprice()
        return position

    def add_entry_fill(self, price: float, qty: float, fee: float, ts_ms: int) -> bool:
        """Returns True on the first fill (the position just opened)."""
        first = self.opened_ms is None
        held = self.qty
        self.basis = (self.basis * held + price * qty) / (held + qty) if held > EPS_QTY else price
        self.qty += qty
        self.entered_qty += qty
        self.entry_notional += price * qty
        self.entry_fee += fee
        if first:
            self.opened_ms = ts_ms
        if self.state is PositionState.OPENING:
            self.state = PositionState.OPEN
        self._reprice()
        return first

    def add_exit_fill(self, price: float, qty: float, fee: float) -> bool:
        """Returns True when this fill made the position flat."""
        self.realised_gross += (self.basis - price) * qty
        self.qty -= qty
        self.exit_qty += qty
        self.exit_notional += price * qty
        self.exit_fee += fee
        if self.funding_fees:
            self._reprice()  # the funding is now spread over fewer units
        if self.flat:
            self.qty = 0.0
            return True
        return False

    # -- its life: OPENING -> OPEN -> CLOSING -> (OPEN ->) ... -> CLOSED ----------

    def begin_exit(self, reason: ExitReason, order_id: int) -> None:
        self.exit_reason = reason
        self.exit_order_id = order_id
        self.exit_attempts += 1
        self.state = PositionState.CLOSING

    def exit_over(self) -> None:
        """Its exit order ended: what is still held is exited again, or it closes."""
        self.exit_order_id = None
        self.state = PositionState.OPEN

    def drop(self) -> None:
        """Its entry ended with nothing filled: no position ever existed."""
        self.state = PositionState.CLOSED

    def reopen(self) -> None:
        """A fill showed it open after all (believed closed or never filled)."""
        self.state = PositionState.OPEN
        self.exit_price = self.realised_pnl = None
        self.next_exit_ms = 0

    def settle(self) -> None:
        """Flat and no order can add to it: the trade's result is final."""
        self.state = PositionState.CLOSED
        self.exit_price = self.exit_notional / self.exit_qty if self.exit_qty > 0.0 else None
        self.realised_pnl = self.realised_gross - self.entry_fee - self.exit_fee - self.funding_fees

    def add_funding(self, amount: float) -> None:
        """Funding paid (positive) or received (negative) while open, in quote: it
        counts in the pnl and the profit ratio, so the stop and target prices move."""
        self.funding_fees += amount
        self._reprice()

    def _reprice(self) -> None:
        if self.basis > 0.0:
            stop, target = self.stop_moved, self.target_moved
            self._stop_px = self.stop_price(self._rule) if stop is None else stop
            self._target_px = self.target_price(self._rule) if target is None else target

    # the buy-back prices at which the stop and the target exit: the trader's, else the rule's
    @property
    def stop_level(self) -> float:
        return self._stop_px

    @property
    def target_level(self) -> float:
        return self._target_px

    def move_level(self, level: str, price: float) -> None:
        """The trader's price for the target or the stop, from now on (journaled)."""
        if level == "stop":
            self.stop_moved = price
        else:
            self.target_moved = price
        self._reprice()

    def mark(self, book: OrderBook, rule: ExitRule) -> tuple[float | None, float | None]:
        """(close price, profit ratio) if bought back now by walking the asks."""
        if self.qty <= EPS_QTY:
            return None, None
        filled, avg, _ = book.asks.walk(self.qty)
        if filled <= 0.0:
            return None, None
        ratio = profit_ratio(
            self.qty,
            self.basis,
            avg,
            rule.leverage,
            self._fee_in(),
            rule.taker_fee,
            self.funding_fees,
        )
        return avg, ratio

    def due_exit(
        self,
        book: OrderBook,
        candles: CandleBuilder,
        rule: ExitRule,
        now_ms: int,
        imbalance: ImbalanceWindow,
    ) -> ExitReason | None:
        """The first exit reason that holds now, in the order of docs/trading-rules.md."""
        if self.forced_exit is not None:
            return self.forced_exit
        if self.qty > EPS_QTY:
            # profit_ratio falls as the close price rises, so comparing the buy-back
            # price with the stop and target prices is the ratio test, done cheaply.
            # A price level reached counts as reached: the walk's average of one level
            # can land a float's width short of a stop the trader put on that tick.
            filled, close, _ = book.asks.walk(self.qty)
            if filled > 0.0:
                if close * (1.0 + PRICE_NOISE) >= self._stop_px:
                    return ExitReason.STOP_LOSS
                if close * (1.0 - PRICE_NOISE) <= self._target_px:
                    return ExitReason.PROFIT_TARGET
        if self.opened_ms is not None and now_ms - self.opened_ms >= rule.timeout_ms:
            return ExitReason.TIMEOUT
        if candles.last_closed_rose():
            # the windowed mean, like the entry's: an adverse trend, not one update
            mean = imbalance.mean(now_ms)
            if mean is not None and mean >= rule.reversal_threshold:
                return ExitReason.MARKET_REVERSAL
        return None

    def target_price(self, rule: ExitRule) -> float:
        return self._price_for(rule.profit_target, rule)

    def stop_price(self, rule: ExitRule) -> float:
        return self._price_for(-rule.stop_loss, rule)

    def _price_for(self, ratio: float, rule: ExitRule) -> float:
        held = self.qty if self.qty > EPS_QTY else self.entered_qty
        per_qty = self.funding_fees / held if held > EPS_QTY else 0.0
        return close_price_for_ratio(
            self.basis, ratio, rule.leverage, self._fee_in(), rule.taker_fee, per_qty
        )

    def _fee_in(self) -> float:
        if self.entry_notional <= 0.0:
            return 0.0
        return self.entry_fee / self.entry_notional

    def view(
        self,
        book: OrderBook | None,
        rule: ExitRule,
        exchange_stop: float | None = None,
        **figures: object,  # what the engine knows: liquidation, the reversal's inputs
    ) -> PositionView:
        close = ratio = pnl = None
        if book is not None and self.state is not PositionState.CLOSED:
            close, ratio = self.mark(book, rule)
            if close is not None:
                pnl = short_pnl(
                    self.qty, self.basis, close, self._fee_in(), rule.taker_fee, self.funding_fees
                )
        priced = self.basis > 0.0
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
            exchange_stop_price=exchange_stop,
            funding_fees=self.funding_fees,
            enter_tag=self.enter_tag,
            target_moved=self.target_moved is not None,
            stop_moved=self.stop_moved is not None,
            leverage=rule.leverage,
            **figures,  # type: ignore[arg-type]
        )


def countdown_text(view: PositionView, now_ms: int) -> str:
    """Where a restored position's timeout stands."""
    if view.timeout_ms is None:
        return "entry order still working"
    left_s = (view.timeout_ms - now_ms) / 1000
    if left_s <= 0:
        return f"timeout passed {-left_s:.0f} s ago: closing"
    return f"timeout in {left_s:.0f} s"
