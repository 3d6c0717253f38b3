"""The key reference, built from the same registry as the bindings."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2))
        table.add_column(style="bold cyan")
        table.add_column()
        for key, description in self.keys:
            table.add_row(key, description)
        table.add_row("y / Enter", "accept the proposal shown")
        table.add_row("n / Esc", "reject the proposal shown")
        table.add_row("ctrl+p", "command palette (every action by name)")
        with Vertical(classes="dialog"):
            yield Static("Keys", classes="dialog-title")
            yield Static(table)
            yield Static("Esc closes", classes="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)
