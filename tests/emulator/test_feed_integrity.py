"""The feed's book checks end to end: the real ccxt.pro client against the local OKX and
Bybit emulators, which send true books and, on demand, a wrong OKX checksum or a lost
update (an OKX seqId or a Bybit `u` skipped).
What the engine sees is in base units (the emulators keep their books in contracts)."""

import asyncio

import pytest
from emulator.bybit import BybitEmulator
from emulator.okx import OkxEmulator
from feed_sink import Sink, until

from scalp_tui.engine.clock import WallClock
from scalp_tui.engine.protocol import FeedState
from scalp_tui.market.ccxt_feed import CcxtFeed
from scalp_tui.venue import make_exchange

BTC = "BTC/USDT:USDT"
OKX_BTC = "BTC-USDT-SWAP"
OKX_CONTRACT = 0.01  # BTC per BTC-USDT-SWAP contract


def in_base(levels, size: float, depth: int = 20) -> tuple:
    return tuple((p, round(q * size, 12)) for p, q in levels[:depth])


class Running:
    def __init__(self, venue: str, emulator) -> None:
        exchange = make_exchange(venue, rest_url=emulator.rest_url, ws_url=emulator.ws_url)
        self.emulator = emulator
        self.feed = CcxtFeed(exchange, [BTC], WallClock(), depth=20, seed=1)
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

    def last_book(self) -> tuple:
        book = self.sink.books[-1]
        return book.bids, book.asks

    def states(self) -> list[FeedState]:
        return [s.state for s in self.sink.statuses]


# -- OKX -----------------------------------------------------------------------------


@pytest.fixture
async def okx():
    emu = OkxEmulator()
    emu.seed_book(
        OKX_BTC,
        [(round(60_000.0 - 0.1 * i, 1), 100.0 + i) for i in range(40)],
        [(round(60_000.1 + 0.1 * i, 1), 200.0 + 3 * i) for i in range(40)],
    )
    await emu.start()
    yield emu
    await emu.stop()


def okx_top(emu: OkxEmulator) -> tuple:
    bids, asks = emu.book(OKX_BTC, 20)
    return in_base(bids, OKX_CONTRACT), in_base(asks, OKX_CONTRACT)


async def test_okx_book_trades_and_sizes_reach_the_engine_in_base_units(okx) -> None:
    async with Running("okx", okx) as run:
        info = run.markets[BTC]
        assert (info.lot_size, info.min_qty, info.contract_size) == (0.0001, 0.0001, 0.01)
        assert run.last_book() == okx_top(okx)
        assert run.last_book()[0][0] == (60_000.0, 1.0)  # 100 contracts of 0.01 BTC
        await okx.set_levels(OKX_BTC, [(60_000.0, 250.0)], [(60_000.1, 3.0)])
        await until(lambda: run.last_book() == okx_top(okx))
        assert run.last_book()[1][0] == (60_000.1, 0.03)
        await until(lambda: okx.subscribed("trades", OKX_BTC))
        await okx.trade(OKX_BTC, 60_000.0, 7.0, buyer_is_maker=True)
        await until(lambda: bool(run.sink.trades))
        assert run.sink.trades[0].qty == 0.07
        assert run.feed.checksum_mismatches == 0 and run.feed.resyncs == 0


async def test_an_okx_checksum_mismatch_resyncs_from_a_new_snapshot(okx) -> None:
    async with Running("okx", okx) as run:
        snapshots = okx.snapshots_served
        okx.bad_checksum_next(OKX_BTC)
        await okx.set_levels(OKX_BTC, [(60_000.0, 7.0)], [])
        await until(lambda: run.feed.checksum_mismatches == 1)
        await until(lambda: okx.snapshots_served > snapshots)  # unsubscribed, subscribed
        await okx.set_levels(OKX_BTC, [(59_999.8, 3.0)], [])
        await until(lambda: run.last_book() == okx_top(okx))
        states = run.states()
        assert FeedState.RESYNCING in states and states[-1] is FeedState.LIVE
        assert FeedState.DOWN not in states and run.feed.reconnects == 0
        detail = next(s.detail for s in run.sink.statuses if s.state is FeedState.RESYNCING)
        assert "checksum mismatch" in detail
        assert run.feed.checksum_mismatches == 1  # the new book checks out


