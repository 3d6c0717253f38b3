"""Recording cost per venue format, on the real USD-M recording's market.

The recording's diffs and trades (5.7 min of BTCUSDT, ~28,000 events) are turned into
each venue's own messages (Binance: the recorded frames themselves; the others in
their WebSocket shapes, sizes in their contracts) and go through what `scalp-tui
record` runs: on the feed's side the tap (receive time, `offer` to the bounded
queue), on the writer thread the venue's format and the gzip files. Printed per venue:
the feed-side cost per message (what the live feed pays), the writer's messages per
second, how many times faster than the recording's real rate that is, and the
compressed bytes per message. Figures only; best of --repeat runs.
Run:  python bench/record_throughput.py [--repeat N] [--file PATH]
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scalp_tui.engine.protocol import BookUpdate, TradeTick
from scalp_tui.market.formats import iter_lines
from scalp_tui.market.record_formats import Tap
from scalp_tui.market.record_venues import REST_SNAPSHOTS, make_format
from scalp_tui.market.recorder import RecordWriter
from scalp_tui.market.recording import read_recording

DEFAULT_FILE = (
    Path(__file__).resolve().parents[2] / "shared/data/binance-usdm-btcusdt-20240808.jsonl.gz"
)
BTC = "BTC/USDT:USDT"
# venue -> (its BTC id, contract size)
MARKETS = {
    "binanceusdm": ("BTCUSDT", 1.0),
    "okx": ("BTC-USDT-SWAP", 0.01),
    "bybit": ("BTCUSDT", 1.0),
    "gate": ("BTC_USDT", 0.0001),
    "kucoinfutures": ("XBTUSDTM", 0.001),
    "bitget": ("BTCUSDT", 1.0),
    "htx": ("BTC-USDT", 0.001),
}


class Venue:
    """What the tap and the formats need of an exchange."""

    def __init__(self, venue: str) -> None:
        self.id = venue
        self.sid, self.size = MARKETS[venue]
        self.orderbooks: dict = {}

    def market(self, symbol: str) -> dict:
        return {"id": self.sid, "symbol": symbol, "contractSize": self.size}

    def handle_message(self, client: Any, message: Any) -> None:
        pass  # ccxt's own handling is not what is measured here


def _s(x: float) -> str:
    return f"{x:.8f}".rstrip("0").rstrip(".")


def venue_messages(venue: str, events: list, sid: str, size: float) -> list[dict]:
    def c(q: float) -> float:
        return round(q / size, 8)

    out: list[dict] = []
    updates = itertools.count(1)  # the book's update ids follow each other
    for n, e in enumerate(events, 1):
        if isinstance(e, TradeTick):
            side = e.taker_side.value
            out.append(TRADES[venue](sid, e, c(e.qty), side, n))
            continue
        b = [(p, c(q)) for p, q in e.bids]
        a = [(p, c(q)) for p, q in e.asks]
        out += BOOKS[venue](sid, b, a, next(updates), e.ts_ms)
    return out


def _pairs(levels: list) -> list[list[str]]:
    return [[_s(p), _s(q)] for p, q in levels]


def okx_book(sid: str, b: list, a: list, n: int, t: int) -> list[dict]:
    bids = [[*x, "0", "1"] for x in _pairs(b)]
    asks = [[*x, "0", "1"] for x in _pairs(a)]
    book = {"bids": bids, "asks": asks, "seqId": n, "prevSeqId": n - 1, "ts": str(t)}
    return [{"arg": {"channel": "books", "instId": sid}, "action": "update", "data": [book]}]


def bybit_book(sid: str, b: list, a: list, n: int, t: int) -> list[dict]:
    data = {"s": sid, "b": _pairs(b), "a": _pairs(a), "u": n, "seq": n}
    return [{"topic": f"orderbook.50.{sid}", "type": "delta", "ts": t, "data": data}]


def gate_book(sid: str, b: list, a: list, n: int, t: int) -> list[dict]:
    result = {"t": t, "s": sid, "U": n, "u": n, "b": [{"p": _s(p), "s": int(q)} for p, q in b],
              "a": [{"p": _s(p), "s": int(q)} for p, q in a]}  # fmt: skip
    return [{"channel": "futures.order_book_update", "event": "update", "result": result}]


KUCOIN_SEQUENCE = itertools.count(1)  # one change a message, +1 each


def kucoin_book(sid: str, b: list, a: list, n: int, t: int) -> list[dict]:
    changes = [("buy", p, q) for p, q in b] + [("sell", p, q) for p, q in a]
    return [
        {"type": "message", "subject": "level2", "topic": f"/contractMarket/level2:{sid}",
         "data": {"sequence": next(KUCOIN_SEQUENCE), "change": f"{_s(p)},{side},{_s(q)}",
                  "timestamp": t}}
        for side, p, q in changes
    ]  # fmt: skip


def bitget_book(sid: str, b: list, a: list, n: int, t: int) -> list[dict]:
    book = {"bids": _pairs(b), "asks": _pairs(a), "checksum": 0, "seq": n, "ts": str(t)}
    arg = {"instType": "USDT-FUTURES", "channel": "books", "instId": sid}
    return [{"action": "update", "arg": arg, "data": [book]}]


def htx_book(sid: str, b: list, a: list, n: int, t: int) -> list[dict]:
    tick = {"bids": [list(x) for x in b], "asks": [list(x) for x in a], "event": "update",
            "version": n, "ts": t}  # fmt: skip
    return [{"ch": f"market.{sid}.depth.size_150.high_freq", "ts": t, "tick": tick}]


def okx_trade(sid: str, e: TradeTick, q: float, side: str, n: int) -> dict:
    row = {"instId": sid, "tradeId": str(n), "px": _s(e.price), "sz": _s(q), "side": side,
           "ts": str(e.ts_ms)}  # fmt: skip
    return {"arg": {"channel": "trades", "instId": sid}, "data": [row]}


def bybit_trade(sid: str, e: TradeTick, q: float, side: str, n: int) -> dict:
    row = {"T": e.ts_ms, "s": sid, "S": side.title(), "v": _s(q), "p": _s(e.price), "i": str(n)}
    return {"topic": f"publicTrade.{sid}", "type": "snapshot", "data": [row]}


def gate_trade(sid: str, e: TradeTick, q: float, side: str, n: int) -> dict:
    row = {"size": -int(q) if side == "sell" else int(q), "id": n, "create_time_ms": e.ts_ms,
           "price": _s(e.price), "contract": sid}  # fmt: skip
    return {"channel": "futures.trades", "event": "update", "result": [row]}


def kucoin_trade(sid: str, e: TradeTick, q: float, side: str, n: int) -> dict:
    data = {"symbol": sid, "side": side, "size": int(q), "price": _s(e.price),
            "tradeId": str(n), "ts": e.ts_ms * 1_000_000}  # fmt: skip
    topic = f"/contractMarket/execution:{sid}"
    return {"type": "message", "subject": "match", "topic": topic, "data": data}


def bitget_trade(sid: str, e: TradeTick, q: float, side: str, n: int) -> dict:
    row = {"ts": str(e.ts_ms), "price": _s(e.price), "size": _s(q), "side": side,
           "tradeId": str(n)}  # fmt: skip
    arg = {"instType": "USDT-FUTURES", "channel": "trade", "instId": sid}
    return {"action": "update", "arg": arg, "data": [row]}


def htx_trade(sid: str, e: TradeTick, q: float, side: str, n: int) -> dict:
    row = {"amount": q, "ts": e.ts_ms, "id": n, "price": e.price, "direction": side}
    tick = {"id": n, "ts": e.ts_ms, "data": [row]}
    return {"ch": f"market.{sid}.trade.detail", "ts": e.ts_ms, "tick": tick}


BOOKS: dict[str, Callable[..., list[dict]]] = {
    "okx": okx_book,
    "bybit": bybit_book,
    "gate": gate_book,
    "kucoinfutures": kucoin_book,
    "bitget": bitget_book,
    "htx": htx_book,
}
TRADES: dict[str, Callable[..., dict]] = {
    "okx": okx_trade,
    "bybit": bybit_trade,
    "gate": gate_trade,
    "kucoinfutures": kucoin_trade,
    "bitget": bitget_trade,
    "htx": htx_trade,
}


def binance_frames(path: Path) -> list[dict]:
    """The recorded depth and trade frames as ccxt's socket hands them over (bare)."""
    frames = []
    for line in iter_lines(path):
        data = json.loads(line.split(" ", 1)[1])
        if data.get("stream", "").endswith(("@depth@0ms", "@trade")):
            frames.append(data["data"])
    return frames


