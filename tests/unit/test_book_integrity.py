"""OKX's books checksum and Bybit's orderbook `u` sequence, checked by the feed.

Raw venue messages go into a real ccxt.pro okx / bybit client's message handler
(`exchange.handle_message(client, message)` over a stub transport, as ccxt's own
tests do); the real CcxtFeed watches that client. We check what the engine sees, the
feed's state, and what the client sends back to the venue (unsubscribe, subscribe).
"""

import asyncio
import json
import random
import zlib

import ccxt
import ccxt.pro
import pytest
from feed_sink import Sink
from feed_sink import until as wait_until

from scalp_tui.engine.clock import ManualClock
from scalp_tui.engine.protocol import FeedState
from scalp_tui.market import book_integrity, ccxt_feed
from scalp_tui.market.book_integrity import okx_checksum
from scalp_tui.market.ccxt_feed import CcxtFeed

BTC = "BTC/USDT:USDT"
OKX_ID = "BTC-USDT-SWAP"
OKX_INSTRUMENT = {
    "instType": "SWAP", "instId": OKX_ID, "uly": "BTC-USDT", "instFamily": "BTC-USDT",
    "settleCcy": "USDT", "ctVal": "0.01", "ctMult": "1", "ctValCcy": "BTC", "ctType": "linear",
    "tickSz": "0.1", "lotSz": "0.01", "minSz": "0.01", "state": "live", "lever": "100",
    "listTime": "1", "expTime": "",
}  # fmt: skip


class Transport:
    """The socket under ccxt's client: records what the client sends."""

    closed = False

    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send_str(self, message: str) -> None:
        self.sent.append(json.loads(message))

    async def close(self, code: int = 1000) -> None:
        self.closed = True


def connect(exchange, url: str):
    client = exchange.client(url)
    client.connecting = True
    client.connection = Transport()
    client.isConnected = True
    if not client.connected.done():
        client.connected.resolve(url)
    return client


async def until(condition, timeout: float = 3.0) -> None:
    await wait_until(condition, timeout, step=0.002)


class Watching:
    """The real feed over a real ccxt.pro client whose socket is a stub."""

    def __init__(self, exchange, url: str) -> None:
        self.exchange = exchange
        self.client = connect(exchange, url)
        self.feed = CcxtFeed(exchange, [BTC], ManualClock(0), depth=30, seed=1)
        self.sink = Sink()
        self.stop = asyncio.Event()

    async def __aenter__(self):
        self.task = asyncio.create_task(self.feed.run(self.sink, self.stop))
        return self

    async def __aexit__(self, *exc) -> None:
        self.stop.set()
        await self.task
        await self.exchange.close()

    def push(self, message: dict) -> None:
        self.exchange.handle_message(self.client, message)

    @property
    def sent(self) -> list[dict]:
        return self.client.connection.sent

    def states(self) -> list[FeedState]:
        return [s.state for s in self.sink.statuses]


# -- the checksum itself ---------------------------------------------------------


def signed_crc(text: str) -> int:
    crc = zlib.crc32(text.encode())
    return crc - 2**32 if crc >= 2**31 else crc


def test_okx_checksum_interleaves_bid_and_ask_levels() -> None:
    bids = [("3366.1", "7"), ("3366", "6")]
    asks = [("3366.8", "9"), ("3368", "8")]
    assert okx_checksum(bids, asks) == signed_crc("3366.1:7:3366.8:9:3366:6:3368:8")


def test_okx_checksum_continues_with_the_longer_side_alone() -> None:
    bids = [("3366.1", "7"), ("3366", "6"), ("3365", "1")]
    asks = [("3366.8", "9")]
    assert okx_checksum(bids, asks) == signed_crc("3366.1:7:3366.8:9:3366:6:3365:1")


def test_okx_checksum_is_a_signed_32_bit_int_of_the_strings_as_sent() -> None:
    values = {okx_checksum([(f"{p}", "1.10")], [("2", "1")]) for p in range(1, 200)}
    assert any(v < 0 for v in values) and all(-(2**31) <= v < 2**31 for v in values)
    # "1.10" and "1.1" are the same float, not the same checksum
    assert okx_checksum([("1", "1.10")], []) != okx_checksum([("1", "1.1")], [])


