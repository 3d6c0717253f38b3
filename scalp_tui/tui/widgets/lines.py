"""A widget drawn line by line from ready (text, style) runs, for panes redrawn many
times a second.

Rows are built straight into segments with styles parsed once (a Rich `Text` of the
same ladder cost ~5 ms a frame, this ~1 ms), and only the rows whose text or style
changed since the last frame are marked for repainting: Textual keeps the other rows'
finished lines (border, padding and colours applied) and its compositor redraws just
the rows that changed.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from scalp_tui.tui.widgets.frame_style import FrameStyle

Line = list[tuple[str, Style]]
DIM = Style(dim=True)


class LinesWidget(FrameStyle, Widget):
    def __init__(self, first_line: Line, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._lines: list[Line] = [first_line]
        self._dimmed = False  # every row but the first drawn dim

    def set_lines(self, lines: list[Line], dimmed: bool = False) -> None:
        """Show `lines`, repainting only the rows that differ from those shown."""
        before = self._lines
        self._lines = lines
        if dimmed != self._dimmed:  # every row's colours change
            self._dimmed = dimmed
            self.refresh()
            return
        width = self.size.width
        changed = [
            Region(0, y, width, 1)
            for y in range(max(len(before), len(lines)))
            if y >= len(before) or y >= len(lines) or before[y] != lines[y]
        ]
        if changed:
            self.refresh(*changed)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style  # the widget's background under every segment
        if y >= len(self._lines):
            return Strip.blank(width, base)
        if self._dimmed and y > 0:
            base = base + DIM
        strip = Strip([Segment(text, base + style) for text, style in self._lines[y]])
        return strip.crop_extend(0, width, base)

    def text(self) -> str:
        """The pane as plain text (tests, debugging)."""
        return "\n".join("".join(t for t, _ in line) for line in self._lines)
