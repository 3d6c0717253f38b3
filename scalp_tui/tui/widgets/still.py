"""Widgets that hand back the lines they drew last while nothing marked them dirty.

Textual's compositor asks every widget whose container overlaps a changed area for
its lines at every frame (the ladder changes ~15 times a second), even when the
widget itself did not change: its cached lines are then styled and filtered again
(~0.2 ms a pane, a dozen panes and boxes a frame). Every change of what a widget shows
(a refresh, a style or size change) goes through `_set_dirty`, so until it is called
again the lines drawn last for the same area are still right.
"""

from __future__ import annotations

from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Footer


class Still:
    """Mixed in before the widget class (not a widget itself)."""

    _still: tuple[object, list[Strip]] | None = None

    def _set_dirty(self, *regions: Region) -> None:
        self._still = None
        super()._set_dirty(*regions)  # type: ignore[misc]

    def notify_style_update(self) -> None:
        self._still = None
        super().notify_style_update()  # type: ignore[misc]

    def render_lines(self, crop: Region) -> list[Strip]:
        widget: object = self
        key = (crop, widget.size, tuple(widget.get_line_filters()))  # type: ignore[attr-defined]
        if self._still is not None and self._still[0] == key:
            return list(self._still[1])
        strips = super().render_lines(crop)  # type: ignore[misc]
        self._still = (key, strips)
        return list(strips)


class Box(Still, Vertical):
    """A pane's box: its border, and a clip that keeps its neighbours' repaints out."""


class Row(Still, Horizontal):
    pass


class DetailBox(Box):
    """A box whose bottom border carries a line that changes often (the selected
    position's distances): a change repaints that border line, not the whole box."""

    _detail = ""

    def set_detail(self, text: str) -> None:
        if text == self._detail:
            return
        self._detail = text
        # stored as Textual's `border_subtitle` stores it, without its whole-box repaint
        self._border_subtitle = self.render_str(text).expand_tabs(4).split()[0]
        # (refresh regions are relative to the content: the bottom border is the row
        # under it, one cell left of it)
        self.refresh(Region(-1, self.size.height, self.outer_size.width, 1))


class StillScreen(Still, Screen[None]):
    pass


class StillFooter(Still, Footer):
    pass
