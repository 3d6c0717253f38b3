"""Going live: the user types LIVE to confirm; anything else cancels."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

CONFIRM_WORD = "LIVE"


class LiveConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, exchange: str) -> None:
        super().__init__()
        self.exchange = exchange

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog live-dialog"):
            yield Static("Switch new entries to LIVE trading", classes="dialog-title")
            yield Static(
                f"New entries will send real orders to [b]{self.exchange}[/b].\n"
                "Open paper positions stay on the paper broker until closed.\n"
                f"Type [b]{CONFIRM_WORD}[/b] and press Enter to confirm; Esc cancels."
            )
            yield Input(placeholder=CONFIRM_WORD, id="live-word")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() == CONFIRM_WORD)

    def action_cancel(self) -> None:
        self.dismiss(False)
