"""The console: the engine's snapshots drawn on timers, its commands bound to keys."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.screen import Screen
from textual.widgets import Static

from scalp_tui.config import Settings, implied_figures
from scalp_tui.engine.protocol import (
    Event,
    PositionView,
    Snapshot,
)
from scalp_tui.runtime.interface import EngineSession
from scalp_tui.tui import heap, keymap
from scalp_tui.tui.screens.charts import ChartsScreen
from scalp_tui.tui.screens.help import HelpScreen
from scalp_tui.tui.screens.quit import QuitScreen
from scalp_tui.tui.trade_history import TradeHistory
from scalp_tui.tui.trading_actions import TradingActions
from scalp_tui.tui.widgets.event_log import EventLog
from scalp_tui.tui.widgets.key_footer import KeyFooter
from scalp_tui.tui.widgets.ladder import Ladder
from scalp_tui.tui.widgets.line_table import LineTable
from scalp_tui.tui.widgets.positions import PositionsTable
from scalp_tui.tui.widgets.proposals import ProposalPane
from scalp_tui.tui.widgets.signal_panel import SignalPanel
from scalp_tui.tui.widgets.status_bar import StatusBar
from scalp_tui.tui.widgets.still import Box, DetailBox, Row, StillScreen
from scalp_tui.tui.widgets.tape import TradeTape
from scalp_tui.tui.widgets.watchlist import Watchlist

LADDER_HZ = 20
PANES_HZ = 4
LOG_HZ = 4
PROPOSAL_HZ = 10
CHART_SAMPLE_HZ = 1  # mid prices for the charts screen, on the console's clock
MIN_WIDTH, MIN_HEIGHT = 80, 24


class ScalpApp(TradingActions, App[None]):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "scalp_tui"
    BINDINGS = keymap.bindings()
    # Screen classes by terminal size (app.tcss shrinks panes under these sizes; under
    # 80x24 one line says what is needed instead of a layout nobody can read).
    HORIZONTAL_BREAKPOINTS = [
        (0, "-too-narrow"),
        (MIN_WIDTH, "-tiny"),
        (100, "-narrow"),
        (120, "-medium"),
        (140, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [
        (0, "-too-low"),
        (MIN_HEIGHT, "-low"),
        (30, "-short"),
        (40, "-tall"),
        (48, "-roomy"),
    ]

    def __init__(
        self,
        session: EngineSession,
        settings: Settings,
        keys: dict[str, str] | None = None,
        autorun: bool = True,
        journaled: bool = True,
    ) -> None:
        """`journaled`: open positions are saved and restored at the next start (a
        replay keeps no journal)."""
        super().__init__()
        self.journaled = journaled
        self.session = session
        self.settings = settings
        self.key_overrides = keys or {}
        self.autorun = autorun
        self.symbols = session.symbols
        self.focus_symbol = self.symbols[0]
        self.snap: Snapshot = session.snapshot()
        self._events_seen = 0  # engine events received: tells a command's own line
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
        self.ladder = Ladder(levels=20, stale_after_ms=self.settings.stale_after_ms, id="ladder")
        self.signal = SignalPanel(id="signal")
        self.tape = TradeTape(id="tape")
        self.proposal_pane = ProposalPane(id="proposals")
        self.watchlist = Watchlist(id="watchlist")
        self.positions = PositionsTable(rows=self.settings.max_open_positions, id="positions")
        self.log_pane = EventLog(id="log")
        yield self.status
        # The ladder, the tape and the tables each sit in a box of their own that draws
        # their border: Textual repaints every widget whose container overlaps a changed
        # area, so without the boxes each of the ladder's 20 frames a second would
        # redraw the tape and the right column too; and a pane without a border of its
        # own is drawn line by line without Textual's per-row styling pass.
        with Row(id="main"):
            with Box(id="ladder-box", classes="pane-box") as self.ladder_box:
                yield self.ladder
            with Box(id="tape-box", classes="pane-box") as self.tape_box:
                yield self.tape
            with Box(id="right"):
                with Box(id="watchlist-box") as self.watchlist_box:
                    yield self.watchlist
                yield self.proposal_pane
                with Box(id="signal-box") as self.signal_box:
                    yield self.signal
                with DetailBox(id="positions-box") as self.positions_box:
                    yield self.positions
        yield self.log_pane
        yield Static(
            f"terminal too small: need {MIN_WIDTH}x{MIN_HEIGHT}\n(ctrl+k still works)",
            id="too-small",
        )
        yield KeyFooter()

    def get_default_screen(self) -> Screen[Any]:
        return StillScreen(id="_default")  # see widgets/still.py

    def on_mount(self) -> None:
        # Nothing focused on the main screen, at start or after a dialog: 1-5 choose a
        # pane, and a new proposal takes the arrows. (Dialogs still focus their input.)
        self.screen.AUTO_FOCUS = ""
        self.screen.set_focus(None)
        if self.key_overrides:
            self.set_keymap(self.key_overrides)
        self.ladder_box.border_title = "order book"
        self.tape_box.border_title = "trades"
        self.signal_box.border_title = "signal · entry 661 (short)"
        self.watchlist_box.border_title = "watchlist"
        self.positions_box.border_title = "positions"
        self.log_pane.border_title = "log"
        self.session.subscribe(self._on_engine_event)
        self.refresh_all()
        self.call_after_refresh(heap.settle)
        self.set_interval(1 / LADDER_HZ, self.refresh_ladder)
        self.set_interval(1 / (PANES_HZ * len(self._pane_parts)), self._refresh_next_pane)
        self.set_interval(1 / LOG_HZ, self.log_pane.flush)
        self.set_interval(1 / PROPOSAL_HZ, self.sync_proposals)
        self.set_interval(1 / CHART_SAMPLE_HZ, self.sample_history)
        self.log_pane.add_line(
            f"console started: {self.exchange_label}, {len(self.symbols)} "
            f"symbol{'' if len(self.symbols) == 1 else 's'}, "
            f"{self.snap.mode.value} mode, {self.snap.broker}"
        )
        for note in self.session.notes:  # e.g. positions left alone
            self.log_pane.add_line(f"start: {note}", style="bold yellow")
        if self.autorun:
            self.run_worker(self.session.run(), name="feed", group="feed")

    def on_resize(self, event: events.Resize) -> None:
        # Textual sets the size classes only on the screen on top when its resize
        # lands: one while a dialog is open (or closing) would leave the main screen
        # laid out for the old size. Set them here, whichever screen is on top.
        main = self.screen_stack[0] if self.screen_stack else None
        if main is None:
            return
        width, height = event.size
        for breakpoints, dimension in (
            (self.HORIZONTAL_BREAKPOINTS, width),
            (self.VERTICAL_BREAKPOINTS, height),
        ):
            chosen = max((b for b in breakpoints if dimension >= b[0]), default=None)
            for _, name in breakpoints:
                main.set_class(chosen is not None and name == chosen[1], name)

    def on_unmount(self) -> None:
        self.session.stop()

    @property
    def exchange_label(self) -> str:
        if self.session.elapsed_key == "replay_seconds":
            return "REPLAY"  # a recording, never the simulated market nor a venue
        exchange = self.settings.exchange.id
        return "SIM" if exchange == "simulated" else exchange

    # --------------------------------------------------------------- rendering

    def _on_engine_event(self, event: Event) -> None:
        # Called inside engine code: only buffer, never draw here. Stamped with the
        # engine's clock as it is emitted, so the log's times never run backwards.
        # Counted when it makes a line: a key whose command made one adds no other.
        if self.log_pane.add_event(event, self.session.now_ms()):
            self._events_seen += 1
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
        focused = self.snap.symbol(self.focus_symbol)
        if focused is not None and self.tape.display:  # 4 Hz: a tape read by eye
            self.tape.show(focused.symbol, focused.trades, focused.tick_size)

    def _show_positions(self) -> None:
        snap = self.snap
        ticks = {s.symbol: s.tick_size for s in snap.symbols}
        self.positions.show(snap.positions, ticks, snap.ts_ms)
        self._show_position_detail()

    def _show_position_detail(self) -> None:
        # in the pane's bottom border: no layout pass, and no row taken from the table
        self.positions_box.set_detail(self.positions.detail)

    def refresh_all(self) -> None:
        self.refresh_ladder()
        self.refresh_panes()
        self.log_pane.flush()

    # --------------------------------------------------------------- proposals

    def sync_proposals(self) -> None:
        """Redraw the proposal pane from the latest snapshot (10 times a second, for
        the countdowns); a new proposal takes the keyboard's up/down unless the trader
        is scrolling the positions or the log, and closes the charts over it."""
        snap = self.snap  # the ladder's, at most 50 ms old: no extra snapshot
        had = bool(self.proposal_pane.proposals)
        if not had and not snap.proposals:
            return  # nothing pending, nothing to redraw
        self.proposal_pane.show(snap.proposals, snap.human_now_ms)
        if bool(snap.proposals) != had:
            self.refresh_bindings()
            self.screen_stack[0].set_class(bool(snap.proposals), "-proposals")
        if snap.proposals and not had:
            if isinstance(self.screen, ChartsScreen):
                self.pop_screen()
            if self.focused not in (self.positions, self.log_pane):
                self.proposal_pane.focus()

    def action_next_symbol(self) -> None:
        self._step_symbol(1)

    def action_previous_symbol(self) -> None:
        self._step_symbol(-1)

    def _step_symbol(self, step: int) -> None:
        index = (self.symbols.index(self.focus_symbol) + step) % len(self.symbols)
        self.focus_on(self.symbols[index])

    def focus_on(self, symbol: str) -> None:
        """Show `symbol` in the ladder and the signal panel; the watchlist's highlight
        follows."""
        self.focus_symbol = symbol
        self.watchlist.move_cursor(row=self.symbols.index(symbol))
        self.refresh_all()

    def action_toggle_watchlist(self) -> None:
        self.watchlist_box.toggle_class("-toggled")

    def action_focus_pane(self, pane: str) -> None:
        widget = {
            "ladder": self.ladder,
            "watchlist": self.watchlist,
            "signal": self.signal,
            "positions": self.positions,
            "log": self.log_pane,
        }[pane]
        if widget is self.watchlist and not self.watchlist_box.display:
            self.action_toggle_watchlist()  # the folded watchlist unfolds to take the focus
        widget.focus()

    def on_line_table_row_selected(self, event: LineTable.RowSelected) -> None:
        if event.table is self.watchlist and event.key in self.symbols:
            self.focus_symbol = event.key
            self.refresh_all()

    def action_charts(self) -> None:
        self.sample_history()  # so the charts open with what happened up to now
        self.push_screen(ChartsScreen(self.history, self.focus_symbol))

    def action_help(self) -> None:
        keys = [(self._key_of(a), a.description) for a in keymap.ACTIONS]
        self.push_screen(HelpScreen(keys))

    def _key_of(self, action: keymap.Action) -> str:
        return keymap.key_label(self.key_overrides.get(action.id, action.key))

    async def action_quit(self) -> None:
        # ctrl+q and the palette's Quit land here: the same question as `q`.
        self.action_quit_console()

    def action_quit_console(self) -> None:
        if any(isinstance(screen, QuitScreen) for screen in self.screen_stack):
            return  # already asking
        if not self._open_positions():
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(QuitScreen(self._open_positions, self.journaled), answered)

    def _open_positions(self) -> tuple[PositionView, ...]:
        # a fresh look, not the last drawn snapshot: one may have opened since
        return self.session.snapshot(depth=0).positions

    # ---------------------------------------------------------- command palette

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for action in keymap.ACTIONS:
            if action.id == "quit":
                continue
            yield SystemCommand(
                action.description,
                f"{action.description} ({self._key_of(action)})",
                partial(self.run_action, action.action),
            )
