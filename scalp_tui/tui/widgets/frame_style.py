"""Panes that look their own style up once a frame.

Textual's `rich_style` walks up the DOM each time it is read, and a pane drawn through
Textual's per-row styling pass reads it once per row drawn: ~0.2 ms a row, more than
the row itself costs. Within one `render_lines` call the style cannot change (a new
theme or class repaints the widget in a later frame), so it is read once there.
"""

from __future__ import annotations

from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip


class FrameStyle:
    """Mixed in before the widget class (not a widget itself, so that Textual's CSS
    and component classes still come from the widget class after it)."""

    _frame_style: Style | None = None
    _in_frame = False

    def render_lines(self, crop: Region) -> list[Strip]:
        self._in_frame, self._frame_style = True, None
        try:
            return super().render_lines(crop)  # type: ignore[misc]
        finally:
            self._in_frame, self._frame_style = False, None

    @property
    def rich_style(self) -> Style:
        if not self._in_frame:
            return super().rich_style  # type: ignore[misc]
        if self._frame_style is None:
            self._frame_style = super().rich_style  # type: ignore[misc]
        return self._frame_style