def test_the_shadow_book_keeps_the_top_25_as_a_full_sort_would() -> None:
    """The shadow keeps its levels sorted incrementally; a full sort is the reference."""
    rng = random.Random(7)
    shadow = book_integrity._OkxShadow()
    bids: dict[str, str] = {}
    asks: dict[str, str] = {}
    for _ in range(2_000):
        side, book = rng.choice([("bids", bids), ("asks", asks)])
        price = f"{60_000 + rng.randrange(-80, 80) / 10:.1f}"
        size = rng.choice(["0", "0", "1", "2.5", "0.010"])
        if size == "0":
            book.pop(price, None)
        else:
            book[price] = size
        shadow.apply({side: [[price, size, "0", "1"]]})
        top_bids = sorted(bids.items(), key=lambda kv: -float(kv[0]))[:25]
        top_asks = sorted(asks.items(), key=lambda kv: float(kv[0]))[:25]
        assert shadow.checksum() == okx_checksum(top_bids, top_asks)


# -- OKX through the real client -------------------------------------------------


def okx_exchange():
    exchange = ccxt.pro.okx({"enableRateLimit": False, "options": {"defaultType": "swap"}})
    exchange.set_markets([exchange.parse_market(OKX_INSTRUMENT)])
    return exchange


class OkxBook:
    """The venue's side: its book in strings, messages with a true checksum."""

    def __init__(self, bids: dict[str, str], asks: dict[str, str]) -> None:
        self.bids, self.asks = dict(bids), dict(asks)
        self.seq = 100

    def checksum(self) -> int:
        bids = sorted(self.bids.items(), key=lambda kv: -float(kv[0]))[:25]
        asks = sorted(self.asks.items(), key=lambda kv: float(kv[0]))[:25]
        return okx_checksum(bids, asks)

    def _message(self, action: str, bids, asks, prev: int, checksum: int | None) -> dict:
        self.seq += 1
        data = {
            "bids": [[p, s, "0", "1"] for p, s in bids],
            "asks": [[p, s, "0", "1"] for p, s in asks],
            "ts": "1700000000000",
            "checksum": self.checksum() if checksum is None else checksum,
            "prevSeqId": prev,
            "seqId": self.seq,
        }
        return {"arg": {"channel": "books", "instId": OKX_ID}, "action": action, "data": [data]}

    def snapshot(self, checksum: int | None = None) -> dict:
        return self._message("snapshot", self.bids.items(), self.asks.items(), -1, checksum)

    def update(self, bids=(), asks=(), checksum: int | None = None, skip: int = 0) -> dict:
        for side, levels in ((self.bids, bids), (self.asks, asks)):
            for price, size in levels:
                if float(size) == 0:
                    side.pop(price, None)
                else:
                    side[price] = size
        self.seq += skip  # skip > 0: seqIds the client never sees
        prev = self.seq
        return self._message("update", bids, asks, prev, checksum)


def okx_venue() -> OkxBook:
    bids = {f"{60_000 - i / 10:.1f}": str(10 + i) for i in range(30)}
    asks = {f"{60_000.1 + i / 10:.1f}": str(20 + i) for i in range(30)}
    return OkxBook(bids, asks)


def ops(sent: list[dict], channel: str = "books") -> list[str]:
    return [m["op"] for m in sent if any(a.get("channel") == channel for a in m.get("args", []))]


OKX_UNSUBSCRIBED = {"event": "unsubscribe", "arg": {"channel": "books", "instId": OKX_ID}}


async def okx_live(run: Watching, venue: OkxBook) -> None:
    await until(lambda: ops(run.sent) == ["subscribe"])
    run.push(venue.snapshot())
    await until(lambda: bool(run.sink.books))


async def okx_resnapshot(run: Watching, venue: OkxBook) -> None:
    """After a failure: ccxt unsubscribes, then subscribes; a new snapshot comes."""
    await until(lambda: ops(run.sent) == ["subscribe", "unsubscribe"])
    run.push(OKX_UNSUBSCRIBED)
    await until(lambda: ops(run.sent) == ["subscribe", "unsubscribe", "subscribe"])
    books = len(run.sink.books)
    run.push(venue.snapshot())
    await until(lambda: len(run.sink.books) > books)


async def test_okx_books_with_true_checksums_stay_live_in_base_units() -> None:
    venue = okx_venue()
    async with Watching(okx_exchange(), okx_exchange().get_url("books", "public")) as run:
        await okx_live(run, venue)
        run.push(venue.update(bids=[("60000.0", "0"), ("60000.05", "3")], asks=[("60000.1", "7")]))
        await until(lambda: run.sink.top(BTC, 1)[0] == ((60_000.05, 0.03),))
        assert run.sink.top(BTC, 1)[1] == ((60_000.1, 0.07),)  # 7 contracts of 0.01 BTC
        assert run.feed.checksum_mismatches == 0 and run.feed.resyncs == 0
        assert run.states()[-1] is FeedState.LIVE