def run(venue: str, messages: list[dict], snapshot: dict, out: Path) -> tuple[float, float, int]:
    exchange = Venue(venue)
    writer = RecordWriter(
        out, venue, make_format(exchange, [BTC]), capacity=len(messages) + 10,
        report_every_s=3600, err=sys.stderr,
    )  # fmt: skip
    Tap(exchange, writer, [BTC])
    if venue in REST_SNAPSHOTS:  # the book ccxt's REST call brings, as the tap queues it
        writer.offer((time.time_ns(), "snapshot", BTC, snapshot))
    handle = exchange.handle_message
    start = time.perf_counter()
    for message in messages:
        handle(None, message)
    feed_s = time.perf_counter() - start
    start = time.perf_counter()
    writer.start()
    summary = writer.close()
    writer_s = time.perf_counter() - start
    assert summary.dropped == 0 and summary.unreadable == 0, summary
    assert summary.written >= len(messages), summary  # every message written
    return feed_s, writer_s, sum(p.stat().st_size for p in summary.files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    events = list(read_recording(args.file))
    snapshots = [e for e in events if isinstance(e, BookUpdate) and e.snapshot]
    first = snapshots[0]
    events = [e for e in events if e not in snapshots]
    span_s = (events[-1].ts_ms - events[0].ts_ms) / 1000
    print("$ python " + " ".join(sys.argv))
    print(f"python {platform.python_version()}, {len(events)} events over {span_s:.0f} s")
    print(f"{'venue':<14} {'messages':>9} {'feed us/msg':>12} {'writer msg/s':>13} "
          f"{'x real time':>12} {'bytes/msg':>10}")  # fmt: skip
    for venue, (sid, size) in MARKETS.items():
        if venue == "binanceusdm":
            messages = binance_frames(args.file)
        else:
            messages = venue_messages(venue, events, sid, size)
        book = {"bids": [[p, q / size] for p, q in first.bids], "nonce": 0, "timestamp": 0,
                "asks": [[p, q / size] for p, q in first.asks]}  # fmt: skip
        best: tuple[float, float, int] | None = None
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                figures = run(venue, messages, book, Path(tmp))
            if best is None or figures[1] < best[1]:
                best = figures
        assert best is not None
        feed_s, writer_s, size_b = best
        n = len(messages)
        print(f"{venue:<14} {n:>9} {feed_s / n * 1e6:>12.2f} {n / writer_s:>13,.0f} "
              f"{span_s / writer_s:>12.0f} {size_b / n:>10.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
