"""`scalp-tui record` on Bybit, end to end: the Bybit emulator plays the real Binance
USD-M recording as its own market (as `serve.py --venue bybit --recording FILE` does),
the real ccxt.pro client receives it, the recorder writes JSON lines, and a replay and
a backtest of that file see the book and the trades that were served."""

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from emulator.bybit import BybitEmulator
from emulator.record_rig import BTC, Rebuilt, Recording
from emulator.recordings import paced
from feed_sink import until

from scalp_tui.engine.protocol import TradeTick
from scalp_tui.market.replay import ReplaySource

RECORDING = (
    Path(__file__).resolve().parents[3] / "shared/data/binance-usdm-btcusdt-20240808.jsonl.gz"
)
FRAMES = 1_500  # recorded diffs and trades played, about the first 20 s
ROOT = Path(__file__).resolve().parents[2]


async def served_trades() -> list[tuple[float, float, str]]:
    return [
        (e.price, e.qty, e.taker_side.value)
        async for e in paced(RECORDING, 0.0, FRAMES)
        if isinstance(e, TradeTick)
    ]


@pytest.mark.skipif(not RECORDING.is_file(), reason=f"recording not found at {RECORDING}")
async def test_a_bybit_recording_replays_to_the_book_and_trades_served(tmp_path) -> None:
    emulator = BybitEmulator()
    emulator.seed_recording(RECORDING)
    await emulator.start()
    try:
        async with Recording("bybit", emulator, tmp_path) as run:
            await until(lambda: emulator.subscribed("publicTrade.BTCUSDT"))
            played = await emulator.play_recording(RECORDING, limit=FRAMES)
            assert played == FRAMES
            ((depth_symbol, depth),) = emulator.book_topics  # the view ccxt subscribed to
            assert depth_symbol == "BTCUSDT"
            want_bids, want_asks = emulator.book("BTCUSDT", depth)
            trades = await served_trades()
            last_trade = f"emu-trade-{len(trades)}"
            await until(lambda: run.book_top() == (list(want_bids[0]), list(want_asks[0])))
            await until(lambda: run.exchange.trades[BTC][-1]["id"] == last_trade)
    finally:
        await emulator.stop()
    summary = run.summary
    assert summary.dropped == 0
    (path,) = summary.files
    assert path.name.startswith("bybit-btcusdt-") and path.name.endswith(".jsonl.gz")

    source = ReplaySource([path])
    assert source.symbol == BTC
    rebuilt = Rebuilt(source.events())
    assert rebuilt.snapshots == 1  # the subscription's snapshot, then deltas only
    assert rebuilt.top(depth) == (want_bids, want_asks)
    assert rebuilt.trades == trades and len(trades) > 100
    ids = [uid for uid in rebuilt.update_ids if uid is not None]
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # Bybit's u, none lost
    with gzip.open(path, "rt") as lines:
        diffs = [row for row in map(json.loads, lines) if row["kind"] == "diff"]
    assert diffs and all(d["prev_update_id"] == d["update_id"] - 1 for d in diffs)

    backtest = subprocess.run(
        [sys.executable, "-m", "scalp_tui.cli", "backtest", str(path), "--json"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert backtest.returncode == 0, backtest.stderr
    (only,) = json.loads(backtest.stdout)["sources"]
    assert only["symbols"] == [BTC] and only["book_updates"] == rebuilt.updates
