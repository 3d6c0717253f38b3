"""The engine's boundary: market data in, Commands in, Events and Snapshots out.

Everything here is a plain frozen dataclass of primitives, tuples and other such
dataclasses, so it can be logged, compared in tests, or sent across a process
boundary unchanged (`to_dict`). Frontends only ever see these types.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

# ---------------------------------------------------------------------------
# Enumerations
# ---------------------------------------------------------------------------


class Mode(StrEnum):
    AUTO = "auto"
    CONFIRM = "confirm"


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP_MARKET = "stop_market"  # rests at the venue; a market order once `price` trades


class OrderStatus(StrEnum):
    """An order's life (engine/orders.py holds the transitions). Only the venue's
    answer, or a reconciliation after a grace period, ends an order."""

    SUBMITTING = "submitting"  # created by the engine, not yet handed to a venue
    IN_FLIGHT = "in_flight"  # request sent, no answer yet: it may still land
    ACCEPTED = "accepted"  # working at the venue, nothing filled
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"  # ended by the venue (market rest, time in force) or never seen

    @classmethod
    def _missing_(cls, value: object) -> OrderStatus | None:
        # journals written before the state machine
        return {"pending": cls.IN_FLIGHT, "open": cls.ACCEPTED}.get(str(value))

    @property
    def done(self) -> bool:
        return self in _DONE


_DONE = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)


class PositionState(StrEnum):
    OPENING = "opening"  # entry order sent, nothing filled yet
    OPEN = "open"
    CLOSING = "closing"  # an exit order is working
    CLOSED = "closed"


class ExitReason(StrEnum):
    STOP_LOSS = "short_scalp_stop_loss"
    PROFIT_TARGET = "short_scalp_profit_target"
    TIMEOUT = "short_scalp_timeout"
    MARKET_REVERSAL = "short_scalp_market_reversal"
    STOP_LOSS_ON_EXCHANGE = "stop_loss_on_exchange"  # the venue's resting stop filled
    MANUAL = "manual_exit"
    KILL_SWITCH = "kill_switch"
    RECONCILED = "reconciled"


class FeedState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    RESYNCING = "resyncing"
    STALE = "stale"
    DOWN = "down"


ENTRY_TAG = "661"

# ---------------------------------------------------------------------------
# Market data (feed -> engine)
# ---------------------------------------------------------------------------

Level = tuple[float, float]  # (price, quantity); quantity 0 in a delta removes the level


@dataclass(frozen=True, slots=True)
class MarketInfo:
    """What the engine must know about a symbol to size and price orders."""

    symbol: str
    tick_size: float
    lot_size: float  # quantity step, base units (the venue's amount step x contract size)
    min_qty: float  # base units
    contract_size: float = 1.0  # base units per contract: for the venue boundary only


@dataclass(frozen=True, slots=True)
class BookUpdate:
    """A change to one symbol's L2 book.

    `snapshot=True` replaces the whole book with `bids`/`asks`; otherwise each level
    sets the quantity at its price (0 removes it). Bids best-first is not required.
    `update_id` is the venue's final update id for this change when it has one (Binance
    `u`, a snapshot's `lastUpdateId`), so a replay can be lined up with the venue's.
    """

    symbol: str
    ts_ms: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    snapshot: bool = False
    update_id: int | None = None


@dataclass(frozen=True, slots=True)
class TradeTick:
    symbol: str
    ts_ms: int
    price: float
    qty: float
    taker_side: Side  # SELL: a seller hit the bid


@dataclass(frozen=True, slots=True)
class Candle:
    start_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float  # base units
    # not watched from its start (the engine started mid-period without the venue's
    # figures for it): its volume and open are unknown, so the rules never count it
    partial: bool = False


@dataclass(frozen=True, slots=True)
class FeedStatus:
    state: FeedState
    symbol: str | None = None  # None: the whole feed
    detail: str = ""
    resyncs: int = 0
    msgs_per_s: float = 0.0


MarketEvent = BookUpdate | TradeTick | FeedStatus

# ---------------------------------------------------------------------------
# Commands (frontend -> engine)
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AcceptProposal:
    proposal_id: int


@dataclass(frozen=True, slots=True)
class RejectProposal:
    proposal_id: int


@dataclass(frozen=True, slots=True)
class EngageKillSwitch:
    source: str = "user"


@dataclass(frozen=True, slots=True)
class ResetKillSwitch:
    pass


@dataclass(frozen=True, slots=True)
class SetMode:
    mode: Mode


@dataclass(frozen=True, slots=True)
class SetEntriesEnabled:
    enabled: bool


@dataclass(frozen=True, slots=True)
class SetBroker:
    """Route *new* entries to `broker` ("paper" or "live"); open positions keep theirs."""

    broker: str


@dataclass(frozen=True, slots=True)
class ClosePosition:
    position_id: int


Command = (
    AcceptProposal
    | RejectProposal
    | EngageKillSwitch
    | ResetKillSwitch
    | SetMode
    | SetEntriesEnabled
    | SetBroker
    | ClosePosition
)


@dataclass(frozen=True, slots=True)
class CommandResult:
    ok: bool
    message: str = ""


# ---------------------------------------------------------------------------
# Signal evaluation
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConditionResult:
    """One entry condition: its live value against its threshold."""

    name: str  # e.g. "spread"
    value: float | None  # None when not yet known (no closed candle, empty book)
    threshold: float
    op: str  # "<", ">", "<=", "is"
    passed: bool
    label: str  # human-readable, e.g. "spread < min_spread"


@dataclass(frozen=True, slots=True)
class SignalState:
    symbol: str
    conditions: tuple[ConditionResult, ...]
    signal: bool  # every market condition passes
    blocked_by: str | None  # first engine gate that blocks an entry, None when free
    block_reason: str  # human explanation of `blocked_by`

    @property
    def ready(self) -> bool:
        return self.signal and self.blocked_by is None


# ---------------------------------------------------------------------------
# Events (engine -> frontends)
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderView:
    id: int
    symbol: str
    side: Side
    type: OrderType
    qty: float
    price: float | None
    reduce_only: bool
    broker: str
    status: OrderStatus
    filled: float
    avg_price: float
    position_id: int | None
    purpose: str  # "entry" or an ExitReason value
    reason: str = ""  # rejection or cancel reason
    fee: float = 0.0  # fees of its fills so far, quote currency

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OrderView:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["side"] = Side(fields["side"])
        fields["type"] = OrderType(fields["type"])
        fields["status"] = OrderStatus(fields["status"])
        return cls(**fields)


@dataclass(frozen=True, slots=True)
class PositionView:
    id: int
    symbol: str
    broker: str
    state: PositionState
    qty: float
    entry_price: float
    opened_ms: int | None  # first fill; None while OPENING
    entry_fee: float
    close_price: float | None  # what a buy-to-close of `qty` pays now
    profit_ratio: float | None
    pnl: float | None
    target_price: float
    stop_price: float
    timeout_ms: int | None  # absolute time of the timeout exit
    exit_reason: ExitReason | None = None
    exit_price: float | None = None
    realised_pnl: float | None = None
    fees: float = 0.0
    exchange_stop_price: float | None = None  # the venue's resting stop, when one works
    funding_fees: float = 0.0  # paid while open, quote currency; in pnl and profit_ratio


@dataclass(frozen=True, slots=True)
class ProposalView:
    id: int
    symbol: str
    price: float
    qty: float
    conditions: tuple[ConditionResult, ...]
    created_ms: int
    expires_ms: int


@dataclass(frozen=True, slots=True)
class EntrySubmitted:
    ts_ms: int
    position: PositionView
    order: OrderView
    mode: Mode


@dataclass(frozen=True, slots=True)
class PositionOpened:
    ts_ms: int
    position: PositionView


@dataclass(frozen=True, slots=True)
class PositionClosed:
    ts_ms: int
    position: PositionView  # exit_reason, exit_price and realised_pnl are set


@dataclass(frozen=True, slots=True)
class ExitTriggered:
    ts_ms: int
    position_id: int
    symbol: str
    reason: ExitReason
    profit_ratio: float | None
    order: OrderView | None = None  # the exit order about to be sent


@dataclass(frozen=True, slots=True)
class StopPlaced:
    """An exchange-side stop about to be sent for a position (journaled first)."""

    ts_ms: int
    position_id: int
    symbol: str
    order: OrderView  # price is the trigger
    replaces: int | None = None  # the stop it takes over from, cancelled once sent


@dataclass(frozen=True, slots=True)
class PositionRecord:
    """Everything about a position that must survive a restart (journaled on each
    change of it, never shown): a restarted engine rebuilds the position from it."""

    id: int
    symbol: str
    broker: str
    state: PositionState
    qty: float
    entry_price: float
    entry_fee: float
    opened_ms: int | None
    entry_order_id: int | None
    exit_order_id: int | None
    exit_reason: ExitReason | None
    forced_exit: ExitReason | None
    exit_qty: float
    exit_notional: float
    exit_fee: float
    # None in journals written before cost-basis accounting and exchange-side stops
    entered_qty: float | None = None
    basis: float | None = None  # cost basis of what is held
    realised_gross: float | None = None
    stop_order_id: int | None = None
    funding_fees: float = 0.0  # paid while open, quote currency (received: negative)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PositionRecord:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["state"] = PositionState(fields["state"])
        for key in ("exit_reason", "forced_exit"):
            fields[key] = ExitReason(fields[key]) if fields[key] else None
        return cls(**fields)


@dataclass(frozen=True, slots=True)
class PositionSaved:
    ts_ms: int
    record: PositionRecord


@dataclass(frozen=True, slots=True)
class PositionRestored:
    ts_ms: int
    position: PositionView
    detail: str


@dataclass(frozen=True, slots=True)
class OrderUpdated:
    ts_ms: int
    order: OrderView


@dataclass(frozen=True, slots=True)
class FillEvent:
    ts_ms: int  # book time of the fill
    order_id: int
    symbol: str
    side: Side
    price: float
    qty: float
    fee: float
    liquidity: str  # "maker" | "taker"
    broker: str


@dataclass(frozen=True, slots=True)
class ProposalCreated:
    ts_ms: int
    proposal: ProposalView


@dataclass(frozen=True, slots=True)
class ProposalResolved:
    ts_ms: int
    proposal_id: int
    symbol: str
    outcome: str  # "accepted" | "rejected" | "expired" | "refused" | "dropped"
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ModeChanged:
    ts_ms: int
    what: str  # "mode" | "broker" | "entries"
    value: str


@dataclass(frozen=True, slots=True)
class KillSwitchChanged:
    ts_ms: int
    engaged: bool
    still_open: tuple[int, ...] = ()  # position ids not yet flat
    detail: str = ""


@dataclass(frozen=True, slots=True)
class FeedChanged:
    ts_ms: int
    status: FeedStatus


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    ts_ms: int
    message: str
    symbol: str | None = None


@dataclass(frozen=True, slots=True)
class CandleClosed:
    ts_ms: int
    symbol: str
    candle: Candle


@dataclass(frozen=True, slots=True)
class FundingApplied:
    """Funding the venue charged on an open position, now in its pnl."""

    ts_ms: int
    position_id: int
    symbol: str
    amount: float  # this charge, quote: paid positive, received negative
    total: float  # the position's funding so far


Event = (
    EntrySubmitted
    | PositionOpened
    | PositionClosed
    | ExitTriggered
    | OrderUpdated
    | FillEvent
    | ProposalCreated
    | ProposalResolved
    | ModeChanged
    | KillSwitchChanged
    | FeedChanged
    | ErrorEvent
    | CandleClosed
    | PositionSaved
    | PositionRestored
    | StopPlaced
    | FundingApplied
)

# ---------------------------------------------------------------------------
# Snapshot (engine -> frontends, on demand)
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SymbolSnapshot:
    symbol: str
    bids: tuple[Level, ...]  # best first
    asks: tuple[Level, ...]  # best first
    best_bid: float | None
    best_ask: float | None
    mid: float | None
    spread: float | None
    imbalance: float | None  # instantaneous, this update's top-N
    book_age_ms: int | None
    last_price: float | None
    last_closed_volume: float | None  # of the last *whole* closed candle: the rule's
    forming_volume: float
    closed_candles: tuple[Candle, ...]  # each says whether it is partial
    signal: SignalState
    tick_size: float
    # the time-weighted mean over the trailing window: what the rules compare
    imbalance_mean: float | None = None
    imbalance_window_s: float = 0.0
    forming_partial: bool = False  # the forming candle began before the engine watched


@dataclass(frozen=True, slots=True)
class Snapshot:
    ts_ms: int
    mode: Mode
    broker: str  # where new entries go
    entries_enabled: bool
    killed: bool
    realised_pnl_today: float
    fees_today: float
    feed: FeedStatus
    symbols: tuple[SymbolSnapshot, ...]
    positions: tuple[PositionView, ...]  # open, opening and closing
    orders: tuple[OrderView, ...]  # working orders
    proposals: tuple[ProposalView, ...]
    book_updates: int
    updates_per_s: int = 0  # book updates in the last whole second of engine time
    stats: dict[str, Any] = field(default_factory=dict)
    # conditions that need the trader's eye until they clear (a venue/journal
    # divergence, a position check that cannot run); a divergence also pauses entries
    alerts: tuple[str, ...] = ()

    def symbol(self, name: str) -> SymbolSnapshot | None:
        for s in self.symbols:
            if s.symbol == name:
                return s
        return None


def to_dict(item: Any) -> dict[str, Any]:
    """A JSON-ready dict of any protocol dataclass, tagged with its type name."""
    data = asdict(item)
    data["type"] = type(item).__name__
    return data
