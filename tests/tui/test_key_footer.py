"""The key footer shows whole keys only, the kill switch and help first."""

import pytest
from console_rig import make_app, until

from scalp_tui.tui.widgets.key_footer import KeyFooter, keys_shown


def footer_line(app) -> str:
    footer = app.screen.query_one(KeyFooter)
    y = footer.region.y
    strip = app.screen._compositor.render_strips()[y]
    return "".join(segment.text for segment in strip)


def shown_keys(app) -> list[str]:
    footer = app.screen.query_one(KeyFooter)
    return [
        key.description
        for key in footer.children
        if key.display and not key.has_class("-command-palette")
    ]


@pytest.mark.parametrize("width", [80, 100, 120, 160])
async def test_every_key_shown_is_whole_and_the_kill_switch_and_help_always_are(width) -> None:
    app = make_app(mode="confirm")
    async with app.run_test(size=(width, 30)) as pilot:
        await until(app, pilot, lambda: bool(shown_keys(app)), step=0.2)
        await pilot.pause()
        line = footer_line(app)
        shown = shown_keys(app)
        assert {"Kill switch", "Help"} <= set(shown)
        for description in shown:
            assert description in line, (description, line)
        # the palette key keeps its place at the right edge, after the last key shown
        assert line.rstrip().endswith("palette")
        assert line.index(shown[-1]) < line.index("palette")


async def test_keys_left_out_at_80_columns_come_back_when_the_terminal_widens() -> None:
    app = make_app(mode="confirm")
    async with app.run_test(size=(80, 30)) as pilot:
        await until(app, pilot, lambda: bool(shown_keys(app)), step=0.2)
        narrow = shown_keys(app)
        await pilot.resize_terminal(200, 30)
        await pilot.pause()
        wide = shown_keys(app)
        assert len(wide) > len(narrow) and set(narrow) <= set(wide)
        assert {"Quit", "Next symbol", "Paper/Live"} <= set(wide)
        assert "Pape" not in footer_line(app).replace("Paper/Live", "")


def test_the_least_needed_keys_go_first_and_the_rest_keep_their_order() -> None:
    # widths 10 each, room for three: ranks 0 (kill) and 1 (help) stay, then the next best
    assert keys_shown([10] * 5, [5, 0, 9, 1, 3], 30) == [False, True, False, True, True]
    assert keys_shown([10] * 3, [0, 1, 2], 30) == [True, True, True]
    # equal ranks: the rightmost goes first
    assert keys_shown([10, 10, 10], [4, 4, 4], 20) == [True, True, False]
