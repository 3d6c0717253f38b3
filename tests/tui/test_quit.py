"""Quitting: q, ctrl+q and the palette's Quit ask the same question while positions
are open, and the question follows what is still open."""

from console_rig import SIZE, make_app, until, wait_for

from scalp_tui.tui.screens.quit import QuitScreen


async def open_a_position(app, pilot) -> None:
    await until(app, pilot, lambda: bool(app.session.snapshot().positions), step=0.2)
    await pilot.press("space")  # pause entries: no new position while the test looks
    app.refresh_all()


def dialog_text(app) -> str:
    screen = app.screen
    assert isinstance(screen, QuitScreen)
    return f"{screen.title_line.render()} {screen.detail.render()}"


async def test_q_asks_and_n_stays() -> None:
    app = make_app(mode="auto")
    async with app.run_test(size=SIZE) as pilot:
        await open_a_position(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, QuitScreen)
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0


async def test_ctrl_q_asks_while_positions_are_open() -> None:
    app = make_app(mode="auto")
    async with app.run_test(size=SIZE) as pilot:
        await open_a_position(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, QuitScreen)
        await pilot.press("ctrl+q")  # asking again does not stack a second question
        await pilot.pause()
        assert sum(isinstance(s, QuitScreen) for s in app.screen_stack) == 1


async def test_the_palette_quit_asks_too() -> None:
    app = make_app(mode="auto")
    async with app.run_test(size=SIZE) as pilot:
        await open_a_position(app, pilot)
        (quit_command,) = [c for c in app.get_system_commands(app.screen) if c.title == "Quit"]
        await quit_command.callback()
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, QuitScreen)


async def test_the_question_says_paper_positions_come_back() -> None:
    app = make_app(mode="auto", symbols=["ETH/USDT:USDT"])
    async with app.run_test(size=SIZE) as pilot:
        await open_a_position(app, pilot)
        (position,) = app.session.snapshot().positions
        await pilot.press("q")
        await pilot.pause()
        text = dialog_text(app)
        assert f"1 position open (#{position.id} {position.symbol.split(':')[0]})" in text
        assert "restored at the next start" in text
        assert "end with" not in text


async def test_the_question_follows_a_kill_switch_flattening() -> None:
    app = make_app(mode="auto", symbols=["ETH/USDT:USDT"])
    async with app.run_test(size=SIZE) as pilot:
        await open_a_position(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert "1 position open" in dialog_text(app)
        await pilot.press("ctrl+k")  # works inside the dialog and flattens
        await wait_for(pilot, lambda: "No position is open now" in dialog_text(app))
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0


async def test_a_replay_says_its_paper_positions_end_with_it() -> None:
    app = make_app(mode="auto")
    app.journaled = False
    async with app.run_test(size=SIZE) as pilot:
        await open_a_position(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert "this run keeps no journal: they end with it" in dialog_text(app)


async def test_quit_without_positions_exits_at_once() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
