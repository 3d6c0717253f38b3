"""A frozen book must not look live: the ladder dims and says STALE; the header shows
the feed's counts."""

from dataclasses import replace

from console_rig import make_app

from scalp_tui.tui.widgets.status_bar import status_text


async def test_the_ladder_dims_and_says_stale_past_stale_after_ms() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=(120, 40)) as pilot:
        app.refresh_all()
        await pilot.pause()
        assert not app.ladder.stale and "STALE" not in app.ladder.text()
        snap = app.session.snapshot()
        focused = replace(snap.symbol(app.focus_symbol), book_age_ms=4_200)
        app.ladder.show(focused, snap.orders, snap.positions)
        assert app.ladder.stale and app.ladder.has_class("-stale")
        assert app.ladder.text().splitlines()[0] == " STALE: no update for 4.2 s "
        fresh = replace(focused, book_age_ms=2_900)  # stale_after_ms is 3000
        app.ladder.show(fresh, snap.orders, snap.positions)
        assert not app.ladder.stale
        # the same levels as while it was stale: the banner goes with the staleness
        assert "STALE" not in app.ladder.text()


async def test_the_header_shows_reconnects_resyncs_and_latency() -> None:
    app = make_app(quiet=True)
    async with app.run_test(size=(160, 48)):
        snap = app.session.snapshot()
        focused = replace(snap.symbol(app.focus_symbol), latency_ms=37)
        symbols = tuple(focused if s.symbol == focused.symbol else s for s in snap.symbols)
        feed = replace(snap.feed, resyncs=3)
        shown = replace(snap, symbols=symbols, feed=feed, feed_reconnects=1)
        risk = status_text(shown, "SIM", app.focus_symbol).plain.splitlines()[1]
        assert "latency 37ms" in risk and "1 reconnect" in risk and "3 resyncs" in risk
