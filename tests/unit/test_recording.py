"""Reading the real Binance USD-M recording into book updates and trades."""

import gzip
import json
import zlib
from pathlib import Path

import pytest
from shared_data import default_recording

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.protocol import BookUpdate, Side, TradeTick
from scalp_tui.market.formats import RecordingError, iter_lines
from scalp_tui.market.recording import read_recording

RECORDING = default_recording()
pytestmark = pytest.mark.skipif(
    not RECORDING.is_file(), reason=f"recording not found at {RECORDING}"
)


def test_recording_rebuilds_an_uncrossed_book_without_gaps() -> None:
    book = OrderBook("BTC/USDT:USDT")
    snapshots = diffs = trades = 0
    for event in read_recording(RECORDING):
        if type(event) is TradeTick:
            trades += 1
            continue
        assert isinstance(event, BookUpdate)
        book.apply(event.bids, event.asks, event.ts_ms, event.snapshot)
        snapshots += event.snapshot
        diffs += not event.snapshot
        assert book.best_bid < book.best_ask
    # 6,551 diffs recorded; 4 predate the REST snapshot and are dropped by Binance's rule
    assert (snapshots, diffs, trades) == (1, 6_547, 21_313)


def _frame(recv_ns: int, payload: dict | str) -> str:
    text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return f"{recv_ns} {text}\n"


def _diff(first: int, final: int, prev: int, bids: list, asks: list) -> dict:
    data = {"e": "depthUpdate", "s": "BTCUSDT", "U": first, "u": final, "pu": prev}
    return {"stream": "btcusdt@depth@0ms", "data": {**data, "b": bids, "a": asks}}


def test_diff_levels_are_the_numbers_written_whatever_their_spelling(tmp_path: Path) -> None:
    """The reader's fast number parse must give exactly float() of each level's text,
    and frames it can't be sure of (integers, exponents, a sign, a field after the
    levels, unquoted numbers) must still be read, the same way."""
    snapshot = {
        "lastUpdateId": 10,
        "E": 1,
        "T": 1,
        "bids": [["100.0", "1"]],
        "asks": [["101.0", "1"]],
    }
    odd = '{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","s":"BTCUSDT","U":13,"u":13,"pu":12,"b":[["99.5","0.3"]],"a":[],"x":"1.5"}}'  # noqa: E501
    lines = [
        _frame(1_000_000_000, snapshot),
        _frame(
            2_000_000_000,
            _diff(11, 11, 10, [["100.10", "0.001"], ["99.9", "0.000"]], [["101.5", "+2.5"]]),
        ),
        _frame(
            3_000_000_000, _diff(12, 12, 11, [["100", "5"], ["1e2", "1.5e-3"]], [["101.0", "7"]])
        ),
        _frame(4_000_000_000, odd),
        _frame(5_000_000_000, _diff(14, 14, 13, [[99.25, 4.0]], [[101.25, 3]])),
        "\n",
    ]
    path = tmp_path / "frames.jsonl"
    path.write_text("".join(lines))
    diffs = [e for e in read_recording(path) if isinstance(e, BookUpdate) and not e.snapshot]

    def as_read(levels: list) -> list:
        return [(float(p), float(q)) for p, q in levels]

    expected = [
        (as_read([["100.10", "0.001"], ["99.9", "0.000"]]), as_read([["101.5", "+2.5"]])),
        (as_read([["100", "5"], ["1e2", "1.5e-3"]]), as_read([["101.0", "7"]])),
        (as_read([["99.5", "0.3"]]), []),
        ([(99.25, 4.0)], [(101.25, 3.0)]),
    ]
    got = [([tuple(lv) for lv in d.bids], [tuple(lv) for lv in d.asks]) for d in diffs]
    assert got == expected
    types = {type(x) for d in diffs for lv in (*d.bids, *d.asks) for x in lv}
    assert types == {float}
    assert [d.update_id for d in diffs] == [11, 12, 13, 14]


def test_trades_are_the_numbers_and_side_written_whatever_their_spelling(
    tmp_path: Path,
) -> None:
    """Trade frames parsed by their type must give exactly float() of the price and
    quantity text and the side the maker flag's truth says; frames that are not
    exactly that shape (a number unquoted, an extra top-level field, a flag that is a
    string) are read the general way, to the same trade; a price that is no number
    is one line naming the frame."""
    snapshot = {"lastUpdateId": 10, "bids": [["100.0", "1"]], "asks": [["101.0", "1"]]}

    def trade(price: object, qty: object, maker: object, **extra: object) -> dict:
        data = {"e": "trade", "E": 1, "s": "BTCUSDT", "t": 7, "p": price, "q": qty, "m": maker}
        return {"stream": "btcusdt@trade", "data": data, **extra}

    written = [
        trade("100.10", "0.001", True),
        trade("1e2", "1.5e-3", False),
        trade(99.25, 3, True),
        trade("99.9", "0.2", False, x=1),
        trade("99.8", "0.1", "false"),  # a non-empty string is true: the seller took
        trade("99.7", "-0", True),  # float() keeps the sign of a zero
    ]
    book = _frame(1_000_000_000, snapshot) + _frame(1_500_000_000, _diff(11, 11, 10, [], []))
    lines = [book] + [_frame(2_000_000_000 + i, t) for i, t in enumerate(written)]
    path = tmp_path / "trades.jsonl"
    path.write_text("".join(lines))
    trades = [e for e in read_recording(path) if isinstance(e, TradeTick)]
    expected = [
        (float(t["data"]["p"]), float(t["data"]["q"]), bool(t["data"]["m"])) for t in written
    ]
    got = [(t.price, t.qty, t.taker_side is Side.SELL) for t in trades]
    assert got == expected
    assert str(trades[-1].qty) == "-0.0"
    assert {type(x) for t in trades for x in (t.price, t.qty)} == {float}

    path.write_text(book + _frame(2_000_000_000, trade("x", "1", True)))
    with pytest.raises(RecordingError, match="line 3: a trade frame missing or mangling"):
        list(read_recording(path))


