"""The key footer, showing whole keys only, the most needed ones first.

Textual's footer lays its keys out in a row and cuts the row at the screen's edge: at
80 columns the fifth key showed as "p Pape", and help and quit never showed below 160
columns. Here the keys that do not fit are left out, least needed first (the order of
FOOTER_PRIORITY), and the ones shown keep their order. Every key is still in the help
screen (`?`) and the command palette.
"""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from scalp_tui.tui.keymap import ACTIONS
from scalp_tui.tui.widgets.still import StillFooter

# action ids, most needed first: the kill switch, then how to find everything else,
# then what answers or ends a position, then the rest
FOOTER_PRIORITY = (
    "kill",
    "help",
    "accept",
    "reject",
    "close_position",
    "manual_entry",
    "quit",
    "pause",
    "toggle_mode",
    "next_symbol",
    "reset_kill",
    "toggle_paper",
    "charts",
)
_RANK = {
    action.action: FOOTER_PRIORITY.index(action.id)
    for action in ACTIONS
    if action.id in FOOTER_PRIORITY
}


def keys_shown(widths: list[int], ranks: list[int], room: int) -> list[bool]:
    """Which keys to show in `room` cells: drop the worst-ranked (the rightmost of
    equals) until the rest fit."""
    shown = [True] * len(widths)
    used = sum(widths)
    by_need = sorted(range(len(widths)), key=lambda i: (ranks[i], i), reverse=True)
    for i in by_need:
        if used <= room:
            break
        shown[i] = False
        used -= widths[i]
    return shown


class KeyFooter(StillFooter):
    async def recompose(self) -> None:
        await super().recompose()
        self._fit()  # before the new keys are first drawn: widths come from their text

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        keys, palette = [], 0
        for child in self.children:
            if child.has_class("-command-palette"):
                palette += _width(child)
            else:
                keys.append(child)
        widths = [_width(child) for child in keys]
        ranks = [_RANK.get(getattr(child, "action", ""), len(_RANK)) for child in keys]
        room = self.size.width - palette
        for child, show in zip(keys, keys_shown(widths, ranks, room), strict=True):
            if child.display != show:
                child.display = show


def _width(child: object) -> int:
    """Cells a key takes, shown or not (a hidden widget's size is 0)."""
    styles = child.styles  # type: ignore[attr-defined]
    if isinstance(child, FooterKey):
        return child.render().cell_len + styles.gutter.width + styles.margin.width
    return child.outer_size.width + styles.margin.width  # type: ignore[attr-defined]
