"""`scalp-tui record` against the local Binance USD-M and OKX emulators: what is
written reads back to the books the emulator served (Binance through the recording
reader, OKX as JSON lines); the command ends cleanly on SIGINT with its summary."""

import asyncio
import gzip
import json
import os
import signal
import sys
from pathlib import Path

import pytest
from emulator.cli_rig import endpoints
from emulator.okx import OkxEmulator
from emulator.record_rig import BTC, Recording, apply
from feed_sink import until

from scalp_tui.engine.protocol import BookUpdate, TradeTick
from scalp_tui.market.recording import read_recording

OKX_BTC = "BTC-USDT-SWAP"
OKX_CONTRACT = 0.01
ROOT = Path(__file__).resolve().parents[2]


async def test_binance_recording_reads_back_to_the_emulators_book(emulator, tmp_path) -> None:
    async with Recording("binanceusdm", emulator, tmp_path) as run:
        await emulator.set_levels("BTCUSDT", [(60_000.0, 0.0), (60_000.05, 4.0)], [(60_000.1, 9.5)])
        await emulator.set_levels("BTCUSDT", [(59_999.9, 0.25)], [(60_000.2, 0.0)])
        await until(lambda: emulator.subscribed("btcusdt@trade"))
        await emulator.trade("BTCUSDT", 60_000.1, 0.5, buyer_is_maker=False)
        await emulator.trade("BTCUSDT", 60_000.0, 1.5, buyer_is_maker=True)
        await until(lambda: run.writer is not None and run.writer.written >= 5)
        await until(lambda: run.book_top() == ([60_000.05, 4.0], [60_000.1, 9.5]))
    summary = run.summary
    assert summary.dropped == 0 and len(summary.files) == 1
    assert summary.files[0].name.startswith("binanceusdm-btcusdt-")
    bids: dict = {}
    asks: dict = {}
    trades = []
    snapshots = 0
    for event in read_recording(summary.files[0], BTC):
        if isinstance(event, TradeTick):
            trades.append((event.price, event.qty, event.taker_side.value))
            continue
        assert isinstance(event, BookUpdate)
        if event.snapshot:
            snapshots += 1
            bids.clear()
            asks.clear()
        apply(bids, event.bids)
        apply(asks, event.asks)
    want_bids, want_asks = emulator.book("BTCUSDT")
    assert snapshots == 1
    assert sorted(bids.items(), reverse=True) == want_bids
    assert sorted(asks.items()) == want_asks
    assert trades == [(60_000.1, 0.5, "buy"), (60_000.0, 1.5, "sell")]
    # every line: receive ns, a space, the json; frames as a combined stream
    with gzip.open(summary.files[0], "rt") as lines:
        rows = [line.split(" ", 1) for line in lines]
    assert all(int(ns) > 1_600_000_000 * 10**9 for ns, _ in rows)
    streams = {json.loads(js).get("stream") for _, js in rows}
    assert streams == {None, "btcusdt@depth", "btcusdt@trade"}
    assert summary.written == len(rows)


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


async def test_okx_json_lines_rebuild_the_emulators_book_in_base_units(okx, tmp_path) -> None:
    async with Recording("okx", okx, tmp_path) as run:
        await okx.set_levels(OKX_BTC, [(60_000.0, 250.0), (59_999.9, 0.0)], [(60_000.1, 3.0)])
        await until(lambda: okx.subscribed("trades", OKX_BTC))
        await okx.trade(OKX_BTC, 60_000.0, 7.0, buyer_is_maker=True)
        await until(lambda: run.book_top() == ([60_000.0, 250.0], [60_000.1, 3.0]))
        await until(lambda: run.writer is not None and run.writer.written >= 3)
    summary = run.summary
    assert summary.dropped == 0 and len(summary.files) == 1
    with gzip.open(summary.files[0], "rt") as lines:
        rows = [json.loads(line) for line in lines]
    kinds = [row["kind"] for row in rows]
    assert kinds[0] == "snapshot" and "diff" in kinds and "trade" in kinds
    bids: dict = {}
    asks: dict = {}
    last_id = None
    for row in rows:
        assert row["symbol"] == BTC and row["t"] > 1_600_000_000 * 10**9
        if row["kind"] == "trade":
            assert (row["price"], row["size"], row["side"]) == (60_000.0, 0.07, "sell")
            continue
        if row["kind"] == "snapshot":
            bids.clear()
            asks.clear()
        else:
            assert row["prev_update_id"] == last_id  # the venue's ids, in order
        last_id = row["update_id"]
        apply(bids, [tuple(level) for level in row["bids"]])
        apply(asks, [tuple(level) for level in row["asks"]])
    want_bids, want_asks = okx.book(OKX_BTC)
    in_base = lambda levels: [(p, round(q * OKX_CONTRACT, 12)) for p, q in levels]  # noqa: E731
    assert sorted(bids.items(), reverse=True) == in_base(want_bids)[: len(bids)]
    assert sorted(asks.items()) == in_base(want_asks)[: len(asks)]
    assert len(bids) >= 20 and len(asks) >= 20


async def test_the_command_stops_on_sigint_with_its_summary(emulator, tmp_path) -> None:
    env = {**os.environ, **endpoints(emulator), "SCALP_TUI_JOURNAL": str(tmp_path / "j.db")}
    out = tmp_path / "rec"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scalp_tui.cli", "record", "--exchange", "binanceusdm",
        "--symbol", BTC, "--out", str(out),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        await until(lambda: emulator.subscribed("btcusdt@depth"), timeout=30)
        await emulator.set_levels("BTCUSDT", [(60_000.0, 2.0)], [])
        await asyncio.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGINT)
    stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, stderr.decode()
    last = stdout.decode().strip().splitlines()[-1]
    assert last.startswith("record: ") and " 0 dropped, 1 files" in last, last
    files = list(out.glob("binanceusdm-btcusdt-*.jsonl.gz"))
    assert len(files) == 1
    events = list(read_recording(files[0], BTC))
    assert events[0].snapshot and len(events) >= 2
