"""The console attached to an engine in another process (scalp-tui attach).

It is the ordinary console, plus: a lost engine covers the whole screen within a
second (EngineLostScreen) and can be restarted from there; quitting leaves the
engine running, and says so when positions are open. A console that started its own
engine (plain `scalp-tui`, `owns_engine`) stops it on quitting when no position is
open, and asks when some are: its caller reads `stop_engine` after `run()`.
"""

from __future__ import annotations

from scalp_tui.config import Settings
from scalp_tui.runtime.interface import AttachedSession
from scalp_tui.tui.app import ScalpApp
from scalp_tui.tui.screens.confirm import ConfirmScreen
from scalp_tui.tui.screens.engine_lost import EngineLostScreen
from scalp_tui.tui.screens.quit_engine import STOP, QuitEngineScreen
from scalp_tui.tui.trading_actions import live_refusal

LINK_CHECK_HZ = 10


class AttachedApp(ScalpApp):
    TITLE = "scalp_tui (attached)"

    def __init__(
        self,
        session: AttachedSession,
        settings: Settings,
        keys: dict[str, str] | None = None,
        live_broker: bool = False,
        owns_engine: bool = False,
        greeting: tuple[str, ...] = (),
    ) -> None:
        super().__init__(session, settings, keys=keys)
        self.remote = session
        self.live_broker = live_broker  # the engine holds credentials for its exchange
        self.owns_engine = owns_engine
        self.greeting = greeting
        self.stop_engine = False  # read by the caller once the console has quit
        self.lost_screen: EngineLostScreen | None = None

    def on_mount(self) -> None:
        # Textual runs ScalpApp's on_mount too (handlers run down the class tree)
        self.set_interval(1 / LINK_CHECK_HZ, self.watch_link)
        for line in self.greeting:
            self.log_pane.add_line(line, style="bold")

    def live_refusal(self) -> str | None:
        """The engine, not this console, holds the credentials: the welcome says
        whether it has them. Typing LIVE sends only the consent (SetBroker)."""
        return live_refusal(self.settings, credentials=self.live_broker)

    def watch_link(self) -> None:
        problem = self.remote.link_problem
        if problem is None:
            if self.lost_screen is not None:
                self.lost_screen.dismiss("back")
            return
        if self.lost_screen is not None:
            self.lost_screen.show(problem)
            return
        self.lost_screen = EngineLostScreen(problem, self.remote.restart_command)
        self.log_pane.add_line(f"engine lost: {problem}", style="bold red")
        self.push_screen(self.lost_screen, self._lost_answered)

    def _lost_answered(self, answer: str | None) -> None:
        self.lost_screen = None
        if answer == "quit":
            self.exit()
        else:
            self.log_pane.add_line("engine answering again", style="bold green")

    def on_engine_lost_screen_restart_requested(self) -> None:
        self.run_worker(self._restart(), name="restart", group="restart", exclusive=True)

    async def _restart(self) -> None:
        self.log_pane.add_line(f"restarting the engine: {self.remote.restart_command}")
        failure = await self.remote.restart_engine()
        if failure is None:
            return  # the link is back: watch_link lifts the overlay
        self.log_pane.add_line(f"restart failed: {failure}", style="bold red")
        if self.lost_screen is not None:
            self.lost_screen.say(f"restart failed: {failure}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.lost_screen is not None and action != "quit_console":
            return None  # nothing reaches a lost engine: the overlay's keys only
        return super().check_action(action, parameters)

    def action_quit_console(self) -> None:
        open_positions = len(self.snap.positions)
        if self.owns_engine and self.lost_screen is None:
            if not open_positions:
                self.stop_engine = True
                self.exit()
                return
            self.push_screen(QuitEngineScreen(open_positions), self._quit_answered)
            return
        if not open_positions:
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(
            ConfirmScreen(
                f"{open_positions} position(s) open. Quit this console?",
                "The engine keeps running and keeps managing them (timeouts, exits, kill "
                "switch): scalp-tui attach opens a console on it again, scalp-tui kill "
                "flattens everything from any shell.",
            ),
            answered,
        )

    def _quit_answered(self, answer: str | None) -> None:
        if answer is None:
            return
        self.stop_engine = answer == STOP
        self.exit()
