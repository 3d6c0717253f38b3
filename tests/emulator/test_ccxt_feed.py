"""The real ccxt.pro client against the local Binance USD-M emulator: market data."""

import asyncio
import signal

import pytest
from feed_sink import Sink, until

from scalp_tui.engine.clock import WallClock
from scalp_tui.engine.protocol import FeedState
from scalp_tui.market.ccxt_feed import CcxtFeed
from scalp_tui.market.live_feed import make_live_feed
from scalp_tui.venue import VenueError, check_capabilities, make_exchange

BTC = "BTC/USDT:USDT"


def top(emulator, depth: int = 20):
    bids, asks = emulator.book("BTCUSDT", depth)
    return tuple(bids), tuple(asks)


class Running:
    """The live feed for Binance USD-M (its own book sync), or with `through_ccxt`
    CcxtFeed on ccxt's book (the path every other venue takes)."""

    def __init__(self, emulator, stale_after_ms: int = 3_000, through_ccxt: bool = False) -> None:
        exchange = make_exchange("binanceusdm", rest_url=emulator.rest_url, ws_url=emulator.ws_url)
        make = CcxtFeed if through_ccxt else make_live_feed
        self.feed = make(
            exchange, [BTC], WallClock(), depth=20, seed=1, stale_after_ms=stale_after_ms
        )
        self.sink = Sink()
        self.stop = asyncio.Event()

    async def __aenter__(self):
        self.markets = await self.feed.load_markets()
        self.task = asyncio.create_task(self.feed.run(self.sink, self.stop))
        await until(lambda: bool(self.sink.books))
        return self

    async def __aexit__(self, *exc) -> None:
        self.stop.set()
        await self.task
        await self.feed.close()

    def last_book(self):
        """The top 20 levels of the engine's book: built from the feed's updates."""
        return self.sink.top(BTC, 20)


async def test_markets_come_from_exchange_info(emulator) -> None:
    async with Running(emulator) as run:
        info = run.markets[BTC]
        assert (info.tick_size, info.lot_size, info.min_qty) == (0.1, 0.001, 0.001)


async def test_the_engine_sees_the_emulators_book(emulator) -> None:
    async with Running(emulator) as run:
        assert run.last_book() == top(emulator)
        await emulator.set_levels("BTCUSDT", [(60_000.0, 0.0), (60_000.05, 4.0)], [(60_000.1, 9.5)])
        await emulator.set_levels("BTCUSDT", [(59_999.9, 0.25)], [(60_000.2, 0.0)])
        await until(lambda: run.last_book() == top(emulator))
        assert run.last_book()[0][0] == (60_000.05, 4.0)
        # the book came whole once, then only what changed: copies, not ccxt's object
        assert run.sink.books[0].snapshot and not run.sink.books[-1].snapshot
        assert isinstance(run.sink.books[-1].bids, tuple)


async def test_a_sequence_gap_resyncs_from_a_new_snapshot(emulator) -> None:
    async with Running(emulator) as run:
        snapshots = emulator.snapshots_served
        emulator.gap_next("BTCUSDT")
        await emulator.set_levels("BTCUSDT", [(60_000.0, 7.0)], [])
        await until(lambda: run.feed.resyncs == 1)
        await until(lambda: emulator.snapshots_served > snapshots)
        await emulator.set_levels("BTCUSDT", [(59_999.8, 3.0)], [])
        await until(lambda: run.last_book() == top(emulator))
        states = [s.state for s in run.sink.statuses]
        assert FeedState.RESYNCING in states and states[-1] is FeedState.LIVE


async def test_a_gap_read_between_two_calls_does_not_freeze_the_program(emulator) -> None:
    """ccxt then raises the gap again at once on every call until the loop has had a
    turn: the feed must yield, or it spins forever (and floods its listeners)."""

    def frozen(*_: object) -> None:  # a spinning loop still runs Python: this breaks it
        raise AssertionError("the event loop froze")

    previous = signal.signal(signal.SIGALRM, frozen)
    signal.alarm(20)
    try:
        await _gap_between_two_calls(emulator)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


