"""Replay parity: the engine's book from a replayed recording equals ccxt.pro's.

The real USD-M recording's frames go into a real `ccxt.pro.binanceusdm` client's
order-book handlers (its REST-snapshot unroll and `handle_order_book`, over a stub
socket, as ccxt's own tests do), and the same file goes through ReplaySource into the
engine's OrderBook; the top 20 levels must agree after every depth frame. Then a slice
of the recording converted to tardis.dev CSV must replay into the same books.
"""

import asyncio
import csv
import gzip
import json
from pathlib import Path

import ccxt.pro
import pytest
from shared_data import default_recording

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.protocol import BookUpdate, TradeTick
from scalp_tui.market.replay import ReplaySource

RECORDING = default_recording()
pytestmark = pytest.mark.skipif(
    not RECORDING.is_file(), reason=f"recording not found at {RECORDING}"
)
BTC = "BTC/USDT:USDT"
TOP = 20
TARDIS_HEAD = ["exchange", "symbol", "timestamp", "local_timestamp"]
FSTREAM = "wss://fstream.binance.com/stream"


class Transport:
    closed = False

    async def send_str(self, message: str) -> None:
        pass

    async def close(self, code: int = 1000) -> None:
        self.closed = True


def frames(path: Path) -> list[dict]:
    with gzip.open(path, "rt") as lines:
        return [json.loads(line.partition(" ")[2]) for line in lines]


def top(book: OrderBook) -> tuple:
    return book.bids.levels(TOP), book.asks.levels(TOP)


def ccxt_top(ob) -> tuple:
    bids = tuple((float(p), float(q)) for p, q in ob["bids"][:TOP])
    asks = tuple((float(p), float(q)) for p, q in ob["asks"][:TOP])
    return bids, asks


async def ccxt_books(raw: list[dict]) -> list[tuple]:
    """ccxt.pro's top levels after each depth frame it applies (from the snapshot on)."""
    exchange = ccxt.pro.binanceusdm({"enableRateLimit": False})
    exchange.set_markets(
        [
            {
                "id": "BTCUSDT", "symbol": BTC, "base": "BTC", "quote": "USDT", "settle": "USDT",
                "baseId": "BTC", "quoteId": "USDT", "settleId": "USDT", "type": "swap",
                "spot": False, "margin": False, "swap": True, "future": False, "option": False,
                "contract": True, "linear": True, "inverse": False, "contractSize": 1,
                "active": True, "precision": {"price": 0.1, "amount": 0.001},
                "limits": {}, "info": {},
            }
        ]
    )  # fmt: skip
    client = exchange.client(FSTREAM)
    client.connection = Transport()
    exchange.orderbooks[BTC] = exchange.order_book({}, 1000)
    snapshot = next(f for f in raw if "stream" not in f)

    async def rest(symbol, limit=None, params=None):
        book = exchange.parse_order_book(snapshot, symbol, snapshot["T"])
        book["nonce"] = snapshot["lastUpdateId"]
        return book

    exchange.fetch_rest_order_book_safe = rest
    subscription = {"symbol": BTC, "type": "linear", "limit": 1000}
    tops: list[tuple] = []
    seen_snapshot = False
    for frame in raw:
        if "stream" not in frame:
            # ccxt's own unroll of the diffs it buffered before the snapshot
            await exchange.fetch_order_book_snapshot(client, None, subscription)
            seen_snapshot = True
            tops.append(ccxt_top(exchange.orderbooks[BTC]))
            continue
        if "@depth" not in frame["stream"]:
            continue
        before = exchange.orderbooks[BTC]["nonce"]
        exchange.handle_order_book(client, frame["data"])
        assert BTC in exchange.orderbooks, "ccxt dropped the book: a gap"
        if seen_snapshot and exchange.orderbooks[BTC]["nonce"] != before:
            tops.append(ccxt_top(exchange.orderbooks[BTC]))
    await exchange.close()
    return tops


def engine_books(source: ReplaySource) -> list[tuple]:
    """The engine book's top levels after the snapshot and after each later diff; the
    diffs held from before the snapshot come at its receive time, as ccxt unrolls them
    all at once, so they are compared together."""
    book = OrderBook(source.symbol)
    tops: list[tuple] = []
    snapshot_ms = None
    for event in source.events():
        if type(event) is TradeTick:
            continue
        assert isinstance(event, BookUpdate)
        book.apply(event.bids, event.asks, event.ts_ms, event.snapshot)
        if event.snapshot:
            snapshot_ms = event.ts_ms
            tops.append(top(book))
        elif event.ts_ms == snapshot_ms and len(tops) == 1:
            tops[0] = top(book)  # part of the snapshot's unroll
        else:
            snapshot_ms = None
            tops.append(top(book))
    return tops


def test_engine_book_equals_ccxt_pro_book_at_every_depth_frame() -> None:
    ours = engine_books(ReplaySource(RECORDING))
    theirs = asyncio.run(ccxt_books(frames(RECORDING)))
    assert len(ours) == len(theirs) > 6_000
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a == b, f"book differs after depth frame {i}"


