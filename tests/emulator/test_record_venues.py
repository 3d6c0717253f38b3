"""`scalp-tui record` on Gate, KuCoin Futures, Bitget and HTX, end to end: each
venue's market-data emulator speaks its own frames to the real ccxt.pro client; the
recorder writes JSON lines; a replay of the file rebuilds the book the venue holds
(in base units: contracts x contract size) and the trades it printed, with the
venue's update ids, and a backtest reads it."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from emulator.record_rig import BTC, Rebuilt, Recording
from feed_sink import until

from scalp_tui.market.replay import ReplaySource

ROOT = Path(__file__).resolve().parents[2]
FEEDS = {
    "gate": ("emulator.feed_gate", "GateFeed"),
    "bitget": ("emulator.feed_bitget", "BitgetFeed"),
    "htx": ("emulator.feed_htx", "HtxFeed"),
    "kucoinfutures": ("emulator.feed_kucoin", "KucoinFuturesFeed"),
}
DEPTH = 20  # levels compared: every venue's subscription holds at least these


def emulator_for(venue: str):
    module, name = FEEDS[venue]
    return getattr(importlib.import_module(module), name)()


def in_base(levels, size: float) -> list[tuple[float, float]]:
    return [(p, round(q * size, 12)) for p, q in levels]


@pytest.fixture(params=sorted(FEEDS))
async def venue(request):
    emu = emulator_for(request.param)
    emu.seed_book(
        [(round(60_000.0 - 0.1 * i, 1), 100.0 + i) for i in range(40)],
        [(round(60_000.1 + 0.1 * i, 1), 200.0 + 3 * i) for i in range(40)],
    )
    await emu.start()
    yield emu
    await emu.stop()


async def test_a_recording_replays_to_the_venues_book_and_trades(venue, tmp_path) -> None:
    size = venue.contract_size
    async with Recording(venue.venue, venue, tmp_path, wait_for_book=False) as run:
        await until(lambda: venue.subscribed(venue.book_topic), timeout=20)
        await until(lambda: venue.subscribed(venue.trade_topic), timeout=20)
        for i in range(8):  # several updates: some venues snapshot after a few diffs
            await venue.set_levels([(round(60_000.0 - 0.1 * i, 1), 50.0 + i)], [])
        await until(lambda: run.book_top() is not None, timeout=20)
        # then changes to a book ccxt holds: diffs after the snapshot
        await venue.set_levels([(60_000.0, 0.0), (60_000.05, 40.0)], [(60_000.1, 3.0)])
        await venue.set_levels([(59_999.5, 0.0)], [(60_000.3, 0.0), (60_004.5, 9.0)])
        await venue.trade(60_000.1, 7.0, taker_sell=False)
        await venue.trade(60_000.05, 2.0, taker_sell=True)
        want_bids, want_asks = venue.book(DEPTH)
        await until(lambda: run.book_top() == ([60_000.05, 40.0], [60_000.1, 3.0]))
        await until(lambda: len(run.exchange.trades.get(BTC) or []) >= 2)
    summary = run.summary
    assert summary.dropped == 0
    (path,) = summary.files
    assert path.name.startswith(f"{venue.venue}-") and path.name.endswith(".jsonl.gz")

    source = ReplaySource([path])
    assert source.symbol == BTC
    rebuilt = Rebuilt(source.events())
    assert rebuilt.snapshots >= 1 and rebuilt.updates >= rebuilt.snapshots + 2
    assert rebuilt.top(DEPTH) == (in_base(want_bids, size), in_base(want_asks, size))
    assert rebuilt.trades == [(60_000.1, 7.0 * size, "buy"), (60_000.05, 2.0 * size, "sell")]
    ids = [uid for uid in rebuilt.update_ids if uid is not None]
    assert ids and ids == sorted(ids)  # the venue's ids, in order

    backtest = subprocess.run(
        [sys.executable, "-m", "scalp_tui.cli", "backtest", str(path), "--json"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert backtest.returncode == 0, backtest.stderr
    (only,) = json.loads(backtest.stdout)["sources"]
    assert only["symbols"] == [BTC] and only["book_updates"] == rebuilt.updates
