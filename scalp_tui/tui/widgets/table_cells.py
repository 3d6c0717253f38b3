"""DataTable cells rendered once per content, not once per change anywhere in the
table.

Textual's DataTable drops every rendered cell whenever any cell is updated, and
renders each again through Rich (~0.5 ms a cell). The positions table changes a
few cells four times a second (PnL, countdown) and so re-rendered all of its ~50
cells each time. Here a rendered cell is kept under what it shows (its text and
styles, its place, width, the table's style and the cursor on it) and reused while
those are the same.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache

CACHED_CELLS = 2048


def content_key(value: object) -> object:
    """What a cell shows, as a hashable key (a Rich Text is not hashable)."""
    if isinstance(value, Text):
        spans = tuple((s.start, s.end, str(s.style)) for s in value.spans)
        return (value.plain, str(value.style), spans, value.justify, value.overflow)
    return value if isinstance(value, (str, int, float)) else repr(value)


class CellsByContent:
    """Mixed in before DataTable (not a widget itself, so that Textual's CSS and
    component classes still come from the DataTable after it)."""

    _cells_by_content: LRUCache[tuple[object, ...], Any] | None = None

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> Any:
        table: Any = self
        render = super()._render_cell  # type: ignore[misc]
        if column_index < 0:  # row labels: none in our tables
            return render(row_index, column_index, base_style, width, cursor, hover)
        column_key = table._column_locations.get_key(column_index)
        if row_index < 0:  # the header row
            value: object = table.columns[column_key].label
            height = table.header_height
        else:
            row_key = table._row_locations.get_key(row_index)
            value = table.get_cell(row_key, column_key)
            height = table.rows[row_key].height
        key = (
            row_index,
            column_index,
            content_key(value),
            height,
            base_style,
            width,
            cursor,
            hover,
            table.show_cursor,
            table._show_hover_cursor,
            table._pseudo_class_state,
        )
        if self._cells_by_content is None:
            self._cells_by_content = LRUCache(CACHED_CELLS)
        lines = self._cells_by_content.get(key)
        if lines is None:
            lines = render(row_index, column_index, base_style, width, cursor, hover)
            self._cells_by_content[key] = lines
        return lines

    def notify_style_update(self) -> None:
        # a new theme or class: the component styles under every cell may differ
        if self._cells_by_content is not None:
            self._cells_by_content.clear()
        super().notify_style_update()  # type: ignore[misc]
