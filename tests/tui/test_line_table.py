"""The line-drawn table under the positions and the watchlist: what the trader does
with it (move the cursor, scroll, select) works as it did with Textual's DataTable."""

from textual.app import App, ComposeResult

from scalp_tui.tui.widgets.line_table import LineTable

ROWS = [(f"row{i}", {"name": f"row {i}", "value": f"{i * 1.5:.2f}"}) for i in range(8)]


class TableApp(App[None]):
    CSS = "LineTable { height: 4; }"  # the header and three rows

    def __init__(self) -> None:
        super().__init__()
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield LineTable(id="table")

    def on_mount(self) -> None:
        table = self.query_one(LineTable)
        table.set_columns([("name", 6), ("value", 6)])
        table.set_rows(ROWS)
        table.focus()

    def on_line_table_row_selected(self, event: LineTable.RowSelected) -> None:
        self.selected.append(event.key)


def shown(table: LineTable) -> list[str]:
    return [line.rstrip() for line in table.text().splitlines()]


async def test_the_cursor_scrolls_the_rows_under_a_header_that_stays() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(LineTable)
        assert shown(table) == [" name    value", " row 0   0.00", " row 1   1.50", " row 2   3.00"]
        await pilot.press("down", "down", "down", "down")
        assert table.cursor_row == 4
        assert shown(table)[0] == " name    value"
        assert " row 4   6.00" in shown(table)  # the cursor's row came into view
        await pilot.press("end")
        assert table.cursor_row == 7 and shown(table)[-1] == " row 7   10.50"
        await pilot.press("home")
        assert table.cursor_row == 0 and shown(table)[1] == " row 0   0.00"
        await pilot.press("pagedown")
        assert table.cursor_row == 3


async def test_enter_and_a_click_select_a_row() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(LineTable)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.selected == ["row1"]
        await pilot.click(LineTable, offset=(2, 3))  # the third row under the header
        await pilot.pause()
        assert table.cursor_row == 2 and app.selected == ["row1", "row2"]


async def test_a_cell_too_long_for_its_column_is_marked_cut() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(LineTable)
        table.set_rows([("long", {"name": "a name too long", "value": "1"})])
        await pilot.pause()
        assert shown(table)[1] == " a nam…  1"  # not past its column, not cut unseen
        assert table.get_cell("long", "name") == "a name too long"


async def test_a_cell_of_styled_runs_is_marked_cut_even_when_its_first_run_fits_exactly() -> None:
    from rich.text import Text

    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(LineTable)
        cell = Text.assemble(("-0.52%", "red"), (" (x)", "dim"))  # 6 + 4 cells in 6
        table.set_rows([("runs", {"name": cell, "value": "1"})])
        await pilot.pause()
        assert shown(table)[1] == " -0.52…  1"


async def test_the_cursor_stays_on_its_row_when_rows_above_it_go_or_come() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(LineTable)
        await pilot.press("down", "down", "down")
        assert table.row_keys[table.cursor_row] == "row3"
        table.set_rows([row for row in ROWS if row[0] not in ("row0", "row1")])
        assert table.row_keys[table.cursor_row] == "row3"
        table.set_rows([("new", {"name": "new", "value": "0"}), *ROWS])
        assert table.row_keys[table.cursor_row] == "row3"
        # the selected row itself gone: the cursor stays where it was, on its neighbour
        table.set_rows([row for row in ROWS if row[0] != "row3"])
        assert table.row_keys[table.cursor_row] == "row5"
        table.set_rows(ROWS[:2])
        assert table.cursor_row == 1  # fewer rows than the cursor's place: the last
