"""Replay sources: format detection, the scalp-tui JSON-lines reader, symbols, errors
in one line, and the replay session on the real recording's clock."""

import asyncio
import gzip
import json
from pathlib import Path

import pytest
from shared_data import default_recording
from typer.testing import CliRunner

from scalp_tui.cli import app
from scalp_tui.config import Settings
from scalp_tui.engine.protocol import BookUpdate, FeedState, Side, TradeTick
from scalp_tui.market.replay import RecordingError, ReplaySource, detect
from scalp_tui.market.symbols import unified_symbol
from scalp_tui.runtime.session import Session

RECORDING = default_recording()
SPOT = RECORDING.parent / "binance-spot-ethusdt-20240809.jsonl.gz"
needs_recording = pytest.mark.skipif(
    not RECORDING.is_file(), reason=f"recording not found at {RECORDING}"
)
S = 1_700_000_000_000_000_000  # ns


def write_jsonl(path: Path, records: list[dict]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt") as f:
        for rec in records:
            f.write(json.dumps(rec) + "\n")
    return path


def rec(ms: int, kind: str, **fields) -> dict:
    return {
        "t": S + ms * 1_000_000,
        "kind": kind,
        "symbol": fields.pop("symbol", "ETH/USDT:USDT"),
        **fields,
    }


def test_jsonl_books_trades_and_a_gap_dropped_until_the_next_snapshot(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "okx.jsonl.gz",
        [
            rec(0, "diff", bids=[[1.0, 1]], asks=[], update_id=1),  # before any snapshot
            rec(1, "snapshot", bids=[[100.0, 1], [99.9, 2]], asks=[["100.1", "3"]], update_id=10),
            rec(2, "diff", bids=[[100.0, 0]], asks=[], update_id=11, prev_update_id=10),
            rec(3, "trade", price=100.1, size=0.5, side="buy"),
            rec(4, "diff", bids=[[99.8, 1]], asks=[], update_id=13, prev_update_id=12),  # gap
            rec(5, "diff", bids=[[99.7, 1]], asks=[], update_id=14, prev_update_id=13),
            rec(6, "trade", symbol="BTC/USDT:USDT", price=1, size=1, side="sell"),
            rec(7, "snapshot", bids=[[99.0, 1]], asks=[[99.1, 1]], update_id=20),
            rec(8, "status", note="for people"),
        ],
    )
    assert detect(path) == "scalp-jsonl"
    source = ReplaySource(path)
    assert source.symbol == "ETH/USDT:USDT" and source.start_ms == S // 1_000_000 + 1
    events = list(source.events())
    kinds = [(type(e).__name__, getattr(e, "snapshot", None)) for e in events]
    assert kinds == [
        ("BookUpdate", True), ("BookUpdate", False), ("TradeTick", None),
        ("StatusAt", None), ("BookUpdate", True), ("StatusAt", None),
    ]  # fmt: skip
    # the gap stops entries (as a live feed's resync does) until the next snapshot
    gap, resynced = events[3], events[5]
    assert (gap.ts_ms, gap.status.state) == (S // 1_000_000 + 4, FeedState.RESYNCING)
    assert "prev 12 after 11" in gap.status.detail
    assert (resynced.ts_ms, resynced.status.state) == (S // 1_000_000 + 7, FeedState.LIVE)
    assert events[0].asks == ((100.1, 3.0),) and events[0].update_id == 10
    assert events[2] == TradeTick("ETH/USDT:USDT", S // 1_000_000 + 3, 100.1, 0.5, Side.BUY)
    assert source.stats.gaps == 1 and source.stats.dropped_in_gap == 2
    assert "BTC/USDT:USDT" in source.dropped() and "1 book messages before" in source.dropped()
    # --symbol picks one of several; renames the only one
    assert ReplaySource(path, "BTC/USDT:USDT").symbol == "BTC/USDT:USDT"
    assert ReplaySource(path, "BTC/USDT:USDT").renamed == {}
    assert "recorded as" not in ReplaySource(path, "BTC/USDT:USDT").describe()
    with pytest.raises(RecordingError, match="no SOL/USDT:USDT in the recording"):
        ReplaySource(path, "SOL/USDT:USDT")


def test_unified_symbols() -> None:
    assert unified_symbol("BTCUSDT", "binance-futures") == "BTC/USDT:USDT"
    assert unified_symbol("ETHUSDT", "binance") == "ETH/USDT"
    assert unified_symbol("BTC-USDT-SWAP", "okex-swap") == "BTC/USDT:USDT"
    assert unified_symbol("XBTUSD", "bitmex") == "BTC/USD:BTC"
    assert unified_symbol("BTC-PERPETUAL", "deribit") == "BTC/USD:BTC"
    assert unified_symbol("BTCUSD_PERP", "binance-delivery") == "BTC/USD:BTC"
    assert unified_symbol("SOLUSDT", "bybit") == "SOL/USDT:USDT"
    assert unified_symbol("WEIRD", "binance-futures") == "WEIRD"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"garbage\n", "not a recording this reads"),
        (gzip.compress(b"a,b,c\n1,2,3\n"), "not a recording this reads"),
        (b"\x1f\x8bnot really gzip", "not a readable recording"),
        (b"\xff\xfe\x00binary", "not a readable recording"),
    ],
)
def test_a_file_in_no_format_is_one_line_naming_the_formats(tmp_path, content, message) -> None:
    path = tmp_path / "x.jsonl.gz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(RecordingError, match=message) as info:
        ReplaySource(path)
    assert "\n" not in str(info.value)


@pytest.mark.skipif(not SPOT.is_file(), reason=f"spot recording not found at {SPOT}")
def test_spot_recording_without_a_snapshot_says_what_it_lacks() -> None:
    with pytest.raises(RecordingError, match="no REST depth snapshot"):
        ReplaySource(SPOT)


@needs_recording
def test_replay_plays_on_the_recordings_receive_clock_through_paced_feed() -> None:
    source = ReplaySource(RECORDING)
    assert source.symbol == "BTC/USDT:USDT"
    info = source.market_info()
    assert (info.tick_size, info.lot_size) == (0.1, 0.001)
    session = Session.replay(Settings(), source, speed=0)
    statuses = []
    session.engine.on_feed_status = lambda s, f=session.engine.on_feed_status: (
        statuses.append(s),
        f(s),
    )
    asyncio.run(session.run())
    assert session.feed.events_delivered == 1 + 6_547 + 21_313
    # the clock is the last frame's receive time (ns -> ms), not the venue's event time
    assert session.engine.clock.now_ms() == 1723161599833
    assert statuses[-1].state is FeedState.DOWN and "end of the recording" in statuses[-1].detail
    assert isinstance(next(iter(source.events())), TradeTick | BookUpdate)


@needs_recording
def test_headless_replay_json_and_bad_files_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"SCALP_TUI_JOURNAL": str(tmp_path / "j.sqlite")}
    result = runner.invoke(
        app,
        ["headless", "--replay", str(RECORDING), "--speed", "0", "--duration", "20", "--json"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["replay_seconds"] == 20.0 and summary["book_updates"] > 100
    for bad in (tmp_path / "missing.gz", Path(__file__)):
        result = runner.invoke(app, ["headless", "--replay", str(bad)], env=env)
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1 and "--replay" in result.stderr
    assert not (tmp_path / "j.sqlite").exists()  # a replay keeps no journal


@needs_recording
def test_a_one_symbol_recording_under_another_name_says_what_it_was() -> None:
    source = ReplaySource(RECORDING, "ETH/USDT:USDT")
    assert source.symbols == ["ETH/USDT:USDT"]
    assert source.renamed == {"BTC/USDT:USDT": "ETH/USDT:USDT"}
    assert source.describe().startswith("replay of ETH/USDT:USDT (recorded as BTC/USDT:USDT) from")
