"""The console attached to an engine in another process (scalp-tui attach).

It is the ordinary console, plus: a lost engine covers the whole screen within a
second (EngineLostScreen) and can be restarted from there; quitting leaves the
engine running, and says so when positions are open.
"""

from __future__ import annotations

from scalp_tui.config import Settings
from scalp_tui.runtime.interface import AttachedSession
from scalp_tui.tui.app import ScalpApp
from scalp_tui.tui.screens.confirm import ConfirmScreen
from scalp_tui.tui.screens.engine_lost import EngineLostScreen

LINK_CHECK_HZ = 10


class AttachedApp(ScalpApp):
    TITLE = "scalp_tui (attached)"

    def __init__(
        self, session: AttachedSession, settings: Settings, keys: dict[str, str] | None = None
    ) -> None:
        super().__init__(session, settings, keys=keys)
        self.remote = session
        self.lost_screen: EngineLostScreen | None = None

    def on_mount(self) -> None:
        # Textual runs ScalpApp's on_mount too (handlers run down the class tree)
        self.set_interval(1 / LINK_CHECK_HZ, self.watch_link)

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
