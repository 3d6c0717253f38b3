"""A widget drawn line by line from ready (text, style) runs, for panes redrawn many
times a second.

Rows are built straight into segments with styles parsed once (a Rich `Text` of the
same ladder cost ~5 ms a frame, this ~1 ms), and only the rows whose text or style
changed since the last frame are marked for repainting: Textual keeps the other rows'
finished lines (border, padding and colours applied) and its compositor redraws just
the rows that changed. A pane without border or padding of its own (the ladder:
its box draws them) skips Textual's per-row styling pass altogether, keeps each
finished row under what it shows, so a row that comes back is not built again, and
hands back the rows no change touched as they were (the compositor asks for every row
at every frame that touches the pane's box).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.color import Color
from textual.filter import LineFilter
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from scalp_tui.tui.widgets.frame_style import FrameStyle

Line = list[tuple[str, Style]]
DIM = Style(dim=True)
NO_STYLE = Style()
Runs = tuple[tuple[str, Style], ...]


@lru_cache(maxsize=256)
def parse_style(spec: str) -> Style:
    return Style.parse(spec) if spec else Style()


def cell_runs(value: object) -> Runs:
    """A string or a Rich Text (with its styles) as (text, style) runs."""
    if not isinstance(value, Text):
        return ((str(value), Style()),)
    base = value.style if isinstance(value.style, Style) else parse_style(value.style)
    if not value.spans:
        return ((value.plain, base),)
    ends = {0, len(value.plain), *(s.start for s in value.spans), *(s.end for s in value.spans)}
    runs = []
    for start, end in pairwise(sorted(ends)):
        style = base
        for span in value.spans:
            if span.start <= start and end <= span.end:
                extra = span.style
                style += extra if isinstance(extra, Style) else parse_style(extra)
        runs.append((value.plain[start:end], style))
    return tuple(runs)


def text_lines(text: Text) -> list[Line]:
    """A Rich Text as one Line per line of it."""
    return [list(cell_runs(line)) for line in text.split("\n")]


class Painter:
    """Style of a run -> its final style: the widget's base under it, the app's line
    filters (true colour, dim, NO_COLOR) applied, each style worked out once."""

    def __init__(
        self, key: object, base: Style, background: Color, filters: Sequence[LineFilter]
    ) -> None:
        self.key = key
        self._base, self._background, self._filters = base, background, filters
        self._styles: dict[Style, Style] = {}

    def style(self, style: Style) -> Style:
        final = self._styles.get(style)
        if final is None:
            final = self._base + style
            for line_filter in self._filters:
                (segment,) = line_filter.apply([Segment(" ", final)], self._background)
                final = segment.style or NO_STYLE
            self._styles[style] = final
        return final


CACHED_ROWS = 256


class LinesWidget(FrameStyle, Widget):
    ELLIPSIS = False  # a row longer than the pane ends in "…" (else it is cut)

    def __init__(self, first_line: Line, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._lines: list[Line] = [first_line]
        self._dimmed = False  # every row but the first drawn dim
        self._rows: LRUCache[tuple[object, ...], Strip] = LRUCache(CACHED_ROWS)
        self._drawn: list[Strip | None] = []  # finished rows, None where marked dirty
        self._drawn_for: tuple[object, ...] | None = None  # (width, filters) they were for
        self._paint: Painter | None = None

    def set_lines(self, lines: list[Line], dimmed: bool = False) -> bool:
        """Show `lines`, repainting only the rows that differ from those shown; says
        whether any did."""
        before = self._lines
        self._lines = lines
        if dimmed != self._dimmed:  # every row's colours change
            self._dimmed = dimmed
            self.refresh()
            return True
        width = self.size.width
        changed = [
            Region(0, y, width, 1)
            for y in range(max(len(before), len(lines)))
            if y >= len(before) or y >= len(lines) or before[y] != lines[y]
        ]
        if changed:
            self.refresh(*changed)
        return bool(changed)

    def _set_dirty(self, *regions: Region) -> None:
        # every change of what the pane shows comes through here (a style or size
        # change too): the rows it names, or all of them, are drawn again
        if regions:
            for region in regions:
                for y in region.line_range:
                    if 0 <= y < len(self._drawn):
                        self._drawn[y] = None
        else:
            self._drawn = []
        super()._set_dirty(*regions)

    def render_lines(self, crop: Region) -> list[Strip]:
        styles = self.styles
        if styles.gutter or styles.tint.a or styles.opacity != 1 or styles.text_opacity != 1:
            return super().render_lines(crop)  # borders, padding, effects: Textual's pass
        width, height = self.size
        filters = self.get_line_filters()
        if self._drawn_for != (width, tuple(filters)) or len(self._drawn) != height:
            self._drawn_for = (width, tuple(filters))
            self._drawn = [None] * height
        drawn = self._drawn
        strips = []
        base = paint = None
        for y in crop.line_range:
            strip = drawn[y] if y < height else None
            if strip is None:
                if base is None:  # read once a frame, and only when a row is drawn
                    base = self.rich_style
                    paint = self._painter(base, self.background_colors[1], filters)
                line = self._lines[y] if y < len(self._lines) else None
                key = (tuple(line) if line else None, self._dimmed and y > 0, width, paint)
                strip = self._rows.get(key)
                if strip is None:
                    strip = self._row_strip(y, width, base, paint)
                    self._rows[key] = strip
                if y < height:
                    drawn[y] = strip
            strips.append(strip)
        if crop.column_span != (0, width):
            strips = [strip.crop(*crop.column_span) for strip in strips]
        return strips

    def render_line(self, y: int) -> Strip:
        return self._row_strip(y, self.size.width, self.rich_style)

    def _painter(self, base: Style, background: Color, filters: Sequence[LineFilter]) -> Painter:
        """Final styles for this frame's base style, background and the app's line
        filters, each worked out once: the rows are built with them, so no filter pass
        makes a second copy of every new row."""
        key = (base, background, tuple(filters))
        if self._paint is None or self._paint.key != key:
            self._paint = Painter(key, base, background, filters)
        return self._paint

    def _row_strip(self, y: int, width: int, base: Style, paint: Painter | None = None) -> Strip:
        # `base`: the widget's own style, its background under every segment; `paint`:
        # the final style of each (base + style), filters applied (none: Textual's pass
        # applies them)
        final = paint.style if paint is not None else base.__add__
        dimmed = self._dimmed and y > 0
        if y >= len(self._lines):
            return Strip.blank(width, final(DIM if dimmed else NO_STYLE))
        line = self._lines[y]
        length = sum(cell_len(text) for text, _ in line)
        if self.ELLIPSIS and length > width:
            line, length = ellipsized(line, width), width
        segments = [Segment(text, final(DIM + style if dimmed else style)) for text, style in line]
        if length > width:
            return Strip(segments, length).crop(0, width)
        if length < width:
            segments.append(Segment(" " * (width - length), final(DIM if dimmed else NO_STYLE)))
        return Strip(segments, width)  # one Strip, its length known: no measuring pass

    def text(self) -> str:
        """The pane as plain text (tests, debugging)."""
        return "\n".join("".join(t for t, _ in line) for line in self._lines)


def ellipsized(line: Line, width: int) -> Line:
    """`line` cut to `width - 1` cells and "…" in the style of the run it cuts."""
    kept: Line = []
    room = width - 1
    for text, style in line:
        length = cell_len(text)
        if length >= room:
            kept.append((set_cell_size(text, room) + "…", style))
            return kept
        kept.append((text, style))
        room -= length
    return kept
