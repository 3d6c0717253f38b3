"""Quitting a console that started its own engine while positions are open: stop the
engine too, leave it running, or stay."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

STOP = "stop"
LEAVE = "leave"


class QuitEngineScreen(ModalScreen[str | None]):
    """Dismissed with STOP, LEAVE, or None (stay in the console)."""

    BINDINGS = [
        Binding("s", f"answer('{STOP}')", "Stop the engine and quit"),
        Binding("l", f"answer('{LEAVE}')", "Leave the engine running and quit"),
        Binding("n,escape", "answer(None)", "Stay"),
    ]

    def __init__(self, open_positions: int) -> None:
        super().__init__()
        self.open_positions = open_positions

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                f"{self.open_positions} position(s) open. Stop the engine too?",
                classes="dialog-title",
            )
            yield Static(
                "Leave it running (l): it keeps managing them (timeouts, exits, kill "
                "switch); scalp-tui attach opens a console on it again, scalp-tui kill "
                "flattens everything from any shell.\n"
                "Stop it (s): paper positions are kept in the journal and come back on "
                "the next start; live positions stay at the exchange behind their "
                "exchange stop, with no timeout watching them. Ctrl+K flattens first."
            )
            yield Static(
                "[b]l[/b] leave running    [b]s[/b] stop engine    [b]n[/b]/Esc stay",
                classes="dialog-keys",
            )

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)
