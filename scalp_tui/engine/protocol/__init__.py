"""The engine's boundary: market data in, Commands in, Events and Snapshots out.

Everything here is a plain frozen dataclass of primitives, tuples and other such
dataclasses, so it can be logged, compared in tests, or sent across a process
boundary unchanged (`to_dict`). Frontends only ever see these types: enums.py,
market.py (feed -> engine), commands.py (frontend -> engine), views.py and events.py
(engine -> frontends), snapshot.py (the whole state on demand).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from scalp_tui.engine.protocol.commands import (
    AcceptProposal,
    ClosePosition,
    Command,
    CommandResult,
    EngageKillSwitch,
    MoveExitLevel,
    ProposeManualEntry,
    RejectProposal,
    ResetKillSwitch,
    SetBroker,
    SetEntriesEnabled,
    SetMode,
)
from scalp_tui.engine.protocol.enums import (
    ENTRY_TAG,
    MANUAL_TAG,
    ExitReason,
    FeedState,
    Mode,
    OrderStatus,
    OrderType,
    PositionState,
    Side,
)
from scalp_tui.engine.protocol.events import (
    CandleClosed,
    CommandAnswered,
    EntrySubmitted,
    ErrorEvent,
    Event,
    ExitLevelMoved,
    ExitTriggered,
    FeedChanged,
    FillEvent,
    FundingApplied,
    KillSwitchChanged,
    ModeChanged,
    OrderUpdated,
    PositionClosed,
    PositionOpened,
    PositionRestored,
    PositionSaved,
    ProposalCreated,
    ProposalResolved,
    StopPlaced,
)
from scalp_tui.engine.protocol.market import (
    BookUpdate,
    Candle,
    FeedStatus,
    FlatLevels,
    Level,
    MarketInfo,
    TradeTick,
)
from scalp_tui.engine.protocol.snapshot import (
    Snapshot,
    SymbolSnapshot,
)
from scalp_tui.engine.protocol.views import (
    ConditionResult,
    OrderView,
    PositionRecord,
    PositionView,
    ProposalView,
    SignalState,
)

__all__ = [
    "ENTRY_TAG",
    "MANUAL_TAG",
    "AcceptProposal",
    "BookUpdate",
    "Candle",
    "CandleClosed",
    "ClosePosition",
    "Command",
    "CommandAnswered",
    "CommandResult",
    "ConditionResult",
    "EngageKillSwitch",
    "EntrySubmitted",
    "ErrorEvent",
    "Event",
    "ExitLevelMoved",
    "ExitReason",
    "ExitTriggered",
    "FeedChanged",
    "FeedState",
    "FeedStatus",
    "FillEvent",
    "FlatLevels",
    "FundingApplied",
    "KillSwitchChanged",
    "Level",
    "MarketInfo",
    "Mode",
    "ModeChanged",
    "MoveExitLevel",
    "OrderStatus",
    "OrderType",
    "OrderUpdated",
    "OrderView",
    "PositionClosed",
    "PositionOpened",
    "PositionRecord",
    "PositionRestored",
    "PositionSaved",
    "PositionState",
    "PositionView",
    "ProposalCreated",
    "ProposalResolved",
    "ProposalView",
    "ProposeManualEntry",
    "RejectProposal",
    "ResetKillSwitch",
    "SetBroker",
    "SetEntriesEnabled",
    "SetMode",
    "Side",
    "SignalState",
    "Snapshot",
    "StopPlaced",
    "SymbolSnapshot",
    "TradeTick",
    "to_dict",
]


def to_dict(item: Any) -> dict[str, Any]:
    """A JSON-ready dict of any protocol dataclass, tagged with its type name."""
    data = asdict(item)
    data["type"] = type(item).__name__
    return data
