"""Commands from frontends: each command type has one handler method; an unknown
command is answered, never raised."""

from __future__ import annotations

from typing import ClassVar

from scalp_tui.engine.order_desk import OrderDesk
from scalp_tui.engine.protocol import (
    AcceptProposal,
    ClosePosition,
    Command,
    CommandResult,
    EngageKillSwitch,
    ExitReason,
    Mode,
    ModeChanged,
    MoveExitLevel,
    PositionState,
    ProposeManualEntry,
    RejectProposal,
    ResetKillSwitch,
    SetBroker,
    SetEntriesEnabled,
    SetMode,
)


class CommandHandlers(OrderDesk):
    # the handlers live in the engine's parts (proposals.py, kill_switch.py, here)
    _handlers: ClassVar[dict[type, str]] = {
        AcceptProposal: "_accept",
        RejectProposal: "_reject",
        EngageKillSwitch: "_kill",
        ResetKillSwitch: "_reset_kill",
        SetMode: "_set_mode",
        SetEntriesEnabled: "_set_entries",
        SetBroker: "_set_broker",
        ClosePosition: "_close_position",
        ProposeManualEntry: "_propose_manual",
        MoveExitLevel: "_move_exit_level",  # exit_levels.py
    }

    def execute(self, command: Command) -> CommandResult:
        handler = self._handlers.get(type(command))
        if handler is None:
            return CommandResult(False, f"unknown command {type(command).__name__}")
        return getattr(self, handler)(command)

    def _set_mode(self, cmd: SetMode) -> CommandResult:
        self.mode = Mode(cmd.mode)
        self._emit(ModeChanged(self.clock.now_ms(), "mode", self.mode.value))
        return CommandResult(True, f"mode {self.mode.value}")

    def _set_entries(self, cmd: SetEntriesEnabled) -> CommandResult:
        self.entries_enabled = cmd.enabled
        self.paused_by_journal = False  # whoever pauses again says why
        if not cmd.enabled:
            for proposal in list(self.proposals.values()):
                self._resolve_proposal(proposal, "dropped", "entries paused")
        value = "enabled" if cmd.enabled else "paused"
        self._emit(ModeChanged(self.clock.now_ms(), "entries", value))
        return CommandResult(True, f"entries {value}")

    def _set_broker(self, cmd: SetBroker) -> CommandResult:
        if cmd.broker not in self.brokers:
            return CommandResult(False, f"no {cmd.broker} broker is configured")
        self.broker_name = cmd.broker
        self._emit(ModeChanged(self.clock.now_ms(), "broker", cmd.broker))
        return CommandResult(True, f"new entries go to {cmd.broker}")

    def _close_position(self, cmd: ClosePosition) -> CommandResult:
        position = self.positions.get(cmd.position_id)
        if position is None:
            return CommandResult(False, f"position {cmd.position_id} is not open")
        if position.state is PositionState.OPENING:
            if position.entry_order_id is not None:
                self.brokers[position.broker].cancel(position.entry_order_id)
            return CommandResult(True, "entry cancelled")
        if position.state is PositionState.CLOSING:
            return CommandResult(False, "already closing")
        position.forced_exit = ExitReason.MANUAL
        position.next_exit_ms = 0
        self._submit_exit(position, ExitReason.MANUAL)
        return CommandResult(True, f"closing position {position.id}")
