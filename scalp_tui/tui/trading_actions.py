"""The console's trading keys: each sends one engine command and logs one line for it.

Mixed into ScalpApp; the attributes below are the app's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.screen import ModalScreen, Screen

from scalp_tui.config import Settings
from scalp_tui.engine.protocol import (
    AcceptProposal,
    ClosePosition,
    Command,
    CommandResult,
    EngageKillSwitch,
    Mode,
    MoveExitLevel,
    ProposeManualEntry,
    RejectProposal,
    ResetKillSwitch,
    SetBroker,
    SetEntriesEnabled,
    SetMode,
)
from scalp_tui.eventlog import clock_text
from scalp_tui.tui.screens.confirm import ConfirmScreen
from scalp_tui.tui.screens.live import LiveConfirmScreen

# Exchanges whose perpetuals can be shorted through ccxt; the simulator is paper only.
LIVE_EXCHANGES = {"binanceusdm", "okx", "bybit", "gate", "kucoinfutures", "bitget", "htx"}


def live_refusal(settings: Settings, credentials: bool | None = None) -> str | None:
    """Why new entries cannot go live, or None when they can (after confirmation).
    `credentials`: whether the engine holds them, when it is not in this process."""
    exchange = settings.exchange.id
    if exchange == "simulated":
        return (
            "live trading refused: the simulated market has no exchange to send orders to "
            "(set exchange.id to a futures exchange)"
        )
    if exchange not in LIVE_EXCHANGES:
        return f"live trading refused: {exchange} cannot short perpetual futures here"
    if not (settings.has_credentials if credentials is None else credentials):
        return (
            "live trading refused: no API credentials (set SCALP_TUI_API_KEY and "
            "SCALP_TUI_API_SECRET, or use --secrets FILE)"
        )
    return None


class TradingActions:
    settings: Settings
    session: Any
    snap: Any
    log_pane: Any
    positions: Any
    proposal_pane: Any
    focus_symbol: str
    _events_seen: int
    screen: Any

    if TYPE_CHECKING:

        def notify(self, message: str, *, severity: str = "information") -> None: ...
        def push_screen(self, screen: Screen[Any], callback: Any = None) -> Any: ...
        def refresh_all(self) -> None: ...
        def sync_proposals(self) -> None: ...

    def action_manual_entry(self) -> None:
        self.run_command(ProposeManualEntry(self.focus_symbol))
        self.sync_proposals()

    def action_answer_proposal(self, accept: bool) -> None:
        proposal = self.proposal_pane.highlighted_proposal()
        if proposal is None:
            self.notify("no proposal is pending")
            return
        # by id: the answer goes to the proposal shown highlighted, never another
        command = AcceptProposal(proposal.id) if accept else RejectProposal(proposal.id)
        self.run_command(command)
        self.sync_proposals()

    def run_command(self, command: Command) -> CommandResult:
        """Execute `command` and log one line for it: the engine's own event line when
        it said something, else the result."""
        seen = self._events_seen
        result = self.session.execute(command)
        self.report(result, said=self._events_seen != seen)
        return result

    def report(self, result: CommandResult, said: bool = False) -> None:
        if not (result.ok and said):
            now = clock_text(self.session.now_ms())
            line = f"{now} {'OK' if result.ok else 'REFUSED':<8} {result.message}"
            self.log_pane.add_line(line)
        if not result.ok:  # a refusal must be seen; a success shows in the panes
            self.notify(result.message, severity="warning")
        self.refresh_all()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # In a dialog only the kill switch acts from the app; the rest waits.
        if isinstance(self.screen, ModalScreen) and action not in ("kill",):
            return action in ("quit",) or None
        if action == "answer_proposal":  # shown in the footer only while one waits
            return bool(self.proposal_pane.proposals)
        return True

    def action_kill(self) -> None:
        self.run_command(EngageKillSwitch("console"))

    def action_reset_kill(self) -> None:
        if not self.snap.killed:
            self.notify("the kill switch is not engaged")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_command(ResetKillSwitch())

        self.push_screen(
            ConfirmScreen("Reset the kill switch?", "New entries will be allowed again."),
            answered,
        )

    def action_toggle_paper(self) -> None:
        if self.snap.broker == "live":
            self.run_command(SetBroker("paper"))
            return
        refusal = self.live_refusal()
        if refusal is not None:
            self.report(CommandResult(False, refusal))
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.run_command(SetBroker("live"))
            else:
                self.notify("still paper trading")

        self.push_screen(LiveConfirmScreen(self.settings.exchange.id), answered)

    def live_refusal(self) -> str | None:
        return live_refusal(self.settings)

    def action_toggle_mode(self) -> None:
        mode = Mode.CONFIRM if self.snap.mode is Mode.AUTO else Mode.AUTO
        self.run_command(SetMode(mode))

    def action_close_position(self) -> None:
        position_id = self.positions.selected_position_id()
        if position_id is None:
            self.notify("no position selected", severity="warning")
            return
        self.run_command(ClosePosition(position_id))

    def action_move_level(self, level: str, direction: int) -> None:
        position_id = self.positions.selected_position_id()
        if position_id is None:
            self.notify("no position selected", severity="warning")
            return
        ticks = direction * self.settings.level_step_ticks
        self.run_command(MoveExitLevel(position_id, level, ticks))

    def action_pause(self) -> None:
        self.run_command(SetEntriesEnabled(not self.snap.entries_enabled))
