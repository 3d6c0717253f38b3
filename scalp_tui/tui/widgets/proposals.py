"""Pending entry proposals in a pane beside the book, never a dialog: every key keeps
working while they wait.

Each shows its symbol, size, price, its conditions as the engine re-evaluates them on
every book, and a countdown on the engine's human clock (wall time, whatever the
market's speed). One is highlighted: `y` and `n` act on it, and the key hint names it,
so an answer can only go to the proposal the trader is looking at.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget

from scalp_tui.engine.protocol import ProposalView
from scalp_tui.tui.fmt import fmt_countdown
from scalp_tui.tui.widgets.signal_panel import _op, _threshold, _value
from scalp_tui.tui.widgets.still import Still


def countdown(ms: int) -> str:
    """Seconds with a tenth under a minute ('9.9 s'), else minutes ('01:30')."""
    ms = max(0, ms)
    return f"{ms / 1000:.1f} s" if ms < 60_000 else fmt_countdown(ms)


def proposal_text(
    proposals: tuple[ProposalView, ...], highlighted: int | None, now_ms: int
) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")  # one row per line: a stable height
    for index, p in enumerate(proposals):
        if index:
            text.append("\n")
        chosen = p.id == highlighted
        name = p.symbol.split(":")[0]
        text.append("▶ " if chosen else "  ", style="bold")
        kind = "MANUAL SHORT" if not p.conditions else "SHORT"
        text.append(f"#{p.id} {kind} {name}", style="bold red" if chosen else "red")
        text.append(f" {p.qty:g} @ {p.price:g}  ")
        left = p.expires_ms - now_ms
        text.append(countdown(left), style="bold yellow" if chosen else "yellow")
        if not chosen:
            continue
        if not p.conditions:
            text.append("\n   manual: no rule behind it, the engine's gates passed", style="bold")
        for c in p.conditions:
            mark, style = ("✓", "bold green") if c.passed else ("✗", "bold red")
            text.append(f"\n   {mark} ", style=style)
            text.append(f"{c.name} {_value(c)} {_op(c)} {_threshold(c)}".replace("  ", " "))
        if p.withdraw_ms is not None:
            text.append("\n   ")
            text.append(
                f" failing: withdrawn in {countdown(p.withdraw_ms - now_ms)} ",
                style="bold black on yellow",
            )
    chosen = next((p for p in proposals if p.id == highlighted), None)
    if chosen is not None:
        text.append("\n")
        text.append(" y ", style="bold reverse")
        text.append(f" accept #{chosen.id} {chosen.symbol.split(':')[0]}  ")
        text.append(" n ", style="bold reverse")
        text.append(" reject")
        if len(proposals) > 1:
            position = [p.id for p in proposals].index(chosen.id) + 1
            text.append(f"  ↑↓ {position} of {len(proposals)}", style="dim")
    return text


class ProposalPane(Still, Widget, can_focus=True):
    """Hidden while nothing is pending; its height follows what it shows."""

    DEFAULT_CSS = """
    ProposalPane { height: auto; display: none; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS = [
        Binding("up", "highlight(-1)", "Previous proposal", show=False),
        Binding("down", "highlight(1)", "Next proposal", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.proposals: tuple[ProposalView, ...] = ()
        self.highlighted: int | None = None
        self._text = Text()
        self._now_ms = 0

    def show(self, proposals: tuple[ProposalView, ...], now_ms: int) -> None:
        self.proposals = tuple(sorted(proposals, key=lambda p: (p.created_ms, p.id)))
        ids = [p.id for p in self.proposals]
        if self.highlighted not in ids:
            self.highlighted = ids[0] if ids else None
        self.display = bool(ids)
        self.border_title = f"proposals ({len(ids)})" if ids else "proposals"
        self._draw(now_ms)

    def _draw(self, now_ms: int) -> None:
        self._now_ms = now_ms
        rows = len(self._text.plain.splitlines())
        self._text = proposal_text(self.proposals, self.highlighted, now_ms)
        # a layout pass only when the pane's height changes, not on every countdown tick
        self.refresh(layout=len(self._text.plain.splitlines()) != rows)

    def highlighted_proposal(self) -> ProposalView | None:
        return next((p for p in self.proposals if p.id == self.highlighted), None)

    def action_highlight(self, step: int) -> None:
        ids = [p.id for p in self.proposals]
        if self.highlighted in ids:
            self.highlighted = ids[(ids.index(self.highlighted) + step) % len(ids)]
            self._draw(self._now_ms)

    def render(self) -> Text:
        return self._text
