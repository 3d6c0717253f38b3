"""A table drawn line by line (lines.py): a header row, a row cursor, whole cells.

Used for the positions table and the watchlist instead of Textual's DataTable, which
renders every cell through Rich again whenever any cell changes (~6-7 ms a redraw,
four times a second each). Here a row is a list of (text, style) runs, built again only
when what it shows changed; an unchanged table is not repainted at all.

What the trader relies on is kept: a cursor row (up/down, page keys, home/end, the
mouse), enter or a click selects the row, the focused table shows a brighter cursor,
rows that do not fit scroll with the cursor under a header that stays. The callers
choose columns wide enough for what they show; a cell that is still too long ends in
"…" instead of losing its end unseen.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message

from scalp_tui.tui.widgets.lines import Line, LinesWidget, Runs, cell_runs, ellipsized

CELL_PADDING = 1  # blank cells each side of every column


def columns_by_rank(
    ranked: list[tuple[str, int]], width: int, always: int
) -> list[tuple[str, int]]:
    """The leading (name, width) columns of `ranked` that fit `width` cells with their
    padding; the first `always` of them whatever the width."""
    kept: list[tuple[str, int]] = []
    used = 0
    for name, column_width in ranked:
        need = column_width + 2 * CELL_PADDING
        if len(kept) >= always and used + need > width:
            break
        kept.append((name, column_width))
        used += need
    return kept


class LineTable(LinesWidget, can_focus=True):
    COMPONENT_CLASSES = {"line-table--header", "line-table--cursor"}
    # the look of Textual's DataTable, which these tables replace
    DEFAULT_CSS = """
    LineTable { height: auto; }
    LineTable > .line-table--header { text-style: bold; background: $panel; color: $foreground; }
    LineTable > .line-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
    LineTable:focus > .line-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """
    BINDINGS = [
        Binding("enter", "select", "Select", show=False),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
    ]

    class RowSelected(Message):
        """Enter on the cursor row, or a click on a row."""

        def __init__(self, table: LineTable, row: int, key: str) -> None:
            super().__init__()
            self.table, self.row, self.key = table, row, key

        @property
        def control(self) -> LineTable:
            return self.table

    def __init__(self, **kwargs: object) -> None:
        super().__init__([], **kwargs)
        self.columns: list[tuple[str, int]] = []
        self.row_keys: list[str] = []
        self._cells: list[dict[str, Runs]] = []
        self.cursor_row = 0
        self._top = 0  # the first row shown under the header
        self._table_key: tuple[object, ...] | None = None
        self._shown_rows: list[dict[str, Runs]] = []

    # -- content ------------------------------------------------------------------

    def set_columns(self, columns: list[tuple[str, int]]) -> None:
        self.columns = list(columns)
        self._draw()

    def set_rows(self, rows: list[tuple[str, dict[str, object]]]) -> None:
        """Show `rows`: (key, {column: cell}) each; repainted only where changed.

        The cursor stays on its row's key when that row is still there: a position
        closing above the selected one must not move the selection (and the keys
        that act on it) to another position."""
        selected = self.row_keys[self.cursor_row] if self.cursor_row < len(self.row_keys) else None
        self.row_keys = [key for key, _ in rows]
        if selected is not None and selected in self.row_keys:
            self.cursor_row = self.row_keys.index(selected)
        self._cells = [
            {name: cell_runs(value) for name, value in cells.items()} for _, cells in rows
        ]
        self.cursor_row = max(0, min(self.cursor_row, len(rows) - 1))
        self._draw()

    def get_cell(self, key: str, column: str) -> str:
        """The text a cell shows ("" when empty)."""
        row = self._cells[self.row_keys.index(key)]
        return "".join(text for text, _ in row.get(column, ()))

    @property
    def row_count(self) -> int:
        return len(self._cells)

    def move_cursor(self, row: int) -> None:
        # before the rows arrive (at start) the row is kept for them
        last = len(self._cells) - 1 if self._cells else row
        self.cursor_row = max(0, min(row, last))
        self._draw()

    # -- drawing ------------------------------------------------------------------

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 + len(self._cells)

    def _visible_rows(self) -> int:
        return max(1, self.size.height - 1)

    def _draw(self) -> None:
        if not self.is_mounted:
            return
        visible = self._visible_rows()
        # keep the cursor in view
        if self.cursor_row < self._top:
            self._top = self.cursor_row
        elif self.cursor_row >= self._top + visible:
            self._top = self.cursor_row - visible + 1
        self._top = max(0, min(self._top, len(self._cells) - visible))
        # (unstyled until the stylesheet reaches the table: it is drawn again then)
        header = self.get_component_rich_style("line-table--header", default=Style(bold=True))
        cursor = self.get_component_rich_style("line-table--cursor", default=Style(reverse=True))
        width = self.size.width
        shown = self._cells[self._top : self._top + visible]
        key = (tuple(self.columns), self._top, self.cursor_row, width, header, cursor)
        if key == self._table_key and shown == self._shown_rows:
            return  # nothing the table shows changed
        self._table_key, self._shown_rows = key, shown
        names = {name: ((name, Style()),) for name, _ in self.columns}
        lines = [self._line(names, header, width)]
        for index, row in enumerate(shown, start=self._top):
            lines.append(self._line(row, cursor if index == self.cursor_row else None, width))
        self.set_lines(lines)

    def _line(self, row: dict[str, Runs], over: Style | None, width: int) -> Line:
        """One row: each cell padded to its column; `over` (the header's or the
        cursor's style) on top of every cell's own and across the whole width."""
        line: Line = []
        used = 0
        pad = " " * CELL_PADDING
        fill = over or Style()
        for name, column_width in self.columns:
            runs = row.get(name, ())
            taken = sum(cell_len(text) for text, _ in runs)
            if taken > column_width:  # never past its column, and never cut unseen
                runs, taken = ellipsized(list(runs), column_width), column_width
            line.append((pad, fill))
            line.extend((text, style + over if over else style) for text, style in runs)
            line.append((" " * (column_width - taken) + pad, fill))
            used += column_width + 2 * CELL_PADDING
        if used < width:
            line.append((" " * (width - used), fill))
        return line

    def on_resize(self, event: events.Resize) -> None:
        self._draw()

    def on_focus(self, event: events.Focus) -> None:
        self._draw()

    def on_blur(self, event: events.Blur) -> None:
        self._draw()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._table_key = None  # a new theme or class: the header and cursor styles
        self.call_later(self._draw)

    # -- keys and mouse -------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        self.move_cursor(self.cursor_row + step)

    def action_cursor_to(self, row: int) -> None:
        self.move_cursor(row if row >= 0 else len(self._cells) - 1)

    def action_page(self, pages: int) -> None:
        self.move_cursor(self.cursor_row + pages * self._visible_rows())

    def action_select(self) -> None:
        if 0 <= self.cursor_row < len(self._cells):
            key = self.row_keys[self.cursor_row]
            self.post_message(self.RowSelected(self, self.cursor_row, key))

    def on_click(self, event: events.Click) -> None:
        row = self._top + event.y - 1  # under the header
        if event.y >= 1 and 0 <= row < len(self._cells):
            self.move_cursor(row)
            self.action_select()
            event.stop()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._scroll(-1)
        event.stop()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._scroll(1)
        event.stop()

    def _scroll(self, rows: int) -> None:
        # the view moves; the cursor follows only where it would leave the view
        visible = self._visible_rows()
        self._top = max(0, min(self._top + rows, len(self._cells) - visible))
        self.cursor_row = max(self._top, min(self.cursor_row, self._top + visible - 1))
        self._draw()
