"""The console attached to an engine in another process (scalp-tui attach).

It is the ordinary console, plus: a lost engine covers the whole screen within a
second (EngineLostScreen) and can be restarted from there. Quitting while other
consoles are attached only detaches. The last console on an engine a plain
`scalp-tui` started (`owns_engine`) stops it when no position is open and asks when
some are; its caller reads `stop_engine` after `run()`. An engine started by
`scalp-tui engine` runs on (the console asks first while positions are open).
"""

from __future__ import annotations

from scalp_tui.config import Settings
from scalp_tui.engine.protocol import Command, CommandAnswered, CommandResult, Event
from scalp_tui.runtime.interface import AttachedSession
from scalp_tui.tui.app import ScalpApp
from scalp_tui.tui.screens.engine_lost import EngineLostScreen
from scalp_tui.tui.screens.quit_engine import STOP, LeaveEngineScreen, QuitEngineScreen
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
        self.others_at_quit = 0  # consoles still attached when this one quit
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
                # forgotten before dismissing: the answer reaches _lost_answered a
                # message later, and a second tick meanwhile would pop the console's
                # own screen (and crash it) dismissing this one again
                lost, self.lost_screen = self.lost_screen, None
                lost.dismiss("back")
            return
        if self.lost_screen is not None:
            self.lost_screen.show(problem)
            return
        self.lost_screen = EngineLostScreen(problem, self.remote.restart_command)
        self.log_pane.add_line(f"engine lost: {problem}", style="bold red")
        self.push_screen(self.lost_screen, self._lost_answered)

    def _lost_answered(self, answer: str | None) -> None:
        if answer == "quit":
            self.lost_screen = None
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

    # ------------------------------------------------------------ commands, log

    def run_command(self, command: Command) -> CommandResult:
        """Send `command` and return at once: the engine answers for it in the log
        (its own events' lines, or its answer when they said nothing), so sending
        writes no line of its own; only a command that could not be sent does."""
        result = self.session.execute(command)
        if not result.ok:
            self.report(result)
        else:
            self.refresh_all()
        return result

    def _on_engine_event(self, event: Event) -> None:
        super()._on_engine_event(event)
        if (
            isinstance(event, CommandAnswered)
            and not event.ok
            and event.origin == self.remote.welcome.you
        ):
            self.notify(event.message, severity="warning")  # this console's key, refused

    # ------------------------------------------------------------------ quitting

    def action_quit_console(self) -> None:
        """Another console attached: only detach. The last one, on an engine a plain
        `scalp-tui` started: stop it when nothing is open, ask when positions are. On
        an engine started by `scalp-tui engine`: leave it, asking first while
        positions are open."""
        if any(isinstance(s, QuitEngineScreen | LeaveEngineScreen) for s in self.screen_stack):
            return  # already asking
        if self.lost_screen is not None:
            self.exit()  # nothing to stop: the engine is gone or not answering
            return
        self.others_at_quit = self.remote.other_consoles
        if self.others_at_quit:
            self.exit()
            return
        positions = self._open_positions()
        if not positions:
            self.stop_engine = self.owns_engine
            self.exit()
        elif self.owns_engine:
            screen = QuitEngineScreen(self._open_positions, self._other_consoles)
            self.push_screen(screen, self._quit_answered)
        else:
            self.push_screen(
                LeaveEngineScreen(self._open_positions, self._other_consoles), self._left
            )

    def _other_consoles(self) -> int:
        return self.remote.other_consoles

    def _quit_answered(self, answer: str | None) -> None:
        if answer is None:
            return
        self.stop_engine = answer == STOP
        self.others_at_quit = self.remote.other_consoles
        self.exit()

    def _left(self, yes: bool | None) -> None:
        if yes:
            self.others_at_quit = self.remote.other_consoles
            self.exit()


def farewell(stop_engine: bool, others: int, pid: int) -> str | None:
    """The line the terminal shows after the console quit (None when the engine is
    stopped: its caller says how that went)."""
    if stop_engine:
        return None
    if others:
        return (
            f"detached: {others} other console{'s' if others > 1 else ''} still attached "
            f"to the engine (pid {pid}), which keeps running"
        )
    return (
        f"the engine keeps running (pid {pid}): scalp-tui attach opens a console on "
        "it, scalp-tui kill flattens it, kill -TERM stops it"
    )
