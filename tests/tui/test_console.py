"""Pilot tests: every key and the confirm flow, on the real app and engine."""

from console_rig import SIZE, advance, make_app, until

from scalp_tui.engine.protocol import ClosePosition, Mode
from scalp_tui.tui.screens.confirm import ConfirmScreen
from scalp_tui.tui.screens.help import HelpScreen
from scalp_tui.tui.screens.live import LiveConfirmScreen

CREDS = {"SCALP_TUI_API_KEY": "test-key-123", "SCALP_TUI_API_SECRET": "test-secret-456"}


def log_text(app) -> str:
    return app.log_pane.text()


async def test_kill_switch_flattens_open_positions() -> None:
    app = make_app(mode="auto")
    async with app.run_test(size=SIZE) as pilot:
        await until(app, pilot, lambda: len(app.session.snapshot().positions) >= 2, step=0.2)
        await pilot.press("ctrl+k")
        await pilot.pause()
        snap = app.session.snapshot()
        assert snap.killed and not snap.positions and not snap.orders
        app.refresh_all()
        status = str(app.status.render())
        assert "BLOCKED: kill switch  flat" in status


async def test_reset_kill_asks_first() -> None:
    app = make_app(mode="auto")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+k")
        await pilot.pause()
        app.refresh_all()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.session.snapshot().killed
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not app.session.snapshot().killed


async def test_going_live_is_refused_without_credentials() -> None:
    app = make_app(quiet=True, exchange={"id": "binanceusdm"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert not isinstance(app.screen, LiveConfirmScreen)
        assert app.session.snapshot().broker == "paper"
        assert "live trading refused: no API credentials" in log_text(app)


async def test_going_live_is_refused_on_the_simulated_market() -> None:
    app = make_app(quiet=True, env=CREDS)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert "simulated market has no exchange" in log_text(app)
        assert "test-secret-456" not in log_text(app)


async def test_going_live_needs_the_typed_word() -> None:
    app = make_app(quiet=True, env=CREDS, exchange={"id": "binanceusdm"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, LiveConfirmScreen)
        await pilot.press("l", "i", "v", "e", "enter")  # lower case: not confirmed
        await pilot.pause()
        assert app.session.snapshot().broker == "paper"
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("L", "I", "V", "E", "enter")
        await pilot.pause()
        # confirmed; this session has no live broker, so the engine says so
        assert "no live broker is configured" in log_text(app)


async def test_a_toggles_auto_and_confirm() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert app.session.snapshot().mode is Mode.AUTO
        await pilot.press("a")
        await pilot.pause()
        assert app.session.snapshot().mode is Mode.CONFIRM


async def test_space_pauses_and_resumes_entries() -> None:
    app = make_app(mode="auto")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await pilot.pause()
        assert not app.session.snapshot().entries_enabled
        entries = app.session.summary()["entries"]
        await advance(app, 30)
        assert app.session.summary()["entries"] == entries
        await pilot.press("space")
        await pilot.pause()
        assert app.session.snapshot().entries_enabled


async def test_tab_and_brackets_move_the_focused_symbol() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=SIZE) as pilot:
        symbols = list(app.symbols)
        assert app.focus_symbol == symbols[0]
        await pilot.press("tab")
        assert app.focus_symbol == symbols[1]
        await pilot.press("]")
        assert app.focus_symbol == symbols[2]
        await pilot.press("[")
        assert app.focus_symbol == symbols[1]
        await pilot.press("shift+tab")
        assert app.focus_symbol == symbols[0]


async def test_x_closes_the_selected_position() -> None:
    app = make_app(mode="auto", symbols=["ETH/USDT:USDT"])
    async with app.run_test(size=SIZE) as pilot:
        await until(app, pilot, lambda: bool(app.session.snapshot().positions), step=0.2)
        (position,) = app.session.snapshot().positions
        app.refresh_all()
        await pilot.press("space")  # pause so no new entry replaces it
        await pilot.press("x")
        await pilot.pause()
        assert position.id not in [p.id for p in app.session.snapshot().positions]
        assert f"#{position.id} closed manual_exit" in log_text(app)


async def test_the_selection_stays_on_its_position_when_one_above_it_closes() -> None:
    app = make_app(mode="auto")
    async with app.run_test(size=SIZE) as pilot:
        await until(app, pilot, lambda: len(app.session.snapshot().positions) >= 2, step=0.2)
        await pilot.press("space")  # no new entry while the test looks
        app.refresh_all()
        await pilot.press("4", "down")  # the positions table, its second row
        first, second = (p.id for p in app.session.snapshot().positions[:2])
        assert app.positions.selected_position_id() == second
        app.run_command(ClosePosition(first))
        await until(app, pilot, lambda: first not in app.positions.ids, step=0.2)
        # x now closes the position the trader selected, not the one that moved up
        assert app.positions.selected_position_id() == second
        await pilot.press("x")
        await pilot.pause()
        assert f"#{second} closed manual_exit" in log_text(app)


async def test_question_mark_shows_the_keys() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert ("ctrl+k", "Kill switch") in app.screen.keys
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_keys_are_rebindable_from_configuration() -> None:
    app = make_app(quiet=True, keys={"toggle_mode": "m"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await pilot.pause()
        assert app.session.snapshot().mode is Mode.AUTO
        await pilot.press("a")  # the default key no longer does it
        await pilot.pause()
        assert app.session.snapshot().mode is Mode.AUTO


async def test_selecting_a_watchlist_row_focuses_that_symbol() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=SIZE) as pilot:
        app.watchlist.focus()
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.focus_symbol == app.symbols[2]
        assert "SOL/USDT:USDT" in str(app.status.render())


async def test_command_palette_offers_every_action() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=SIZE):
        titles = {command.title for command in app.get_system_commands(app.screen)}
    assert {
        "Kill switch",
        "Reset kill",
        "Paper/Live",
        "Auto/Confirm",
        "Close pos.",
        "Pause entries",
        "Next symbol",
        "Help",
    } <= titles


async def test_the_console_works_at_100_by_30() -> None:
    app = make_app(mode="auto")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(app, pilot, lambda: bool(app.session.snapshot().positions), step=0.2)
        app.refresh_all()
        await pilot.pause()
        for widget in (app.ladder, app.watchlist, app.signal, app.positions, app.log_pane):
            assert widget.size.height >= 3 and widget.size.width >= 20, widget
        assert app.positions.ids[0] is not None


async def test_a_full_disk_shows_in_the_console_and_pauses_entries(tmp_path) -> None:
    from crash import fill_the_disk

    from scalp_tui.runtime.recovery import attach
    from scalp_tui.store.intent_log import logged_positions
    from scalp_tui.store.journal import Journal

    journal = Journal(tmp_path / "journal.sqlite", session="console")
    # journaled from its first event on, as the command starts it
    app = make_app(mode="auto", before_start=lambda session: attach(session, journal))
    with journal.connection() as conn:
        fill_the_disk(conn)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(app, pilot, lambda: not app.session.snapshot().entries_enabled, step=0.5)
            await pilot.pause()
            assert "journal write failed (database or disk is full)" in log_text(app)
            assert "entries paused" in log_text(app)
            assert "BLOCKED: journal" in str(app.status.render())
            # every entry that went out is in the journal: in SQLite, or (sent as it
            # filled) in the intent log a restart applies
            with journal.connection() as conn:
                ids = {i for (i,) in conn.execute("SELECT id FROM positions WHERE id > 0")}
            ids |= set(logged_positions(journal.path))
            assert app.session.summary()["entries"] == len(ids)
    finally:
        journal.close()
