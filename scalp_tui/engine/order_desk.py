"""What the engine's order-handling parts share: its state, as they see it, and the
small steps all of them take (make, track, cancel an order; save a position)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.candles import CandleBuilder
from scalp_tui.engine.clock import Clock
from scalp_tui.engine.imbalance import ImbalanceWindow
from scalp_tui.engine.orders import Order
from scalp_tui.engine.params import EngineParams
from scalp_tui.engine.positions import ExitRule, Position
from scalp_tui.engine.protocol import (
    ConditionResult,
    Event,
    ExitReason,
    FeedStatus,
    MarketInfo,
    Mode,
    OrderType,
    PositionSaved,
    PositionView,
    ProposalView,
    Side,
    TradeTick,
)
from scalp_tui.engine.risk import RiskLimits
from scalp_tui.engine.signal import EntryRule

if TYPE_CHECKING:
    from scalp_tui.engine.broker import Broker

# Backoff cap between attempts to exit a position whose exit order was rejected.
MAX_EXIT_BACKOFF_MS = 30_000
STOP_PURPOSE = ExitReason.STOP_LOSS_ON_EXCHANGE.value


class OrderDesk:
    """Mixed into `Engine` (through its parts); the attributes below are the engine's,
    the callables its parts' (each part calls the others through these)."""

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
    mode: Mode
    broker_name: str  # where new entries go
    entries_enabled: bool
    paused_by_journal: bool  # entries were paused by a journal write failure
    feed: FeedStatus
    feed_live: bool
    human_clock: Clock
    limits: RiskLimits
    entry_rule: EntryRule
    imbalance: dict[str, ImbalanceWindow]
    last_price: dict[str, float]
    proposals: dict[int, ProposalView]
    alerts: dict[str, str]
    book_updates: int
    updates_per_s: int
    latency_ms: dict[str, int]
    recent_trades: dict[str, deque[TradeTick]]
    feed_reconnects: int
    updates_in_last_second: Callable[[int], int]
    entries: int
    restored: int
    _pnl_today: float
    _fees_today: float
    _divergent: dict[str, str]
    _cooldown_until: dict[str, int]
    _sizing_reported: set[str]
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
    _roll_day: Callable[[], None]
    _gate: Callable[..., tuple[str, str] | None]
    _conditions: Callable[[str], tuple[ConditionResult, ...]]
    _propose: Callable[..., None]
    _submit_entry: Callable[..., None]
    _resolve_proposal: Callable[[ProposalView, str, str], None]
    _submit_exit: Callable[[Position, ExitReason], None]
    _settle: Callable[..., None]
    _close: Callable[[Position, int], None]
    _view: Callable[[Position], PositionView]
    _protect: Callable[[Position], None]
    summary: Callable[[], dict[str, object]]

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
