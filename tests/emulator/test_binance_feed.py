"""Binance USD-M's own book sync (frames taken off ccxt.pro's socket) against ccxt.pro's
book, side by side on the same emulator: the real recording played, a lost diff and a
dropped socket in the middle. At every update id both reach, the top 20 levels agree."""

import asyncio

import ccxt
import pytest
from feed_sink import Sink, until
from shared_data import default_recording

from scalp_tui.engine.clock import WallClock
from scalp_tui.engine.protocol import FeedState
from scalp_tui.market.binance_feed import BinanceUsdmFeed
from scalp_tui.market.live_feed import make_live_feed
from scalp_tui.venue import make_exchange

BTC = "BTC/USDT:USDT"
RECORDING = default_recording()
FRAMES = 400  # recorded frames per stretch of play


def top20(bids, asks) -> tuple:
    return tuple((float(p), float(q)) for p, q, *_ in bids[:20]), tuple(
        (float(p), float(q)) for p, q, *_ in asks[:20]
    )


async def ccxt_books(exchange, seen: dict[int, tuple], stop: asyncio.Event) -> None:
    """ccxt.pro's own book: its top 20 at every nonce it hands over."""
    while not stop.is_set():
        try:
            book = await exchange.watch_order_book(BTC)
        except ccxt.NetworkError:  # its gap (ChecksumError) or the dropped socket
            await asyncio.sleep(0.05)
            continue
        seen[book["nonce"]] = top20(book["bids"], book["asks"])


@pytest.mark.skipif(not RECORDING.is_file(), reason=f"recording not found at {RECORDING}")
async def test_the_feeds_book_is_ccxts_through_a_gap_and_a_dropped_socket(emulator) -> None:
    emulator.seed_recording(RECORDING)
    ours_exchange = make_exchange("binanceusdm", rest_url=emulator.rest_url, ws_url=emulator.ws_url)
    theirs_exchange = make_exchange(
        "binanceusdm", rest_url=emulator.rest_url, ws_url=emulator.ws_url
    )
    feed = make_live_feed(ours_exchange, [BTC], WallClock(), depth=20, seed=1)
    assert isinstance(feed, BinanceUsdmFeed)
    sink, stop = Sink(), asyncio.Event()
    ours: dict[int, tuple] = {}
    theirs: dict[int, tuple] = {}
    on_book = sink.on_book

    def recording_tops(update) -> None:
        on_book(update)
        ours[update.update_id] = sink.top(BTC, 20)

    sink.on_book = recording_tops
    try:
        await feed.load_markets()
        running = asyncio.create_task(feed.run(sink, stop))
        watching = asyncio.create_task(ccxt_books(theirs_exchange, theirs, stop))
        await until(lambda: emulator.subscribe_count >= 2 and ours and theirs)

        async def both_caught_up() -> None:
            last = emulator.markets["BTCUSDT"].update_id
            await until(lambda: last in ours and last in theirs)
            assert ours[last] == theirs[last] == top20(*emulator.book("BTCUSDT", 20))

        await emulator.play_recording(RECORDING, limit=FRAMES)
        await both_caught_up()
        snapshots = emulator.snapshots_served
        emulator.gap_next("BTCUSDT")  # the next diff skips ids: both books must resync
        await emulator.play_recording(RECORDING, limit=FRAMES)
        await both_caught_up()
        assert feed.resyncs == 1 and feed.sequence_gaps == 1
        assert emulator.snapshots_served >= snapshots + 2  # a new snapshot each
        await emulator.drop_connections()
        await until(lambda: feed.reconnects >= 1)
        await emulator.play_recording(RECORDING, limit=FRAMES)
        await both_caught_up()

        common = sorted(set(ours) & set(theirs))
        # ~100 diffs a stretch (the rest are trades); ccxt, read as fast as they are
        # played, may apply several before its watcher looks
        assert len(common) > 100
        differing = [u for u in common if ours[u] != theirs[u]]
        assert differing == [], differing[:3]
        states = [s.state for s in sink.statuses]
        assert FeedState.RESYNCING in states and FeedState.DOWN in states
        assert states[-1] is FeedState.LIVE
        stop.set()
        await running
        watching.cancel()  # waiting for a diff that will not come
    finally:
        stop.set()
        await feed.close()
        await theirs_exchange.close()


async def test_a_socket_that_drops_again_and_again_comes_back_every_time(emulator) -> None:
    exchange = make_exchange("binanceusdm", rest_url=emulator.rest_url, ws_url=emulator.ws_url)
    feed = make_live_feed(exchange, [BTC], WallClock(), depth=20, seed=1)
    sink, stop = Sink(), asyncio.Event()
    try:
        running = asyncio.create_task(feed.run(sink, stop))
        await until(lambda: bool(sink.books))
        for drops in range(1, 4):
            subscribed = emulator.subscribe_count
            await emulator.drop_connections()
            await until(lambda: feed.reconnects >= drops)  # noqa: B023
            assert sink.statuses[-1].state is FeedState.DOWN
            await until(lambda: emulator.subscribe_count > subscribed)  # noqa: B023
            await until(lambda: sink.statuses[-1].state is FeedState.LIVE)
            await emulator.set_levels("BTCUSDT", [(60_000.0, 10.0 + drops)], [])  # a new size
            bids, asks = emulator.book("BTCUSDT", 20)
            await until(lambda: sink.top(BTC, 20) == (tuple(bids), tuple(asks)))  # noqa: B023
            assert sink.top(BTC, 1)[0][0] == (60_000.0, 10.0 + drops)
        assert feed.resyncs == 0  # reconnects, not gaps
        stop.set()
        await running
    finally:
        await feed.close()


async def test_an_error_handling_a_frame_shows_and_the_socket_comes_back(emulator) -> None:
    """Raised inside ccxt's reading of the socket it would end that reading for good,
    every book on it frozen without a word: the feed fails the socket instead."""
    exchange = make_exchange("binanceusdm", rest_url=emulator.rest_url, ws_url=emulator.ws_url)
    feed = make_live_feed(exchange, [BTC], WallClock(), depth=20, seed=1)
    sink, stop = Sink(), asyncio.Event()
    on_book, broken = sink.on_book, {"now": False}

    def failing(update) -> None:
        if broken["now"]:
            broken["now"] = False  # once
            raise RuntimeError("engine bug")
        on_book(update)

    sink.on_book = failing
    try:
        running = asyncio.create_task(feed.run(sink, stop))
        await until(lambda: bool(sink.books))
        broken["now"] = True
        await emulator.set_levels("BTCUSDT", [(60_000.0, 3.25)], [])
        await until(lambda: sink.statuses[-1].state is FeedState.DOWN)
        assert "engine bug" in sink.statuses[-1].detail
        await until(lambda: sink.statuses[-1].state is FeedState.LIVE)  # reconnected
        await emulator.set_levels("BTCUSDT", [(59_999.9, 4.5)], [])
        bids, asks = emulator.book("BTCUSDT", 20)
        await until(lambda: sink.top(BTC, 20) == (tuple(bids), tuple(asks)))
        assert sink.top(BTC, 1)[0][0] == (60_000.0, 3.25)  # the lost update came back
        stop.set()
        await running
    finally:
        await feed.close()
