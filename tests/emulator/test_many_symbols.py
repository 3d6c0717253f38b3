"""One recording served under many names by the Binance emulator, watched by the real
ccxt.pro client through the feed: every name gets its own exact book and its trades."""

import asyncio

import pytest
from feed_sink import Sink, until
from shared_data import default_recording

from scalp_tui.engine.clock import WallClock
from scalp_tui.market.live_feed import make_live_feed
from scalp_tui.market.sim_symbols import sim_symbol_names
from scalp_tui.venue import make_exchange

RECORDING = default_recording()
NAMES = sim_symbol_names(12)
IDS = [name.split(":")[0].replace("/", "") for name in NAMES]  # XRP/USDT:USDT -> XRPUSDT


@pytest.mark.skipif(not RECORDING.is_file(), reason=f"recording not found at {RECORDING}")
async def test_twelve_names_each_get_the_recordings_book_and_trades(emulator) -> None:
    emulator.seed_recording_as(RECORDING, IDS)
    exchange = make_exchange("binanceusdm", rest_url=emulator.rest_url, ws_url=emulator.ws_url)
    feed = make_live_feed(exchange, NAMES, WallClock(), depth=20, seed=1)
    sink, stop = Sink(), asyncio.Event()
    try:
        markets = await feed.load_markets()
        assert set(markets) == set(NAMES)
        assert markets["XRP/USDT:USDT"].tick_size == 0.1  # BTCUSDT's contract, as served
        running = asyncio.create_task(feed.run(sink, stop))
        await until(lambda: set(sink.applied) == set(NAMES))
        await until(lambda: all(emulator.subscribed(f"{i.lower()}@trade") for i in IDS))
        assert await emulator.play_recording_as(RECORDING, IDS, limit=400) == 400

        def same_everywhere() -> bool:
            return all(
                sink.top(name, 20) == tuple(map(tuple, emulator.book(sid, 20)))
                for name, sid in zip(NAMES, IDS, strict=True)
            )

        def trade_counts() -> set[int]:
            return {sum(t.symbol == name for t in sink.trades) for name in NAMES}

        await until(same_everywhere)
        await until(lambda: len(trade_counts()) == 1)  # the last frames may be in flight
        per_name = {name: [t for t in sink.trades if t.symbol == name] for name in NAMES}
        counts = {len(trades) for trades in per_name.values()}
        assert len(counts) == 1 and counts.pop() > 100  # every trade, under every name
        prices = {tuple(t.price for t in trades) for trades in per_name.values()}
        assert len(prices) == 1
        assert sink.top(NAMES[-1], 1)[0][0][0] > 61_000  # the recording's book, not a seed
        assert feed.resyncs == 0
        stop.set()
        await running
    finally:
        await feed.close()
