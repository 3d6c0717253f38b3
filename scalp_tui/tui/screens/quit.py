"""Quitting with positions open: one question, whatever key or command asked to quit.

The text is rebuilt from the latest snapshot while the question is shown, so a kill
switch or an exit that lands meanwhile is reflected at once (a stale "2 position(s)
open" after everything was flattened would mislead).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from scalp_tui.engine.protocol import PositionView

REFRESH_HZ = 4


def quit_question(positions: tuple[PositionView, ...], journaled: bool) -> tuple[str, Text]:
    """The title and the detail: what happens to each open position after quitting."""
    if not positions:
        return "No position is open now. Quit?", Text("Nothing is left open.")
    ids = ", ".join(f"#{p.id} {p.symbol.split(':')[0]}" for p in positions)
    title = f"{len(positions)} position{'s' if len(positions) > 1 else ''} open ({ids}). Quit?"
    detail = Text()
    paper = [p for p in positions if p.broker != "live"]
    live = [p for p in positions if p.broker == "live"]
    if paper and journaled:
        detail.append("Paper: ", style="bold")
        detail.append(
            "kept in the journal and restored at the next start. Their timeouts keep "
            "counting while the console is closed (one that passed closes at once on "
            "restart); nothing watches their target or stop until then.\n"
        )
    elif paper:
        detail.append("Paper: ", style="bold")
        detail.append("this run keeps no journal: they end with it.\n")
    if live:
        unprotected = [p for p in live if p.exchange_stop_price is None]
        detail.append("Live: ", style="bold #d70000")
        detail.append(
            "stay open at the exchange. Until the next start (which reconciles them) "
            "no target, timeout or reversal is watched"
        )
        if unprotected:
            names = ", ".join(f"#{p.id}" for p in unprotected)
            detail.append(f"; {names} ha{'ve' if len(unprotected) > 1 else 's'} ")
            detail.append("NO exchange-side stop", style="bold #d70000")
        else:
            detail.append("; only the exchange-side stop protects them")
        detail.append(".\n")
    detail.append("ctrl+k flattens everything first.")
    return title, detail


class QuitScreen(ModalScreen[bool]):
    """Dismisses True to quit. `positions` is read again at REFRESH_HZ."""

    BINDINGS = [
        Binding("y", "answer(True)", "Quit"),
        Binding("n,escape", "answer(False)", "Stay"),
    ]

    def __init__(
        self, positions: Callable[[], tuple[PositionView, ...]], journaled: bool = True
    ) -> None:
        super().__init__()
        self.positions = positions
        self.journaled = journaled
        self.title_line = Static(classes="dialog-title")
        self.detail = Static()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line
            yield self.detail
            yield Static("[b]y[/b] quit    [b]n[/b]/Esc stay", classes="dialog-keys")

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(1 / REFRESH_HZ, self.tick)

    def tick(self) -> None:
        title, detail = quit_question(self.positions(), self.journaled)
        self.title_line.update(title)
        self.detail.update(detail)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
