"""What the console shows of the feed's health comes from the engine: book updates per
second that fall to 0 when nothing arrives, reconnects, the venue's latency."""

from rig import BTC, T0, make_rig

from scalp_tui.engine.protocol import BookUpdate, FeedChanged, FeedState, FeedStatus
from scalp_tui.eventlog import format_event
from scalp_tui.market.ccxt_feed import _venue_time


def test_updates_per_second_fall_to_zero_when_nothing_arrives() -> None:
    rig = make_rig((BTC,))
    for _ in range(5):
        rig.balanced(BTC, 60_000.0)
        rig.clock.advance(100)
    rig.clock.advance(1_000)  # the next second begins: the last whole one is counted
    assert rig.engine.snapshot(depth=0).updates_per_s == 5
    rig.clock.advance(1_000)  # a whole second without an update
    assert rig.engine.snapshot(depth=0).updates_per_s == 0


def test_reconnects_are_counted_when_the_feed_comes_back() -> None:
    rig = make_rig((BTC,))
    engine = rig.engine
    engine.on_feed_status(FeedStatus(FeedState.CONNECTING))
    engine.on_feed_status(FeedStatus(FeedState.LIVE))  # the first connect is no reconnect
    for _ in range(2):
        engine.on_feed_status(FeedStatus(FeedState.DOWN, detail="connection lost"))
        engine.on_feed_status(FeedStatus(FeedState.LIVE))
    assert engine.snapshot(depth=0).feed_reconnects == 2


def test_the_venue_latency_is_receive_time_minus_the_venue_time() -> None:
    rig = make_rig((BTC,))
    levels = ((60_000.0, 1.0),), ((60_000.1, 1.0),)
    rig.engine.on_book(BookUpdate(BTC, T0, *levels, snapshot=True, venue_ts_ms=T0 - 37))
    assert rig.engine.snapshot(depth=0).symbol(BTC).latency_ms == 37
    assert _venue_time({"timestamp": T0 - 37}) == T0 - 37
    assert _venue_time({"timestamp": None}) is None


def test_a_disconnect_is_a_warning_in_plain_words() -> None:
    raw = (
        "BTC/USDT:USDT disconnected: binanceusdm Cannot connect to host "
        "127.0.0.1:9 ssl:default [Connect call failed ('127.0.0.1', 9)]\nTraceback..."
    )
    line = format_event(FeedChanged(T0, FeedStatus(FeedState.DOWN, detail=raw)))
    assert line.startswith("00:00:00.000 WARNING  market data LOST: reconnecting; entries held (")
    assert "Traceback" not in line and len(line) < 200
    back = format_event(FeedChanged(T0, FeedStatus(FeedState.LIVE)))
    assert "INFO" in back and "market data: live" in back
