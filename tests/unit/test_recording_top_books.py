"""Binance partial book streams (`@depth20@100ms`): each frame is a whole top-N book.
USD-M sends them in a diff's shape, so read as diffs a level that left the top would
stay in the book for good."""

import json
from pathlib import Path

import pytest

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.protocol import BookUpdate, TradeTick
from scalp_tui.market.formats import RecordingError
from scalp_tui.market.recording import read_recording
from scalp_tui.market.replay import ReplaySource

T0 = 1_723_161_255_000  # ms: receive times as a recorder writes them


def line(recv_ms: int, payload: dict) -> str:
    return f"{(T0 + recv_ms) * 1_000_000} {json.dumps(payload, separators=(',', ':'))}\n"


def usdm_top(u: int, bids: list, asks: list) -> dict:
    data = {"e": "depthUpdate", "E": u, "T": u, "s": "BTCUSDT", "U": u - 5, "u": u, "pu": u - 6}
    return {"stream": "btcusdt@depth20@100ms", "data": {**data, "b": bids, "a": asks}}


def spot_top(u: int, bids: list, asks: list) -> dict:
    return {
        "stream": "ethusdt@depth10@100ms",
        "data": {"lastUpdateId": u, "bids": bids, "asks": asks},
    }


def trade(t: int) -> dict:
    data = {
        "e": "trade",
        "E": t,
        "T": t,
        "s": "BTCUSDT",
        "t": 1,
        "p": "100.5",
        "q": "0.2",
        "m": True,
    }
    return {"stream": "btcusdt@trade", "data": data}


def write(path: Path, frames: list[tuple[int, dict]]) -> Path:
    path.write_text("".join(line(ms, frame) for ms, frame in frames))
    return path


def test_each_usdm_top_frame_is_the_whole_book_and_a_level_that_left_it_is_gone(tmp_path) -> None:
    path = write(
        tmp_path / "top.jsonl",
        [
            (1_000, usdm_top(100, [["100.0", "1.0"], ["99.9", "2.0"]], [["100.1", "3.0"]])),
            (1_050, trade(1_050)),
            # 99.9 left the top (no quantity-0 entry: it is simply not listed any more)
            (1_100, usdm_top(106, [["100.0", "1.5"], ["99.8", "4.0"]], [["100.2", "1.0"]])),
        ],
    )
    events = list(read_recording(path))
    books = [e for e in events if type(e) is BookUpdate]
    assert [(b.snapshot, b.update_id, b.ts_ms - T0) for b in books] == [
        (True, 100, 1_000),
        (True, 106, 1_100),
    ]
    assert any(type(e) is TradeTick for e in events)
    book = OrderBook("BTC/USDT:USDT")
    for update in books:
        book.apply(update.bids, update.asks, update.ts_ms, update.snapshot)
    assert book.bids.levels(5) == ((100.0, 1.5), (99.8, 4.0))
    assert book.asks.levels(5) == ((100.2, 1.0),)


def test_a_spot_top_stream_names_its_symbol_only_in_the_stream(tmp_path) -> None:
    path = write(tmp_path / "spot.jsonl", [(5, spot_top(7, [["2500.1", "1"]], [["2500.2", "2"]]))])
    source = ReplaySource(path)
    assert source.symbol == "ETH/USDT"
    (update,) = list(source.events())
    assert update.snapshot and update.update_id == 7 and list(update.asks) == [(2500.2, 2.0)]


def test_top_books_mixed_with_diffs_are_refused_in_one_line(tmp_path) -> None:
    diff = usdm_top(200, [["100.0", "1"]], [])
    diff["stream"] = "btcusdt@depth@100ms"  # a real diff stream
    path = write(tmp_path / "mixed.jsonl", [(1, usdm_top(100, [["100.0", "1"]], [])), (2, diff)])
    with pytest.raises(RecordingError, match=r"mixed\.jsonl line 2: partial book frames"):
        list(read_recording(path))


def test_a_second_symbol_in_one_file_is_refused_in_one_line(tmp_path) -> None:
    eth = usdm_top(101, [["2500.0", "1"]], [["2500.1", "1"]])
    eth["stream"], eth["data"]["s"] = "ethusdt@depth20@100ms", "ETHUSDT"
    path = write(tmp_path / "two.jsonl", [(1, usdm_top(100, [["100.0", "1"]], [])), (2, eth)])
    with pytest.raises(RecordingError, match=r"two\.jsonl line 2: a second symbol ETHUSDT"):
        list(read_recording(path))
