"""Quitting with positions open: one question, whatever key or command asked to quit.

The text is rebuilt from the latest snapshot while the question is shown, so a kill
switch or an exit that lands meanwhile is reflected at once (a stale "2 position(s)
open" after everything was flattened would mislead). `LiveQuestion` does that for
every quit dialog: this console's own (QuitScreen) and an attached console's
(screens/quit_engine.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from scalp_tui.engine.protocol import PositionView

REFRESH_HZ = 4
Answer = TypeVar("Answer")


def positions_title(positions: tuple[PositionView, ...]) -> str:
    """ "2 positions open (#3 ETH/USDT, #5 BTC/USDT)." or that none is."""
    if not positions:
        return "No position is open now."
    ids = ", ".join(f"#{p.id} {p.symbol.split(':')[0]}" for p in positions)
    return f"{len(positions)} position{'s' if len(positions) > 1 else ''} open ({ids})."


def fate_when_stopped(positions: tuple[PositionView, ...], journaled: bool) -> Text:
    """What happens to each open position once the engine no longer runs."""
    detail = Text()
    paper = [p for p in positions if p.broker != "live"]
    live = [p for p in positions if p.broker == "live"]
    if paper and journaled:
        detail.append("Paper: ", style="bold")
        detail.append(
            "kept in the journal and restored at the next start. Their timeouts keep "
            "counting while the engine is stopped (one that passed closes at once on "
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
    return detail


def quit_question(positions: tuple[PositionView, ...], journaled: bool) -> tuple[str, Text]:
    """The title and the detail: what happens to each open position after quitting."""
    if not positions:
        return "No position is open now. Quit?", Text("Nothing is left open.")
    return f"{positions_title(positions)} Quit?", fate_when_stopped(positions, journaled)


class LiveQuestion(ModalScreen[Answer]):
    """A dialog whose title and detail are rebuilt `REFRESH_HZ` times a second from
    `question()` (redrawn only when they change)."""

    REFRESH_HZ: ClassVar[float] = REFRESH_HZ
    KEYS: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__()
        self.title_line = Static(classes="dialog-title")
        self.detail = Static()
        self._shown: tuple[str, Text] | None = None

    def question(self) -> tuple[str, Text]:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line
            yield self.detail
            yield Static(self.KEYS, classes="dialog-keys")

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(1 / self.REFRESH_HZ, self.tick)

    def tick(self) -> None:
        title, detail = self.question()
        if self._shown is not None and self._shown == (title, detail):
            return
        self._shown = (title, detail)
        self.title_line.update(title)
        self.detail.update(detail)

    def text(self) -> str:
        """What the dialog says now, as plain text."""
        title, detail = self._shown or self.question()
        return f"{title} {detail.plain}"

    def action_answer(self, answer: Answer) -> None:
        self.dismiss(answer)


class QuitScreen(LiveQuestion[bool]):
    """Dismisses True to quit. `positions` is read again at REFRESH_HZ."""

    BINDINGS = [
        Binding("y", "answer(True)", "Quit"),
        Binding("n,escape", "answer(False)", "Stay"),
    ]
    KEYS = "[b]y[/b] quit    [b]n[/b]/Esc stay"

    def __init__(
        self, positions: Callable[[], tuple[PositionView, ...]], journaled: bool = True
    ) -> None:
        super().__init__()
        self.positions = positions
        self.journaled = journaled

    def question(self) -> tuple[str, Text]:
        return quit_question(self.positions(), self.journaled)
