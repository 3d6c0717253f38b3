"""A pending entry: the user accepts or rejects it before it expires."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from scalp_tui.engine.protocol import ProposalView
from scalp_tui.tui.fmt import fmt_countdown
from scalp_tui.tui.widgets.signal_panel import _op, _threshold, _value


def proposal_text(p: ProposalView, now_ms: int, position: int, total: int) -> Text:
    text = Text()
    text.append(f"SHORT {p.symbol}", style="bold red")
    if total > 1:
        text.append(f"   ({position} of {total} pending)", style="dim")
    text.append(f"\n\nsell {p.qty:g} at about {p.price:g} (best bid)\n\n")
    for c in p.conditions:
        mark, style = ("✓", "green") if c.passed else ("✗", "red")
        text.append(f" {mark} ", style=f"bold {style}")
        text.append(f"{c.name:<10}{_value(c):>12} {_op(c):>2} {_threshold(c)}\n")
    left = p.expires_ms - now_ms
    text.append("\nexpires in ")
    text.append(fmt_countdown(left) + f".{max(0, left) % 1000 // 100}", style="bold yellow")
    return text


class ProposalScreen(ModalScreen[bool]):
    """Dismisses True (accept) or False (reject); the app closes it on expiry."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Accept"),
        Binding("n,escape", "answer(False)", "Reject"),
    ]

    def __init__(self, proposal: ProposalView, now_ms: int, position: int, total: int) -> None:
        super().__init__()
        self.proposal = proposal
        self.body = Static(proposal_text(proposal, now_ms, position, total))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog proposal-dialog"):
            yield Static("Entry proposal — tag 661", classes="dialog-title")
            yield self.body
            yield Static("[b]y[/b]/Enter accept    [b]n[/b]/Esc reject", classes="dialog-keys")

    def tick(self, now_ms: int, position: int, total: int) -> None:
        self.body.update(proposal_text(self.proposal, now_ms, position, total))

    def action_answer(self, accept: bool) -> None:
        self.dismiss(accept)
