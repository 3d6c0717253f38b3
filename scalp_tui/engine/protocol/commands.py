"""Commands, frontend -> engine, and the result each gets."""

from __future__ import annotations

from dataclasses import dataclass

from scalp_tui.engine.protocol.enums import Mode


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


@dataclass(frozen=True, slots=True)
class ProposeManualEntry:
    """A short on `symbol` now, at the configured size, asked for by the trader: it
    passes the same engine gates and becomes a proposal (tagged "manual") that must be
    accepted like any other, whatever the mode."""

    symbol: str


Command = (
    AcceptProposal
    | RejectProposal
    | EngageKillSwitch
    | ResetKillSwitch
    | SetMode
    | SetEntriesEnabled
    | SetBroker
    | ClosePosition
    | ProposeManualEntry
)


@dataclass(frozen=True, slots=True)
class CommandResult:
    ok: bool
    message: str = ""