async def _gap_between_two_calls(emulator) -> None:
    async with Running(emulator) as run:
        ticks = 0

        async def heartbeat() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        beat = asyncio.create_task(heartbeat())
        await emulator.set_levels("BTCUSDT", [(59_999.0, 1.0)], [])
        emulator.gap_next("BTCUSDT")
        await emulator.set_levels("BTCUSDT", [(59_998.0, 1.0)], [])  # read in one go
        for i in range(50):  # bounded: a diff every 20 ms until the feed is live again
            await emulator.set_levels("BTCUSDT", [(59_997.0, 1.0 + i)], [])
            await asyncio.sleep(0.02)
            if run.feed.resyncs and run.sink.statuses[-1].state is FeedState.LIVE:
                break
        # the loop keeps running other work (a resync may take less than 5 ticks)
        await until(lambda: ticks >= 5, timeout=2)
        beat.cancel()
        await until(lambda: run.last_book() == top(emulator))
        assert run.sink.statuses[-1].state is FeedState.LIVE
        assert len(run.sink.statuses) < 20  # said once, not once per spin


async def test_a_dropped_connection_reconnects_and_resyncs(emulator) -> None:
    async with Running(emulator) as run:
        await emulator.drop_connections()
        await until(lambda: run.feed.reconnects >= 1)
        await until(lambda: emulator.subscribe_count >= 2)
        await emulator.set_levels("BTCUSDT", [(60_000.0, 5.5)], [(60_000.1, 0.5)])
        await until(lambda: run.last_book() == top(emulator))
        states = [s.state for s in run.sink.statuses]
        assert FeedState.DOWN in states and states[-1] is FeedState.LIVE


async def test_trades_reach_the_engine_once_each(emulator) -> None:
    async with Running(emulator) as run:
        await until(lambda: emulator.subscribed("btcusdt@trade"))
        for i in range(3):
            await emulator.trade("BTCUSDT", 60_000.0 + i, 0.01 * (i + 1), buyer_is_maker=i == 1)
            await asyncio.sleep(0.01)
        await until(lambda: len(run.sink.trades) == 3)
        assert [t.price for t in run.sink.trades] == [60_000.0, 60_001.0, 60_002.0]
        assert [t.taker_side.value for t in run.sink.trades] == ["buy", "sell", "buy"]


@pytest.mark.parametrize(
    ("exchange_id", "reason"),
    [("bitmart", "not in ccxt.pro"), ("bitvavo", "cannot short"), ("nope", "not supported")],
)
def test_capability_refusals_are_one_clear_line(exchange_id: str, reason: str) -> None:
    with pytest.raises(VenueError) as info:
        check_capabilities(exchange_id)
    assert reason in str(info.value) and "\n" not in str(info.value)


async def test_the_real_recording_played_by_the_emulator_reaches_the_engine_intact(
    emulator,
) -> None:
    from shared_data import default_recording

    path = default_recording()
    if not path.is_file():
        pytest.skip(f"recording not found at {path}")
    emulator.seed_recording(path)  # ccxt's first snapshot is the real book
    async with Running(emulator) as run:
        played = await emulator.play_recording(path, limit=600)
        assert played == 600
        await until(lambda: run.last_book() == top(emulator))
        assert run.feed.resyncs == 0
        # the real top of book at that point of the recording, not the seed
        assert run.last_book()[0][0][0] > 61_000


async def test_a_silent_book_turns_stale_then_live_again(emulator) -> None:
    async with Running(emulator, stale_after_ms=300) as run:
        await until(lambda: run.sink.statuses[-1].state is FeedState.STALE, timeout=3)
        assert "no book update for" in run.sink.statuses[-1].detail
        await emulator.set_levels("BTCUSDT", [(60_000.0, 3.0)], [])
        await until(lambda: run.sink.statuses[-1].state is FeedState.LIVE)


async def test_the_book_built_from_deltas_is_ccxts_top_20_at_every_update(emulator) -> None:
    """CcxtFeed (the path of every venue but Binance USD-M) over the real recording:
    after each update it hands over, the book the engine builds from them (one
    snapshot, then deltas) equals ccxt's own top 20."""
    from shared_data import default_recording

    path = default_recording()
    if not path.is_file():
        pytest.skip(f"recording not found at {path}")
    emulator.seed_recording(path)
    async with Running(emulator, through_ccxt=True) as run:
        compared, differing = [], []
        on_book = run.sink.on_book

        def checking(update) -> None:
            on_book(update)
            ours = run.sink.top(BTC, 20)
            # ccxt's book at this moment: the feed's task has not yielded since the watch
            book = run.feed.exchange.orderbooks[BTC]
            theirs = tuple(
                tuple((p, q) for p, q in side[:20]) for side in (book["bids"], book["asks"])
            )
            compared.append(update.snapshot)
            if ours != theirs:
                differing.append((ours, theirs))

        run.sink.on_book = checking
        await emulator.play_recording(path, limit=1_500)
        await until(lambda: run.last_book() == top(emulator))
        assert differing == []
        assert len(compared) > 100 and not any(compared)  # deltas, all of them
        assert run.feed.resyncs == 0