def test_a_gzip_recording_cut_short_replays_every_complete_line(tmp_path: Path) -> None:
    """A recorder stopped mid-write leaves a gzip file without its end: every line its
    compressed part holds is read, the partial last one is not."""
    lines = [
        _frame(1_000_000_000 + i, {"lastUpdateId": i, "bids": [], "asks": []}) for i in range(3000)
    ]
    whole = gzip.compress("".join(lines).encode())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    read = list(iter_lines(cut))
    assert 0 < len(read) < 3000
    assert read == [line.rstrip("\n") for line in lines[: len(read)]]
    plain = zlib.decompressobj(31).decompress(whole[: len(whole) * 2 // 3])
    assert len(read) == plain.count(b"\n")  # all complete lines, the partial one dropped


def test_a_book_ticker_line_is_skipped_wherever_its_name_sits_in_its_first_64_bytes(
    tmp_path: Path,
) -> None:
    """bookTicker lines are skipped wherever the stream puts "bookTicker" within a
    line's first 64 bytes (a longer symbol, a shorter receive time), and only there: a
    line with it further on is read, so a bad one is still named by its number."""
    snapshot = {"lastUpdateId": 10, "bids": [["100.0", "1.0"]], "asks": [["101.0", "1.0"]]}
    tickers = [
        _frame(1_500_000_000_000_000_000, {"stream": "btcusdt@bookTicker", "data": {}}),
        _frame(1_600_000_000, {"stream": "1000pepeusdt@bookTicker", "data": {}}),
        _frame(1_700_000_000, {"stream": "btcusdt@bookTicker", "data": {}}),
        f"1800000000 {'x' * 48}bookTicker\n",  # its name ends at byte 69: not skipped
    ]
    diff = _frame(2_000_000_000, _diff(11, 11, 10, [["100.5", "2.0"]], [["101.0", "0.0"]]))
    good = tmp_path / "good.jsonl"
    good.write_text(_frame(1_000_000_000, snapshot) + "".join(tickers[:3]) + diff)
    updates = list(read_recording(good))
    assert [(type(e), e.ts_ms) for e in updates] == [(BookUpdate, 1000), (BookUpdate, 2000)]

    bad = tmp_path / "bad.jsonl"
    bad.write_text(_frame(1_000_000_000, snapshot) + "".join(tickers) + diff)
    with pytest.raises(RecordingError, match=r"bad\.jsonl line 5: not a `<receive_ns> <json>`"):
        list(read_recording(bad))


def test_crlf_line_ends_and_skipped_lines_read_as_lf_and_keep_their_line_numbers(
    tmp_path: Path,
) -> None:
    """CRLF and CR line ends read
    as LF ones, bookTicker and blank lines are skipped, and a bad line is named by its
    number in the file (skipped lines counted)."""
    snapshot = {"lastUpdateId": 10, "bids": [["100.0", "1.0"]], "asks": [["101.0", "1.0"]]}
    ticker = {"stream": "btcusdt@bookTicker", "data": {"b": "100.0", "a": "101.0"}}
    trade = {"stream": "btcusdt@trade", "data": {"e": "trade", "p": "100.5", "q": "0.2", "m": True}}
    lines = [
        _frame(1_000_000_000, snapshot),
        _frame(1_500_000_000, ticker),
        _frame(2_000_000_000, _diff(11, 11, 10, [["100.5", "2.0"]], [["101.0", "0.0"]])),
        "\n",
        _frame(2_500_000_000, trade),
        _frame(3_000_000_000, _diff(12, 12, 11, [["99.0", "1.5"]], [["102.0", "3.0"]])),
    ]
    lf = tmp_path / "lf.jsonl"
    lf.write_text("".join(lines))
    expected = list(read_recording(lf))
    assert [type(e) for e in expected] == [BookUpdate, BookUpdate, TradeTick, BookUpdate]
    for name, end in (("crlf", "\r\n"), ("cr", "\r")):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(line.replace("\n", end) for line in lines))
        assert list(read_recording(path)) == expected, name

    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(lines[:4]) + "not a frame\r\n" + "".join(lines[4:]))
    with pytest.raises(RecordingError, match=r"bad\.jsonl line 5: not a `<receive_ns> <json>`"):
        list(read_recording(bad))