async def test_an_okx_checksum_mismatch_resyncs_from_a_new_snapshot() -> None:
    venue = okx_venue()
    async with Watching(okx_exchange(), okx_exchange().get_url("books", "public")) as run:
        await okx_live(run, venue)
        good = run.sink.books[-1]
        # the venue's book moved, but this client misses the level change: the
        # checksum (over the venue's true book) no longer matches ours
        venue.update(bids=[("59999.9", "99")])
        venue.seq -= 1  # the sequence ids stay whole: only the checksum can tell
        run.push(venue.update(asks=[("60000.2", "5")]))
        await until(lambda: run.feed.checksum_mismatches == 1)
        await until(lambda: run.states()[-1] is FeedState.RESYNCING)
        assert "checksum mismatch" in run.sink.statuses[-1].detail
        assert run.sink.books[-1] is good  # the broken book never reached the engine
        await okx_resnapshot(run, venue)
        assert run.sink.top(BTC, 50)[0][1] == (59_999.9, 0.99)
        assert run.states()[-1] is FeedState.LIVE
        assert run.feed.resyncs == 1 and run.feed.reconnects == 0
        # and the new book is checked as before
        run.push(venue.update(bids=[("60000.0", "1")]))
        await until(lambda: run.sink.top(BTC, 50)[0][0] == (60_000.0, 0.01))
        assert run.feed.checksum_mismatches == 1


async def test_an_okx_snapshot_with_a_wrong_checksum_is_refused_too() -> None:
    venue = okx_venue()
    async with Watching(okx_exchange(), okx_exchange().get_url("books", "public")) as run:
        await until(lambda: ops(run.sent) == ["subscribe"])
        run.push(venue.snapshot(checksum=venue.checksum() ^ 1))
        await until(lambda: run.feed.checksum_mismatches == 1)
        await okx_resnapshot(run, venue)
        assert run.sink.books[0].bids[0] == (60_000.0, 0.1)
        assert run.states()[-2:] == [FeedState.RESYNCING, FeedState.LIVE]


async def test_an_okx_seqid_gap_is_a_resync_not_a_dropped_connection() -> None:
    venue = okx_venue()
    async with Watching(okx_exchange(), okx_exchange().get_url("books", "public")) as run:
        await okx_live(run, venue)
        run.push(venue.update(bids=[("60000.0", "4")], skip=1))  # prevSeqId != last seqId
        await until(lambda: run.feed.sequence_gaps == 1)
        await until(lambda: run.states()[-1] is FeedState.RESYNCING)
        assert "sequence gap" in run.sink.statuses[-1].detail
        await okx_resnapshot(run, venue)
        assert FeedState.DOWN not in run.states() and run.feed.reconnects == 0
        assert run.states()[-1] is FeedState.LIVE and run.feed.checksum_mismatches == 0


async def test_an_unanswered_okx_unsubscribe_drops_the_socket(monkeypatch) -> None:
    monkeypatch.setattr(ccxt_feed, "RESYNC_TIMEOUT_S", 0.2)
    venue = okx_venue()
    async with Watching(okx_exchange(), okx_exchange().get_url("books", "public")) as run:
        await okx_live(run, venue)
        run.push(venue.update(bids=[("60000.0", "4")], skip=1))
        await until(lambda: ops(run.sent) == ["subscribe", "unsubscribe"])
        # OKX never answers: the book would stay resyncing for good; the socket is
        # failed instead, so ccxt reconnects and subscribes afresh
        await until(lambda: isinstance(run.client.error, ccxt.NetworkError))
        assert "into a resync" in str(run.client.error)
        await until(lambda: FeedState.DOWN in run.states())


# -- Bybit through the real client -----------------------------------------------

BYBIT_URL = "ws://127.0.0.1:9/v5/public/linear"  # nothing listens: a reconnect fails fast


def bybit_exchange():
    exchange = ccxt.pro.bybit({"enableRateLimit": False, "options": {"defaultType": "swap"}})
    market = exchange.safe_market_structure(
        {
            "id": "BTCUSDT", "symbol": BTC, "base": "BTC", "quote": "USDT", "settle": "USDT",
            "baseId": "BTC", "quoteId": "USDT", "settleId": "USDT", "type": "swap",
            "spot": False, "margin": False, "swap": True, "future": False, "option": False,
            "contract": True, "linear": True, "inverse": False, "contractSize": 1.0,
            "active": True, "precision": {"amount": 0.001, "price": 0.1},
            "limits": {"amount": {"min": 0.001, "max": None}},
        }
    )  # fmt: skip
    exchange.set_markets([market])
    exchange.urls["api"]["ws"]["public"]["linear"] = BYBIT_URL
    return exchange


TOPIC = "orderbook.50.BTCUSDT"


