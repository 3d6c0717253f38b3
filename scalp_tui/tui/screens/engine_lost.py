"""The whole screen, while the engine an attached console watches cannot be reached:
prices, positions and countdowns behind it are stale, and keys reach nothing."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static


class EngineLostScreen(ModalScreen[str]):
    """Dismissed with "quit" by the trader, or "back" once the engine answers again
    (by itself, or restarted from here: `r` asks the app with RestartRequested)."""

    class RestartRequested(Message):
        pass

    DEFAULT_CSS = """
    EngineLostScreen { align: center middle; background: $error 60%; }
    EngineLostScreen > Vertical { width: 100%; height: 100%; padding: 2 4;
        background: $error-darken-2; border: heavy $error; }
    EngineLostScreen .lost-title { text-style: bold; color: $text; margin-bottom: 1; }
    """
    BINDINGS = [
        Binding("r", "restart", "Restart the engine"),
        Binding("q", "answer('quit')", "Quit the console"),
    ]

    def __init__(self, problem: str, restart_command: str) -> None:
        super().__init__()
        self.problem = problem
        self.restart_command = restart_command
        self.detail = Static(id="lost-detail")
        self.outcome = Static(id="lost-outcome")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("ENGINE LOST", classes="lost-title")
            yield self.detail
            yield Static(
                "Nothing on the screen behind this is current, and no key reaches the "
                "engine. If it died, open positions are not being watched: paper ones come "
                "back from the journal on restart; live ones rest at the exchange, "
                "protected only by their exchange-side stop where one was placed."
            )
            yield Static(f"\n[b]r[/b] restart it: {self.restart_command}")
            yield Static("[b]q[/b] quit this console")
            yield self.outcome
        self.show(self.problem)

    def show(self, problem: str) -> None:
        self.problem = problem
        self.detail.update(problem)

    def say(self, text: str) -> None:
        self.outcome.update(f"\n{text}")

    def action_restart(self) -> None:
        self.say(f"restarting: {self.restart_command} …")
        self.post_message(self.RestartRequested())

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer)
