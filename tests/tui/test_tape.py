"""The trade tape: the focused symbol's latest trades with the aggressor side."""

from console_rig import advance, make_app
from rig import BTC, make_rig

from scalp_tui.engine.protocol import Side


def test_the_snapshot_carries_the_latest_trades_newest_first() -> None:
    rig = make_rig((BTC,))
    rig.trade(BTC, 60_000.0, 0.5, Side.SELL)
    rig.clock.advance(10)
    rig.trade(BTC, 60_000.1, 0.2, Side.BUY)
    trades = rig.engine.snapshot(depth=0).symbol(BTC).trades
    assert [(t.price, t.qty, t.taker_side) for t in trades] == [
        (60_000.1, 0.2, Side.BUY),
        (60_000.0, 0.5, Side.SELL),
    ]
    for _ in range(100):
        rig.trade(BTC, 60_000.0, 0.1, Side.SELL)
    assert len(rig.engine.snapshot(depth=0).symbol(BTC).trades) == 30  # bounded


async def test_the_tape_shows_beside_the_ladder_from_140_columns() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await advance(app, 5)
        await pilot.pause()
        assert app.tape.display and app.tape.size.width > 0
        shown = app.tape.text()
        focused = app.session.snapshot().symbol(app.focus_symbol)
        newest = focused.trades[0]
        assert "▼" in shown or "▲" in shown
        assert shown.splitlines()[1].endswith("▼" if newest.taker_side is Side.SELL else "▲")
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert app.tape.region.width == 0  # hidden: the right column keeps the room