def bybit(kind: str, u: int, bids=(), asks=()) -> dict:
    data = {"s": "BTCUSDT", "b": [list(b) for b in bids], "a": [list(a) for a in asks], "u": u}
    return {"topic": TOPIC, "type": kind, "ts": 1_700_000_000_000, "data": data, "cts": 1}


SNAPSHOT = (("60000.0", "1.5"), ("59999.9", "2")), (("60000.1", "3"),)


def topic_ops(sent: list[dict]) -> list[str]:
    return [m["op"] for m in sent if TOPIC in m.get("args", [])]


async def bybit_live(run: Watching, u: int = 100) -> None:
    await until(lambda: topic_ops(run.sent) == ["subscribe"])
    run.push(bybit("snapshot", u, *SNAPSHOT))
    await until(lambda: bool(run.sink.books))


async def test_bybit_deltas_in_sequence_are_applied() -> None:
    async with Watching(bybit_exchange(), BYBIT_URL) as run:
        await bybit_live(run)
        run.push(bybit("delta", 101, bids=[("60000.0", "0")]))
        run.push(bybit("delta", 102, asks=[("60000.1", "4.25")]))
        await until(lambda: run.sink.top(BTC, 50)[1] == ((60_000.1, 4.25),))
        assert run.sink.top(BTC, 50)[0] == ((59_999.9, 2.0),)
        assert run.feed.sequence_gaps == 0 and run.states()[-1] is FeedState.LIVE


async def test_a_bybit_gap_unsubscribes_then_resubscribes_for_a_new_snapshot() -> None:
    async with Watching(bybit_exchange(), BYBIT_URL) as run:
        await bybit_live(run)
        run.push(bybit("delta", 101, bids=[("60000.0", "1.75")]))
        await until(lambda: run.sink.top(BTC, 50)[0][0] == (60_000.0, 1.75))
        run.push(bybit("delta", 103, bids=[("60000.0", "9")]))  # 102 was lost
        await until(lambda: run.feed.sequence_gaps == 1)
        await until(lambda: run.states()[-1] is FeedState.RESYNCING)
        assert "sequence gap (u 101 then 103)" in run.sink.statuses[-1].detail
        await until(lambda: topic_ops(run.sent) == ["subscribe", "unsubscribe"])
        # deltas of the old subscription still in flight are not applied to anything
        run.push(bybit("delta", 104, bids=[("60000.0", "8")]))
        assert run.sink.top(BTC, 50)[0][0] == (60_000.0, 1.75)
        req_id = next(m["req_id"] for m in run.sent if m["op"] == "unsubscribe")
        run.push({"success": True, "ret_msg": "", "req_id": req_id, "op": "unsubscribe"})
        await until(lambda: topic_ops(run.sent) == ["subscribe", "unsubscribe", "subscribe"])
        run.push(bybit("snapshot", 500, (("60001.0", "0.5"),), (("60001.1", "0.25"),)))
        await until(lambda: run.sink.top(BTC, 50)[0] == ((60_001.0, 0.5),))
        assert run.states()[-1] is FeedState.LIVE and run.feed.reconnects == 0
        run.push(bybit("delta", 501, asks=[("60001.2", "1")]))  # counted from the snapshot
        await until(lambda: len(run.sink.top(BTC, 50)[1]) == 2)
        assert run.feed.sequence_gaps == 1 and run.feed.resyncs == 1


async def test_an_unanswered_bybit_unsubscribe_drops_the_socket(monkeypatch) -> None:
    monkeypatch.setattr(book_integrity, "UNSUBSCRIBE_TIMEOUT_S", 0.05)
    async with Watching(bybit_exchange(), BYBIT_URL) as run:
        await bybit_live(run)
        run.push(bybit("delta", 105))
        await until(lambda: topic_ops(run.sent) == ["subscribe", "unsubscribe"])
        # no answer: ccxt's client is failed, so the feed reconnects on a new socket
        # (whose subscribe brings a snapshot); here nothing listens, so it stays down
        await until(lambda: isinstance(run.client.error, ccxt.NetworkError))
        assert "unsubscribe failed" in str(run.client.error)
        await until(lambda: FeedState.DOWN in run.states())


@pytest.mark.parametrize("exchange_id", ["binanceusdm", "gate", "kucoinfutures", "htx"])
def test_other_venues_get_no_hook(exchange_id: str) -> None:
    exchange = getattr(ccxt.pro, exchange_id)()
    before = exchange.handle_order_book
    integrity = book_integrity.install(exchange)
    assert type(integrity) is book_integrity.BookIntegrity
    assert exchange.handle_order_book == before and "handle_order_book" not in vars(exchange)
