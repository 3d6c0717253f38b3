"""The log: one line per key, in the order things happened. Colours: bid and ask keep
their meaning in 16 colours, and losses read as losses without colour."""

import re

from console_rig import SIZE, make_app
from key_lines import check_one_line_per_key
from rich.color import Color, ColorSystem

from scalp_tui.tui.widgets.ladder import S
from scalp_tui.tui.widgets.positions import position_cells

STAMP = re.compile(r"^(\d\d:\d\d:\d\d\.\d\d\d) ")
RED, GREEN = {1, 9}, {2, 10}  # the 16-colour palette's reds and greens


def log_lines(app) -> list[str]:
    return app.log_pane.text().splitlines()


async def test_each_key_writes_one_log_line() -> None:
    """Mode, pause, going live (refused), a manual proposal rejected and one accepted,
    the kill switch (tests/service/test_consoles.py: the same keys attached)."""
    app = make_app(quiet=True)
    async with app.run_test(size=SIZE) as pilot:

        async def press(key: str) -> None:
            await pilot.press(key)
            await pilot.pause()

        await check_one_line_per_key(app, press)


async def test_a_refused_key_writes_one_line_saying_why() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=SIZE) as pilot:
        before = len(log_lines(app))
        await pilot.press("p")  # refused on the simulated market
        await pilot.pause()
        new = log_lines(app)[before:]
        assert len(new) == 1 and "REFUSED" in new[0]


async def test_log_times_never_run_backwards() -> None:
    """A fill carries its book's time, which on a live feed is older than the accept
    that led to it: the line is stamped when the engine said it, and names the book
    time."""
    from scalp_tui.engine.protocol import FillEvent, Side

    app = make_app(quiet=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")  # a line stamped now
        now = app.session.engine.clock.now_ms()
        book_time = now - 16
        fill = FillEvent(
            book_time, 7, "ETH/USDT:USDT", Side.SELL, 2677.05, 0.1, 0.13, "taker", "paper"
        )
        app._on_engine_event(fill)
        stamps = [m.group(1) for line in log_lines(app) if (m := STAMP.match(line))]
        assert stamps == sorted(stamps)
        line = log_lines(app)[-1]
        assert "fill order 7" in line and "(book time " in line


def test_bid_and_ask_keep_green_and_red_in_16_colours() -> None:
    def standard(name: str) -> int:
        return Color.parse(str(S[name].color.name)).downgrade(ColorSystem.STANDARD).number

    assert standard("bid") in GREEN and standard("bid_bar") in GREEN
    assert standard("ask") in RED and standard("ask_bar") in RED


def test_a_loss_is_marked_by_sign_and_bold_not_only_colour() -> None:
    from rig import BTC, make_rig

    rig = make_rig((BTC,))
    rig.ask_heavy(BTC)
    rig.balanced(BTC, 60_100.0)  # the price rose: the short is losing
    (position,) = rig.engine.snapshot().positions
    cells = position_cells(position, {BTC: 0.1}, rig.clock.now_ms())
    for column in ("PnL", "PnL% mgn"):
        cell = cells[column]
        assert cell.plain.startswith("-") and "bold" in str(cell.style), column
