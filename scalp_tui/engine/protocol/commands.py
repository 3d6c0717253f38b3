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


@dataclass(frozen=True, slots=True)
class MoveExitLevel:
    """Move an open position's profit target or stop (`level`: "target" or "stop") by
    `ticks` of its symbol's tick size, up when positive. Refused when the new price
    would trigger at once (a short's stop at or below the buy-back price, its target at
    or above it) or the stop would sit beyond the liquidation estimate."""

    position_id: int
    level: str
    ticks: int


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
    | MoveExitLevel
)


@dataclass(frozen=True, slots=True)
class CommandResult:
    ok: bool
    message: str = ""
