"""The kill switch: latch entries off (on disk first), drop proposals, cancel every
order, close every position with reduce-only market orders, report what is still
open; only an explicit reset re-enables entries."""

from __future__ import annotations

from scalp_tui.engine.order_desk import OrderDesk
from scalp_tui.engine.positions import Position
from scalp_tui.engine.protocol import (
    CommandResult,
    EngageKillSwitch,
    ErrorEvent,
    ExitReason,
    KillSwitchChanged,
    PositionState,
    ResetKillSwitch,
)
from scalp_tui.engine.risk import entries_blocked


class KillSwitch(OrderDesk):
    def _kill(self, cmd: EngageKillSwitch) -> CommandResult:
        now = self.clock.now_ms()
        self.killed = True
        self._last_kill_report = None
        engaged = KillSwitchChanged(now, True, detail=f"engaged by {cmd.source}")
        # The latch is on disk before the first cancel or close leaves: a crash a moment
        # later must not restart trading. A journal that cannot write it never holds
        # the kill back.
        failure = self._record(engaged)
        self._emit(engaged)
        if failure is not None:
            self._emit(ErrorEvent(now, f"{failure}: the kill switch latch may not survive"))
        for proposal in list(self.proposals.values()):
            self._resolve_proposal(proposal, "dropped", "kill switch")
        for position in self.positions.values():
            position.forced_exit = ExitReason.KILL_SWITCH
        for broker in self.brokers.values():
            broker.cancel_all()
        for position in list(self.positions.values()):
            self._kill_position(position)
        self._report_kill("flattening")
        return CommandResult(True, "kill switch engaged")

    def _kill_position(self, position: Position) -> None:
        position.forced_exit = ExitReason.KILL_SWITCH
        position.exit_attempts = 0
        position.given_up = False
        position.next_exit_ms = 0
        if position.state is PositionState.OPEN:
            self._submit_exit(position, ExitReason.KILL_SWITCH)

    def _report_kill(self, phase: str) -> None:
        still_open = tuple(p.id for p in self.positions.values())
        detail = "flat: no open positions" if not still_open else phase
        if (still_open, detail) == self._last_kill_report:
            return  # nothing new to say
        self._last_kill_report = (still_open, detail)
        self._emit(KillSwitchChanged(self.clock.now_ms(), True, still_open, detail))

    def _reset_kill(self, _cmd: ResetKillSwitch) -> CommandResult:
        if not self.killed:
            return CommandResult(False, "kill switch is not engaged")
        self.killed = False
        # say what still blocks entries rather than promise they are on
        self._roll_day()
        blocked = entries_blocked(
            self.limits,
            killed=False,
            entries_enabled=self.entries_enabled,
            paused_by_journal=self.paused_by_journal,
            feed_live=self.feed_live,
            realised_pnl_today=self._pnl_today,
        )
        outcome = f"entries still blocked: {blocked}" if blocked else "entries enabled"
        self._emit(KillSwitchChanged(self.clock.now_ms(), False, detail=outcome))
        return CommandResult(True, f"kill switch reset; {outcome}")
