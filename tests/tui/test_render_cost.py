"""The panes redrawn many times a second redo only what changed (the console's CPU
budget rests on it): a ladder, tape or table row is built again only when its text or
style changed, and a table whose rows show the same is not repainted."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from unittest.mock import patch

from rich.style import Style
from textual.app import App, ComposeResult
from textual.geometry import Region

from scalp_tui.engine.protocol import PositionState, PositionView
from scalp_tui.tui.widgets.lines import Line, LinesWidget
from scalp_tui.tui.widgets.positions import PositionsTable

NOW = 1_723_161_600_000
RED = Style(color="red")


def rows(*texts: str) -> list[Line]:
    return [[(text, RED)] for text in texts]


class Pane(App[None]):
    def compose(self) -> ComposeResult:
        yield LinesWidget([], id="pane")
        yield PositionsTable(rows=2, id="positions")


@contextmanager
def rows_built() -> Iterator[list[int]]:
    """The row numbers every LinesWidget builds (not takes from its caches) inside."""
    built: list[int] = []
    build = LinesWidget._row_strip

    def counted(self, y, *args):  # type: ignore[no-untyped-def]
        built.append(y)
        return build(self, y, *args)

    with patch.object(LinesWidget, "_row_strip", counted):
        yield built


def draw(widget) -> list[str]:  # type: ignore[no-untyped-def]
    strips = widget.render_lines(Region(0, 0, widget.outer_size.width, widget.outer_size.height))
    return [strip.text for strip in strips]


async def test_only_the_rows_that_changed_are_built_again() -> None:
    app = Pane()
    async with app.run_test(size=(60, 30)) as pilot:
        pane = app.query_one("#pane", LinesWidget)
        assert pane.set_lines(rows("100.0  5", "99.9  7", "99.8  2"))
        await pilot.pause()
        draw(pane)
        with rows_built() as built:
            assert pane.set_lines(rows("100.0  5", "99.9  8", "99.8  2"))
            shown = draw(pane)
        assert built == [1]  # the row that changed
        assert [line.rstrip() for line in shown[:3]] == ["100.0  5", "99.9  8", "99.8  2"]
        assert not pane.set_lines(rows("100.0  5", "99.9  8", "99.8  2"))  # nothing to repaint


def position(pnl: float) -> PositionView:
    return PositionView(
        id=3011,
        symbol="BTC/USDT:USDT",
        broker="paper",
        state=PositionState.OPEN,
        qty=0.004,
        entry_price=60_000.0,
        opened_ms=NOW,
        entry_fee=0.12,
        close_price=None,
        profit_ratio=pnl / 24,
        pnl=pnl,
        target_price=59_820.0,
        stop_price=60_300.0,
        timeout_ms=NOW + 600_000,
    )


async def test_a_table_builds_again_only_the_row_that_changed() -> None:
    app = Pane()
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one("#positions", PositionsTable)
        ticks = {"BTC/USDT:USDT": 0.1}
        table.show((position(0.40),), ticks, NOW)
        await pilot.pause()
        draw(table)
        with rows_built() as built:
            table.show((replace(position(0.40), pnl=0.52, profit_ratio=0.52 / 24),), ticks, NOW)
            shown = "\n".join(draw(table))
            assert built == [1]  # the first row under the header: its PnL changed
            assert "+0.52" in shown and "#3011" in shown
            assert table.get_cell("#3011", "PnL") == "+0.52"
            built.clear()
            table.show((replace(position(0.40), pnl=0.52, profit_ratio=0.52 / 24),), ticks, NOW)
            draw(table)
            assert built == []  # the same figures: nothing built, nothing repainted
