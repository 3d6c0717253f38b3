"""The console: the engine's snapshots drawn on timers, its commands bound to keys."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer

from scalp_tui.config import Settings, implied_figures
from scalp_tui.engine.protocol import (
    AcceptProposal,
    ClosePosition,
    CommandResult,
    EngageKillSwitch,
    Event,
    Mode,
    ProposalView,
    RejectProposal,
    ResetKillSwitch,
    SetBroker,
    SetEntriesEnabled,
    SetMode,
    Snapshot,
)
from scalp_tui.eventlog import clock_text
from scalp_tui.runtime.interface import EngineSession
from scalp_tui.tui import keymap
from scalp_tui.tui.screens.charts import ChartsScreen
from scalp_tui.tui.screens.confirm import ConfirmScreen
from scalp_tui.tui.screens.help import HelpScreen
from scalp_tui.tui.screens.live import LiveConfirmScreen
from scalp_tui.tui.screens.proposal import ProposalScreen
from scalp_tui.tui.trade_history import TradeHistory
from scalp_tui.tui.widgets.event_log import EventLog
from scalp_tui.tui.widgets.ladder import Ladder
from scalp_tui.tui.widgets.positions import PositionsTable
from scalp_tui.tui.widgets.signal_panel import SignalPanel
from scalp_tui.tui.widgets.status_bar import StatusBar
from scalp_tui.tui.widgets.watchlist import Watchlist

LADDER_HZ = 20
PANES_HZ = 4
LOG_HZ = 4
PROPOSAL_HZ = 10
CHART_SAMPLE_HZ = 1  # mid prices for the charts screen, on the console's clock
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


class ScalpApp(App[None]):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "scalp_tui"
    BINDINGS = keymap.bindings()
    # Screen classes for small terminals (app.tcss shrinks panes under these sizes).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]

    def __init__(
        self,
        session: EngineSession,
        settings: Settings,
        keys: dict[str, str] | None = None,
        autorun: bool = True,
    ) -> None:
        super().__init__()
        self.session = session
        self.settings = settings
        self.key_overrides = keys or {}
        self.autorun = autorun
        self.symbols = session.symbols
        self.focus_symbol = self.symbols[0]
        self.snap: Snapshot = session.snapshot()
        self._proposal_screen: ProposalScreen | None = None
        self.history = TradeHistory()
        self._pane_parts = (
            self._show_status_and_signal,
            self._show_watchlist,
            self._show_positions,
        )
        self._pane_turn = 0
        figures = implied_figures(settings)
        self.implied = (
            f"target at -{figures['target_price_drop']:.3%} · "
            f"stop at +{figures['stop_price_rise']:.3%} · "
            f"timeout {settings.short_scalp_timeout:g} min"
        )

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        self.status = StatusBar(id="status")
        self.ladder = Ladder(levels=20, id="ladder")
        self.signal = SignalPanel(id="signal")
        self.watchlist = Watchlist(id="watchlist")
        self.positions = PositionsTable(rows=self.settings.max_open_positions, id="positions")
        self.log_pane = EventLog(id="log")
        yield self.status
        with Horizontal(id="main"):
            yield self.ladder
            with Vertical(id="right"):
                yield self.watchlist
                yield self.signal
                yield self.positions
        yield self.log_pane
        yield Footer()

    def on_mount(self) -> None:
        if self.key_overrides:
            self.set_keymap(self.key_overrides)
        self.ladder.border_title = "order book"
        self.signal.border_title = "signal · entry 661 (short)"
        self.watchlist.border_title = "watchlist"
        self.positions.border_title = "positions"
        self.log_pane.border_title = "log"
        self.session.subscribe(self._on_engine_event)
        self.refresh_all()
        self.set_interval(1 / LADDER_HZ, self.refresh_ladder)
        self.set_interval(1 / (PANES_HZ * len(self._pane_parts)), self._refresh_next_pane)
        self.set_interval(1 / LOG_HZ, self.log_pane.flush)
        self.set_interval(1 / PROPOSAL_HZ, self.sync_proposals)
        self.set_interval(1 / CHART_SAMPLE_HZ, self.sample_history)
        self.log_pane.add_line(
            f"console started: {self.exchange_label}, {len(self.symbols)} symbols, "
            f"{self.snap.mode.value} mode, {self.snap.broker}"
        )
        for note in self.session.notes:  # e.g. positions left alone
            self.log_pane.add_line(f"start: {note}", style="bold yellow")
        if self.autorun:
            self.run_worker(self.session.run(), name="feed", group="feed")

    def on_unmount(self) -> None:
        self.session.stop()

    @property
    def exchange_label(self) -> str:
        exchange = self.settings.exchange.id
        return "SIM" if exchange == "simulated" else exchange

    # --------------------------------------------------------------- rendering

    def _on_engine_event(self, event: Event) -> None:
        # Called inside engine code: only buffer, never draw here.
        self.log_pane.add_event(event)
        self.history.on_event(event)

    def sample_history(self) -> None:
        self.history.sample(self.snap)

    def _take_snapshot(self) -> Snapshot:
        self.snap = self.session.snapshot(depth=self.ladder.levels)
        return self.snap

    def refresh_ladder(self) -> None:
        snap = self._take_snapshot()
        self.ladder.show(snap.symbol(self.focus_symbol), snap.orders, snap.positions)

    def refresh_panes(self) -> None:
        for part in range(len(self._pane_parts)):
            self._pane_parts[part]()

    def _refresh_next_pane(self) -> None:
        # One pane per tick, in turn: each still updates PANES_HZ times a second, but
        # no single frame pays for all of them (keeps event-loop stalls short).
        self._pane_parts[self._pane_turn % len(self._pane_parts)]()
        self._pane_turn += 1

    def _show_status_and_signal(self) -> None:
        snap = self.snap
        self.status.show(snap, self.exchange_label, self.focus_symbol)
        self.signal.show(snap.symbol(self.focus_symbol), self.implied)

    def _show_watchlist(self) -> None:
        self.watchlist.show(self.snap.symbols, self.focus_symbol)

    def _show_positions(self) -> None:
        snap = self.snap
        ticks = {s.symbol: s.tick_size for s in snap.symbols}
        self.positions.show(snap.positions, ticks, snap.ts_ms)

    def refresh_all(self) -> None:
        self.refresh_ladder()
        self.refresh_panes()
        self.log_pane.flush()

    # --------------------------------------------------------------- proposals

    def sync_proposals(self) -> None:
        """Show the oldest pending proposal; close the modal when it is resolved."""
        snap = self.session.snapshot(depth=0)
        pending = sorted(snap.proposals, key=lambda p: p.created_ms)
        screen = self._proposal_screen
        if screen is not None:
            ids = [p.id for p in pending]
            if screen.proposal.id not in ids:
                self._proposal_screen = None
                screen.dismiss(None)
            else:
                screen.tick(snap.ts_ms, ids.index(screen.proposal.id) + 1, len(ids))
            return
        # The charts only look: a proposal opens over them (it expires if unseen).
        if pending and (
            isinstance(self.screen, ChartsScreen) or not isinstance(self.screen, ModalScreen)
        ):
            self._show_proposal(pending[0], snap.ts_ms, len(pending))

    def _show_proposal(self, proposal: ProposalView, now_ms: int, total: int) -> None:
        screen = ProposalScreen(proposal, now_ms, 1, total)
        self._proposal_screen = screen

        def answered(accept: bool | None) -> None:
            self._proposal_screen = None
            if accept is None:  # resolved by the engine: expired or dropped
                return
            command = AcceptProposal(proposal.id) if accept else RejectProposal(proposal.id)
            self.report(self.session.execute(command))
            self.sync_proposals()

        self.push_screen(screen, answered)

    # ----------------------------------------------------------------- actions

    def report(self, result: CommandResult) -> None:
        now = clock_text(self.session.now_ms())
        line = f"{now} {'OK' if result.ok else 'REFUSED':<8} {result.message}"
        self.log_pane.add_line(line)
        self.notify(result.message, severity="information" if result.ok else "warning")
        self.refresh_all()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # In a dialog only the kill switch acts from the app; the rest waits.
        if isinstance(self.screen, ModalScreen) and action not in ("kill",):
            return action in ("quit",) or None
        return True

    def action_kill(self) -> None:
        self.report(self.session.execute(EngageKillSwitch("console")))

    def action_reset_kill(self) -> None:
        if not self.snap.killed:
            self.notify("the kill switch is not engaged")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.report(self.session.execute(ResetKillSwitch()))

        self.push_screen(
            ConfirmScreen("Reset the kill switch?", "New entries will be allowed again."),
            answered,
        )

    def action_toggle_paper(self) -> None:
        if self.snap.broker == "live":
            self.report(self.session.execute(SetBroker("paper")))
            return
        refusal = self.live_refusal()
        if refusal is not None:
            self.report(CommandResult(False, refusal))
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.report(self.session.execute(SetBroker("live")))
            else:
                self.notify("still paper trading")

        self.push_screen(LiveConfirmScreen(self.settings.exchange.id), answered)

    def live_refusal(self) -> str | None:
        return live_refusal(self.settings)

    def action_toggle_mode(self) -> None:
        mode = Mode.CONFIRM if self.snap.mode is Mode.AUTO else Mode.AUTO
        self.report(self.session.execute(SetMode(mode)))

    def action_close_position(self) -> None:
        position_id = self.positions.selected_position_id()
        if position_id is None:
            self.notify("no position selected", severity="warning")
            return
        self.report(self.session.execute(ClosePosition(position_id)))

    def action_pause(self) -> None:
        self.report(self.session.execute(SetEntriesEnabled(not self.snap.entries_enabled)))

    def action_next_symbol(self) -> None:
        self._step_symbol(1)

    def action_previous_symbol(self) -> None:
        self._step_symbol(-1)

    def _step_symbol(self, step: int) -> None:
        index = (self.symbols.index(self.focus_symbol) + step) % len(self.symbols)
        self.focus_symbol = self.symbols[index]
        self.refresh_all()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is self.watchlist and event.row_key.value in self.symbols:
            self.focus_symbol = event.row_key.value
            self.refresh_all()

    def action_charts(self) -> None:
        self.sample_history()  # so the charts open with what happened up to now
        self.push_screen(ChartsScreen(self.history, self.focus_symbol))

    def action_help(self) -> None:
        keys = [(self._key_of(a), a.description) for a in keymap.ACTIONS]
        self.push_screen(HelpScreen(keys))

    def _key_of(self, action: keymap.Action) -> str:
        return self.key_overrides.get(action.id, action.key).replace("question_mark", "?")

    def action_quit_console(self) -> None:
        open_positions = len(self.snap.positions)
        if not open_positions:
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(
            ConfirmScreen(
                f"{open_positions} position(s) open. Quit anyway?",
                "Live positions stay open at the exchange with no timeout watching them; "
                "paper positions are kept in the journal and come back on the next start. "
                "Ctrl+K flattens everything first.",
            ),
            answered,
        )

    # ---------------------------------------------------------- command palette

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for action in keymap.ACTIONS:
            if action.id == "quit":
                continue
            yield SystemCommand(
                action.description,
                f"{action.description} ({self._key_of(action)})",
                getattr(self, f"action_{action.action}"),
            )
