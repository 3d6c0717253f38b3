"""The charts screen: its key opens it over the console, it draws the trades closed
so far and the focused symbol's price with the entries and exits, Esc closes it."""

from console_rig import SIZE, advance, make_app, wait_for

from scalp_tui.tui.screens.charts import ChartsScreen


async def play_until_a_trade_closed(app, pilot) -> None:
    # Sampled after each simulated second as the console's 1 Hz timer would, so the
    # price has many points though the market runs at full speed here.
    app.sample_history()
    for _ in range(600):
        await advance(app, 1)
        app.sample_history()
        if app.history.closed >= 1:
            app.focus_symbol = app.history.exits[-1][0]
            return
    raise AssertionError("no trade closed in 600 simulated seconds")


async def test_g_opens_the_charts_with_axes_and_escape_closes_them() -> None:
    app = make_app(mode="auto")
    async with app.run_test(size=SIZE) as pilot:
        await play_until_a_trade_closed(app, pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChartsScreen))
        screen = app.screen
        await wait_for(pilot, lambda: "┤" in screen.equity.plain and "┤" in screen.price.plain)
        equity, price = screen.equity.plain, screen.price.plain
        assert "trades closed" in equity and "└" in equity
        assert "minutes" in price and "└" in price
        assert "▼" in price.split("\n", 1)[1] and "▲" in price.split("\n", 1)[1]  # not the title
        # drawn at the widget's size, not plotext's idea of a terminal
        assert max(len(line) for line in equity.splitlines()) == screen.equity.content_size.width
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ChartsScreen))


async def test_before_any_trade_the_charts_say_so_and_g_closes_them() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await advance(app, 1)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChartsScreen))
        await wait_for(pilot, lambda: bool(app.screen.equity.plain))
        assert app.screen.equity.plain == "no trade closed yet"
        await pilot.press("g")
        await wait_for(pilot, lambda: not isinstance(app.screen, ChartsScreen))


async def test_a_proposal_closes_the_charts_so_it_is_seen() -> None:
    app = make_app(mode="confirm", symbols=["BTC/USDT:USDT"])
    async with app.run_test(size=SIZE) as pilot:
        while app.session.snapshot().proposals:  # the market's first book already signals
            app.sync_proposals()
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChartsScreen))
        for _ in range(600):
            await advance(app, 0.5)
            if app.snap.proposals:
                break
        await wait_for(pilot, lambda: not isinstance(app.screen, ChartsScreen))
        assert app.proposal_pane.display and app.proposal_pane.highlighted_proposal()