def to_tardis(path: Path, out: Path, lines: int, resnapshot: tuple[int, OrderBook] | None):
    """The first `lines` frames of a Binance USD-M recording as tardis.dev CSV, as
    tardis.dev writes it: the REST snapshot as is_snapshot rows followed by the diffs
    buffered before it that Binance's rule keeps (at its receive time), each later diff
    as rows sharing its receive time, trades as rows. `resnapshot` (receive µs, book)
    adds a stray level then a fresh snapshot there, which the reader must clear."""
    book_rows: list[list] = []
    trade_rows: list[list] = []
    pending: list[dict] = []
    synced = False

    def diff_rows(data: dict, local_us: int) -> None:
        for side, levels in (("bid", data["b"]), ("ask", data["a"])):
            for p, q in levels:
                row = ["binance-futures", "BTCUSDT", data["E"] * 1000, local_us, "false"]
                book_rows.append([*row, side, p, q])

    def snapshot_rows(bids, asks, exchange_us: int, local_us: int) -> None:
        for side, levels in (("bid", bids), ("ask", asks)):
            for p, q in levels:
                row = ["binance-futures", "BTCUSDT", exchange_us, local_us, "true"]
                book_rows.append([*row, side, p, q])

    with gzip.open(path, "rt") as stream:
        for n, line in enumerate(stream):
            if n >= lines:
                break
            recv, _, payload = line.partition(" ")
            local_us = int(recv) // 1_000
            if resnapshot is not None and local_us >= resnapshot[0] and synced:
                at, book = resnapshot
                resnapshot = None
                best = book.bids.levels(1)[0][0]
                book_rows.append(
                    ["binance-futures", "BTCUSDT", at, at, "false", "bid", best + 0.05, 9]
                )
                snapshot_rows(book.bids.levels(10**6), book.asks.levels(10**6), at, at)
            frame = json.loads(payload)
            if "stream" not in frame:
                snapshot_rows(frame["bids"], frame["asks"], frame["T"] * 1000, local_us)
                for data in pending:
                    if data["u"] >= frame["lastUpdateId"]:
                        diff_rows(data, local_us)
                synced = True
                continue
            data = frame["data"]
            if data.get("e") == "depthUpdate":
                if synced:
                    diff_rows(data, local_us)
                else:
                    pending.append(data)
            elif data.get("e") == "trade":
                side = "sell" if data["m"] else "buy"
                row = ["binance-futures", "BTCUSDT", data["T"] * 1000, local_us, data["t"]]
                trade_rows.append([*row, side, data["p"], data["q"]])
    book_path, trades_path = out / "book.csv", out / "trades.csv.gz"
    with book_path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "exchange",
                "symbol",
                "timestamp",
                "local_timestamp",
                "is_snapshot",
                "side",
                "price",
                "amount",
            ]
        )
        w.writerows(book_rows)
    with gzip.open(trades_path, "wt", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["exchange", "symbol", "timestamp", "local_timestamp", "id", "side", "price", "amount"]
        )
        w.writerows(trade_rows)
    return book_path, trades_path


def books_by_time(events, until_ms: int) -> tuple[dict[int, tuple], list[TradeTick]]:
    """The book's top levels as of the end of each millisecond, and the trades."""
    book = OrderBook(BTC)
    tops: dict[int, tuple] = {}
    trades = []
    for event in events:
        if event.ts_ms > until_ms:
            break
        if type(event) is TradeTick:
            trades.append(event)
            continue
        book.apply(event.bids, event.asks, event.ts_ms, event.snapshot)
        tops[event.ts_ms] = top(book)
    return tops, trades


def test_tardis_csv_replays_into_the_same_books_as_the_raw_frames(tmp_path: Path) -> None:
    lines = 6_000  # about 20 s of the recording
    raw = list(ReplaySource(RECORDING).events())
    # the raw replay's full book about half way through the slice, for a fresh snapshot
    mid = raw[900]
    full = OrderBook(BTC)
    for event in raw:
        if event.ts_ms > mid.ts_ms:
            break
        if type(event) is BookUpdate:
            full.apply(event.bids, event.asks, event.ts_ms, event.snapshot)
    # a receive time strictly after the raw events of that millisecond
    at_us = (mid.ts_ms + 1) * 1_000 - 1
    book_csv, trades_gz = to_tardis(RECORDING, tmp_path, lines, (at_us, full))
    tardis = ReplaySource([book_csv, trades_gz])
    assert tardis.formats == ["tardis-book", "tardis-trades"]
    assert tardis.symbol == BTC
    events = list(tardis.events())
    until = events[-1].ts_ms - 1  # the slice's last millisecond may be cut mid-way
    ours, our_trades = books_by_time(raw, until)
    theirs, their_trades = books_by_time(events, until)
    assert len(ours) > 400 and set(ours) == set(theirs)
    for ts, levels in ours.items():
        assert theirs[ts] == levels, f"tardis book differs at {ts}"
    assert [(t.ts_ms, t.price, t.qty, t.taker_side) for t in their_trades] == [
        (t.ts_ms, t.price, t.qty, t.taker_side) for t in our_trades
    ]
    assert sum(1 for e in events if type(e) is BookUpdate and e.snapshot) == 2
