"""What frontends are shown of orders, positions, proposals and the entry signal,
and what a restart rebuilds a position from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scalp_tui.engine.protocol.enums import (
    ENTRY_TAG,
    ExitReason,
    OrderStatus,
    OrderType,
    PositionState,
    Side,
)


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
    enter_tag: str = ENTRY_TAG  # the entry rule that opened it, or "manual"
    # the trader moved the target or the stop (to an absolute price) from the rule's
    target_moved: bool = False
    stop_moved: bool = False
    leverage: float = 0.0
    # isolated-margin estimate (position_figures.liquidation_price); None before a fill
    liquidation_price: float | None = None
    maintenance_margin_rate: float = 0.0  # the rate the estimate used
    maintenance_margin_known: bool = False  # the venue's rate, else a default
    # the reversal exit's live inputs: the windowed imbalance against its threshold
    # and whether the last whole closed candle closed above the one before it
    reversal_imbalance: float | None = None
    reversal_threshold: float = 0.0
    reversal_candle_rose: bool = False


@dataclass(frozen=True, slots=True)
class ProposalView:
    """A pending entry. Its times are on the engine's human clock (wall time, whatever
    the market's speed); `conditions` are re-evaluated on every book of its symbol."""

    id: int
    symbol: str
    price: float
    qty: float
    conditions: tuple[ConditionResult, ...]
    created_ms: int
    expires_ms: int
    failing_since_ms: int | None = None  # when its conditions stopped holding
    withdraw_ms: int | None = None  # when it is withdrawn unless they hold again
    enter_tag: str = ENTRY_TAG  # "manual": asked for by the trader, no rule behind it

    @property
    def holding(self) -> bool:
        return all(c.passed for c in self.conditions)


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
    enter_tag: str = ENTRY_TAG  # journals from before tags were kept: the rule's
    # prices the trader moved the target and stop to (None: the rule's)
    target_moved: float | None = None
    stop_moved: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PositionRecord:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["state"] = PositionState(fields["state"])
        for key in ("exit_reason", "forced_exit"):
            fields[key] = ExitReason(fields[key]) if fields[key] else None
        return cls(**fields)