async def test_an_okx_seqid_gap_is_a_resync_not_a_dropped_connection(okx) -> None:
    async with Running("okx", okx) as run:
        snapshots = okx.snapshots_served
        okx.gap_next(OKX_BTC)
        await okx.set_levels(OKX_BTC, [(60_000.0, 9.0)], [])
        await until(lambda: run.feed.sequence_gaps == 1)
        await until(lambda: okx.snapshots_served > snapshots)
        await okx.set_levels(OKX_BTC, [(59_999.7, 4.0)], [])
        await until(lambda: run.last_book() == okx_top(okx))
        states = run.states()
        assert FeedState.RESYNCING in states and states[-1] is FeedState.LIVE
        assert FeedState.DOWN not in states and run.feed.reconnects == 0
        assert run.feed.checksum_mismatches == 0


async def test_a_real_recording_on_okx_passes_every_checksum(okx) -> None:
    """No false alarms: 600 frames of a real book, each update's checksum verified."""
    from shared_data import default_recording

    path = default_recording()
    if not path.is_file():
        pytest.skip(f"recording not found at {path}")
    okx.seed_recording(path, OKX_BTC)
    async with Running("okx", okx) as run:
        played = await okx.play_recording(path, OKX_BTC, limit=600)
        assert played == 600
        await until(lambda: run.last_book() == okx_top(okx))
        assert run.feed.checksum_mismatches == 0 and run.feed.resyncs == 0


# -- Bybit ---------------------------------------------------------------------------


@pytest.fixture
async def bybit():
    emu = BybitEmulator()
    emu.seed_book(
        "BTCUSDT",
        [(round(60_000.0 - 0.1 * i, 1), 1.0 + i) for i in range(30)],
        [(round(60_000.1 + 0.1 * i, 1), 2.0 + i) for i in range(30)],
    )
    await emu.start()
    yield emu
    await emu.stop()


def bybit_top(emu: BybitEmulator) -> tuple:
    bids, asks = emu.book(BTC, 20)
    return in_base(bids, 1.0), in_base(asks, 1.0)  # a Bybit linear contract is 1 base unit


async def test_a_bybit_gap_unsubscribes_and_resubscribes_for_a_new_snapshot(bybit) -> None:
    async with Running("bybit", bybit) as run:
        assert run.last_book() == bybit_top(bybit)
        subscribes = bybit.subscribe_count
        await bybit.set_levels(BTC, [(60_000.0, 0.5)], [])
        bybit.gap_next(BTC)
        await bybit.set_levels(BTC, [(59_999.9, 7.0)], [])  # its `u` skips one
        await until(lambda: run.feed.sequence_gaps == 1)
        await until(lambda: bybit.subscribe_count > subscribes)  # after an unsubscribe
        await bybit.set_levels(BTC, [(59_999.8, 3.0)], [(60_000.1, 0.25)])
        await until(lambda: run.last_book() == bybit_top(bybit))
        states = run.states()
        assert FeedState.RESYNCING in states and states[-1] is FeedState.LIVE
        assert FeedState.DOWN not in states and run.feed.reconnects == 0
        detail = next(s.detail for s in run.sink.statuses if s.state is FeedState.RESYNCING)
        assert "sequence gap (u " in detail
        assert bybit.subscribes_refused == 0  # never a second subscribe to a live topic
        assert bybit.subscribed("orderbook.50.BTCUSDT")


async def test_a_real_recording_on_bybit_has_no_false_gaps(bybit) -> None:
    from shared_data import default_recording

    path = default_recording()
    if not path.is_file():
        pytest.skip(f"recording not found at {path}")
    bybit.seed_recording(path, "BTCUSDT")
    async with Running("bybit", bybit) as run:
        played = await bybit.play_recording(path, "BTCUSDT", limit=600)
        assert played == 600
        await until(lambda: run.last_book() == bybit_top(bybit))
        assert run.feed.sequence_gaps == 0 and run.feed.resyncs == 0
