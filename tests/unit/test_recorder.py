"""The recorder's queue and files: a slow disk drops and counts instead of blocking the
feed; files rotate at the UTC hour of the receive time, each new hour starting with a
copy of the book; counters reach stderr."""

import gzip
import io
import json
import time

from scalp_tui.market.record_formats import Markets, OkxFormat, Tap
from scalp_tui.market.recorder import HOUR_NS, RecordWriter

BTC = "BTC/USDT:USDT"
T0 = 1_723_161_600 * 10**9  # 2024-08-09 00:00:00 UTC


class Lines:
    """A format writing each item's payload as one line of key 'k'."""

    def lines(self, item):
        return [("k", b"%d %s\n" % (item[0], item[3]))]


class SlowFile(io.BytesIO):
    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def write(self, data) -> int:
        time.sleep(self.delay)
        return super().write(data)


def test_a_slow_disk_drops_and_counts_instead_of_blocking(tmp_path) -> None:
    err = io.StringIO()
    writer = RecordWriter(
        tmp_path, "x", Lines(), capacity=10, opener=lambda _: SlowFile(0.02),
        report_every_s=0.05, err=err,
    )  # fmt: skip
    writer.start()
    offered = 2_000
    start = time.perf_counter()
    accepted = sum(writer.offer((T0 + i, "ws", None, b"{}")) for i in range(offered))
    offering = time.perf_counter() - start
    # 2,000 writes at 20 ms each would take 40 s if offering waited for the disk
    assert offering < 2.0
    assert writer.dropped == offered - accepted > 0
    time.sleep(0.2)
    summary = writer.close()
    assert summary.written == accepted and summary.dropped == offered - accepted
    assert summary.written + summary.dropped == offered
    assert f"{summary.dropped} dropped" in summary.line()
    assert "dropped" in err.getvalue()  # the periodic line, never silent


class FakeOkx:
    id = "okx"

    def __init__(self) -> None:
        self.orderbooks: dict = {}
        self.handled: list = []

    def market(self, symbol):
        return {"id": "BTC-USDT-SWAP", "symbol": symbol, "contractSize": 0.01}

    def handle_message(self, client, message):
        self.handled.append(message)


def read_jsonl(path) -> list[dict]:
    with gzip.open(path, "rt") as lines:
        return [json.loads(line) for line in lines]


def books_frame(action: str, seq: int, bids, asks) -> dict:
    return {
        "arg": {"channel": "books", "instId": "BTC-USDT-SWAP"},
        "action": action,
        "data": [{"bids": bids, "asks": asks, "seqId": seq, "prevSeqId": seq - 1, "ts": "1"}],
    }


def test_files_rotate_at_the_hour_and_each_starts_from_the_book(tmp_path) -> None:
    exchange = FakeOkx()
    times = iter([T0 + HOUR_NS - 2, T0 + HOUR_NS - 1, T0 + HOUR_NS + 5])
    writer = RecordWriter(tmp_path, "okx", OkxFormat(Markets(exchange, [BTC])))
    writer.start()
    Tap(exchange, writer, [BTC], time_ns=lambda: next(times))
    handle = exchange.handle_message  # the tap, as ccxt's client would call it
    handle(None, books_frame("snapshot", 10, [["100", "5", "0", "1"]], [["101", "7", "0", "1"]]))
    handle(None, books_frame("update", 11, [["100", "0", "0", "0"]], []))
    # ccxt's book after those two frames (contracts), copied when the hour turns
    exchange.orderbooks[BTC] = {"bids": [[99.0, 3.0]], "asks": [[101.0, 7.0]], "nonce": 11}
    handle(None, books_frame("update", 12, [["99.5", "2", "0", "1"]], []))
    summary = writer.close()
    assert len(exchange.handled) == 3  # every message still reaches ccxt
    names = [p.name for p in summary.files]
    assert names == [
        "okx-btcusdtswap-20240809-00.jsonl.gz",
        "okx-btcusdtswap-20240809-01.jsonl.gz",
    ]
    first, second = (read_jsonl(p) for p in summary.files)
    assert [r["kind"] for r in first] == ["snapshot", "diff"]
    assert first[0]["bids"] == [[100.0, 0.05]] and first[1]["update_id"] == 11
    assert [r["kind"] for r in second] == ["snapshot", "diff"]
    assert second[0] == {
        "t": T0 + HOUR_NS + 5, "kind": "snapshot", "symbol": BTC, "bids": [[99.0, 0.03]],
        "asks": [[101.0, 0.07]], "update_id": 11, "synthetic": True,
    }  # fmt: skip
    assert second[1]["prev_update_id"] == 11 and second[1]["bids"] == [[99.5, 0.02]]
    assert (summary.written, summary.dropped) == (4, 0)


def test_a_restart_within_the_hour_writes_a_new_file(tmp_path) -> None:
    paths = []
    for _ in range(2):
        writer = RecordWriter(tmp_path, "x", Lines())
        writer.start()
        writer.offer((T0, "ws", None, b"{}"))
        paths += writer.close().files
    assert [p.name for p in paths] == ["x-k-20240809-00.jsonl.gz", "x-k-20240809-00.1.jsonl.gz"]
