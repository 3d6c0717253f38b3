"""Every terminal size from 80x24 up: what a scalper must see stays on screen."""

import pytest
from console_rig import make_app, until

from scalp_tui.tui.fmt import fmt_countdown
from scalp_tui.tui.widgets.positions import fitting_columns


async def positions_open(app, pilot, count: int = 2) -> None:
    await until(app, pilot, lambda: len(app.session.snapshot().positions) >= count, step=0.2)
    await pilot.press("space")  # no more entries while the test looks
    app.refresh_all()
    await pilot.pause()


def screen_text(app) -> str:
    """The whole screen as the terminal would show it."""
    lines = []
    for y in range(app.size.height):
        strip = app.screen._compositor.render_strips()[y]
        lines.append("".join(segment.text for segment in strip))
    return "\n".join(lines)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)])
async def test_every_open_position_shows_its_countdown_and_whole_id(size) -> None:
    app = make_app(mode="auto")
    async with app.run_test(size=size) as pilot:
        await positions_open(app, pilot)
        shown = screen_text(app)
        snap = app.session.snapshot()
        assert len(snap.positions) >= 2
        for position in snap.positions:
            left = fmt_countdown(position.timeout_ms - snap.ts_ms)
            row = next(line for line in shown.splitlines() if f"#{position.id} " in line)
            assert position.symbol.split(":")[0] in row
            assert left in row or fmt_countdown(position.timeout_ms - snap.ts_ms + 1000) in row
        assert "PnL% mgn" in shown and "left" in shown


def test_columns_drop_from_the_right_as_the_pane_narrows() -> None:
    names = [[name for name, _ in fitting_columns(width, 5)] for width in (44, 55, 100, 180)]
    assert names[0] == ["#", "symbol", "PnL% mgn", "PnL", "left"]
    assert names[1] == ["#", "symbol", "PnL% mgn", "PnL", "left", "to stop"]
    assert names[2][5:] == ["to stop", "to tgt", "stop", "target", "rev"]
    assert names[3][-1] == "broker" and {"notional", "liq~", "fees"} <= set(names[3])


def test_a_long_id_widens_its_column_instead_of_being_cut() -> None:
    (id_column, *_) = fitting_columns(44, len("#123456"))
    assert id_column == ("#", 7)


async def test_ids_longer_than_the_column_are_shown_whole() -> None:
    from dataclasses import replace

    app = make_app(mode="auto")
    async with app.run_test(size=(80, 24)) as pilot:
        await positions_open(app, pilot, count=1)
        snap = app.session.snapshot()
        long_ids = tuple(replace(p, id=301_100 + i) for i, p in enumerate(snap.positions))
        app.positions.show(long_ids, {s.symbol: s.tick_size for s in snap.symbols}, snap.ts_ms)
        assert app.positions.get_cell("#301100", "#") == "#301100"
        # the id column is as wide as the id, and the countdown still fits beside it
        assert app.positions.columns[0] == ("#", len("#301100"))
        assert "left" in [name for name, _ in app.positions.columns]


async def test_under_80_by_24_one_line_says_what_is_needed() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=(79, 24)) as pilot:
        await pilot.pause()
        assert "terminal too small: need 80x24" in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert "terminal too small" not in screen_text(app)
        assert "order book" in screen_text(app)


async def test_number_keys_focus_the_panes() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=(160, 48)) as pilot:
        for key, widget in (
            ("1", app.ladder),
            ("2", app.watchlist),
            ("3", app.signal),
            ("4", app.positions),
            ("5", app.log_pane),
        ):
            await pilot.press(key)
            assert app.focused is widget, key


async def test_the_log_scrolls_from_the_keyboard() -> None:
    app = make_app(mode="auto")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(app, pilot, lambda: len(app.log_pane.text().splitlines()) > 10, step=1)
        app.log_pane.flush()
        await pilot.press("5")
        newest = str(app.log_pane.render()).splitlines()[-1]
        await pilot.press("pageup")
        assert str(app.log_pane.render()).splitlines()[-1] != newest
        await pilot.press("end")
        assert str(app.log_pane.render()).splitlines()[-1] == newest
        await pilot.press("up")
        assert str(app.log_pane.render()).splitlines()[-1] != newest  # one line back


async def test_the_watchlist_folds_under_30_rows_and_w_unfolds_it() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.watchlist.display or app.watchlist.size.height == 0
        await pilot.press("w")
        await pilot.pause()
        assert app.watchlist.size.height >= 3
        await pilot.press("2")  # focusing it keeps it shown
        assert app.focused is app.watchlist


async def test_tab_moves_the_watchlist_highlight_with_the_focused_symbol() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("tab")
        await pilot.pause()
        assert app.watchlist.cursor_row == 1
        assert app.focus_symbol == app.symbols[1]


async def test_a_resize_under_a_dialog_reaches_the_main_screen() -> None:
    from scalp_tui.tui.screens.help import HelpScreen

    app = make_app(quiet=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.resize_terminal(79, 24)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert "terminal too small: need 80x24" in screen_text(app)


async def test_pending_proposals_leave_the_positions_their_room_at_120_by_40() -> None:
    app = make_app(mode="auto", confirm_grace_s=60, confirm_timeout_s=60)
    async with app.run_test(size=(120, 40)) as pilot:
        await positions_open(app, pilot, count=1)
        await pilot.press("space")  # entries back on, in confirm mode: proposals queue
        await pilot.press("a")
        await until(app, pilot, lambda: len(app.session.snapshot().proposals) >= 2, step=0.25)
        app.sync_proposals()
        await pilot.pause()
        assert app.proposal_pane.display
        open_rows = len(app.session.snapshot().positions)
        assert app.positions.size.height >= 1 + open_rows  # the header and every row
        assert "left" in screen_text(app)


async def test_the_positions_border_names_the_selected_row_as_the_cursor_moves() -> None:
    app = make_app(mode="auto")
    async with app.run_test(size=(160, 48)) as pilot:
        await positions_open(app, pilot)
        first, second = (p.id for p in app.session.snapshot().positions[:2])
        await pilot.press("4")  # the positions pane takes the arrows
        for key, shown_id in (("down", second), ("up", first)):
            await pilot.press(key)
            app.refresh_all()
            await pilot.pause()
            bottom = screen_text(app).splitlines()[-14]  # the border under the table
            assert f"#{shown_id} · stop " in bottom, bottom


async def test_a_watchlist_longer_than_its_pane_scrolls_to_the_cursor() -> None:
    coins = ("BTC", "ETH", "SOL", "XRP", "DOGE", "ADA", "BNB", "LTC", "AVAX", "LINK")
    app = make_app(quiet=True, symbols=[f"{coin}/USDT:USDT" for coin in coins])
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("2", *["down"] * 8)
        await pilot.pause()
        assert app.watchlist.size.height <= app.watchlist_box.size.height
        assert app.watchlist.cursor_row == 8
        assert "AVAX/USDT" in screen_text(app)


async def test_the_header_is_drawn_for_its_width_from_the_first_frame() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=(80, 24)):
        header = screen_text(app).splitlines()[0]
        assert header.rstrip().endswith("00:00:00"), header  # the clock, not cut or wrapped
