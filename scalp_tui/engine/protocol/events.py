"""Events, engine -> frontends (and the journal)."""

from __future__ import annotations

from dataclasses import dataclass

from scalp_tui.engine.protocol.enums import ExitReason, Mode, Side
from scalp_tui.engine.protocol.market import Candle, FeedStatus
from scalp_tui.engine.protocol.views import (
    OrderView,
    PositionRecord,
    PositionView,
    ProposalView,
)


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
class ExitLevelMoved:
    """The trader moved a position's target or stop (`level`) from `previous` to
    `price` (journaled with the position; the exchange-side stop follows)."""

    ts_ms: int
    position_id: int
    symbol: str
    level: str  # "target" or "stop"
    previous: float
    price: float
    ticks: int


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
    outcome: str  # "accepted" | "rejected" | "expired" | "refused" | "dropped" | "withdrawn"
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
class CommandAnswered:
    """The engine's answer to a command sent from another process: commands cross the
    process boundary without waiting, and their results come back as events."""

    ts_ms: int
    command: str  # the command's type name, e.g. "EngageKillSwitch"
    ok: bool
    message: str = ""
    origin: str = ""  # who sent it: "console", "kill", …
    # the command's own events (mode -> auto, kill switch ENGAGED, …) said what it
    # did: a log shows those lines and not this one, so a key makes one line
    said: bool = False


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
    | CommandAnswered
    | ExitLevelMoved
)
