"""Market side of the Bybit emulator: instruments, the book and trades the tests drive,
the public REST endpoints (instruments-info, time, kline, tickers, orderbook) and the
`orderbook.<depth>.<symbol>` / `publicTrade.<symbol>` topics.

Book topics work as Bybit's: a subscriber first gets a `snapshot` of the top `depth`
levels, then `delta` frames holding only the levels of that top view that changed (a
level pushed out of the view is sent with size 0). Each topic has its own update id
`u`, +1 per frame, and every frame carries the engine's cross sequence `seq`.
`gap_next(symbol)` makes the next frame's `u` skip one (a lost frame)."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from emulator.bybit_wire import PARAMS_ERROR, error, exchange_symbol, fmt, ok
from emulator.core import ExchangeCore, Instrument
from emulator.recordings import first_snapshot, paced

# Bybit's linear filters (strings as sent): tickSize, qtyStep, minOrderQty
INSTRUMENTS = {
    "BTCUSDT": ("BTC", "0.10", "0.001", "0.001"),
    "ETHUSDT": ("ETH", "0.01", "0.01", "0.01"),
    "SOLUSDT": ("SOL", "0.010", "0.1", "0.1"),
}
BOOK_DEPTHS = (1, 50, 200, 500)  # what Bybit serves for linear contracts
INTERVALS_MS = {"1": 60_000, "3": 180_000, "5": 300_000, "15": 900_000, "60": 3_600_000}


def instruments() -> list[Instrument]:
    """Linear contracts are one base unit each at Bybit: contract_size 1."""
    return [
        Instrument(sid, base, "USDT", 1.0, float(tick), float(step), float(min_qty))
        for sid, (base, tick, step, min_qty) in INSTRUMENTS.items()
    ]


@dataclass
class BookTopic:
    """One `orderbook.<depth>.<symbol>` stream: its update id and the view last sent."""

    depth: int
    u: int = 1
    bids: dict[float, float] = field(default_factory=dict)
    asks: dict[float, float] = field(default_factory=dict)


class BybitMarket:
    """Mixed into `BybitEmulator`; sending and fault draws come from the other parts."""

    core: ExchangeCore
    _publish: Any  # (topic, frame) -> None, to every socket subscribed to topic
    _take_gap: Any
    _after_core: Any

    def _init_market(self) -> None:
        self.book_topics: dict[tuple[str, int], BookTopic] = {}
        self.snapshots_served = 0  # REST orderbook answers
        self._trade_ids = itertools.count(1)

    # -- test-facing ---------------------------------------------------------------

    def contract_size(self, symbol: str) -> float:
        return self.core.instrument(exchange_symbol(symbol)).contract_size

    def seed_book(self, symbol: str, bids: list, asks: list) -> None:
        """The book in contracts (= base units at Bybit), before anyone subscribes."""
        sid = exchange_symbol(symbol)
        self.core.seed_book(sid, bids, asks)
        for (topic_symbol, _), topic in self.book_topics.items():
            if topic_symbol == sid:
                topic.bids, topic.asks = self._view(sid, topic.depth)

    def book(self, symbol: str, depth: int = 1000) -> tuple[list, list]:
        return self.core.book(exchange_symbol(symbol), depth)

    async def set_levels(self, symbol: str, bids: list, asks: list) -> None:
        """Change the book (qty 0 removes a level) and send the deltas; resting orders
        the new book reaches fill, and the liquidity they took is in the same deltas."""
        sid = exchange_symbol(symbol)
        self.core.apply_levels(sid, bids, asks)
        await self._publish_book(sid)
        await self._after_core()

    async def trade(self, symbol: str, price: float, qty: float, buyer_is_maker: bool) -> None:
        """A trade printed by someone else: moves the last price (stops watch it)."""
        sid = exchange_symbol(symbol)
        now = int(time.time() * 1000)
        taker = "Sell" if buyer_is_maker else "Buy"
        self.core.record_trade(sid, price)  # may fire stops, whose orders take liquidity
        row = {
            "T": now,
            "s": sid,
            "S": taker,
            "v": fmt(qty),
            "p": fmt(price),
            "L": "ZeroPlusTick",
            "i": f"emu-trade-{next(self._trade_ids)}",
            "BT": False,
        }
        frame = {"topic": f"publicTrade.{sid}", "type": "snapshot", "ts": now, "data": [row]}
        await self._publish(frame["topic"], frame)
        await self._publish_book(sid)
        await self._after_core()

    def seed_recording(self, path: Path, symbol: str = "BTCUSDT") -> None:
        """Start from the recording's depth snapshot (its quantities are base units,
        which are Bybit's contracts)."""
        snapshot = first_snapshot(path)
        if snapshot is not None:
            self.seed_book(symbol, list(snapshot.bids), list(snapshot.asks))

    async def play_recording(
        self, path: Path, symbol: str = "BTCUSDT", speed: float = 0.0, limit: int | None = None
    ) -> int:
        """Send the recorded diffs and trades on as this venue's market (after
        `seed_recording`); `speed` 0 plays as fast as possible. Returns frames played."""
        from scalp_tui.engine.protocol import BookUpdate

        played = 0
        async for event in paced(path, speed, limit):
            if isinstance(event, BookUpdate):
                await self.set_levels(symbol, list(event.bids), list(event.asks))
            else:
                await self.trade(symbol, event.price, event.qty, event.taker_side.value == "sell")
            played += 1
        return played

    # -- book topics ---------------------------------------------------------------

    def _view(self, sid: str, depth: int) -> tuple[dict[float, float], dict[float, float]]:
        bids, asks = self.core.book(sid, depth)
        return dict(bids), dict(asks)

    def book_snapshot(self, sid: str, depth: int) -> dict:
        """The snapshot a new subscriber of `orderbook.<depth>.<sid>` gets first."""
        topic = self.book_topics.get((sid, depth))
        if topic is None:
            topic = self.book_topics[(sid, depth)] = BookTopic(depth)
            topic.bids, topic.asks = self._view(sid, depth)
        return self._frame(sid, topic, "snapshot", topic.bids, topic.asks)

    def _frame(self, sid: str, topic: BookTopic, kind: str, bids: dict, asks: dict) -> dict:
        now = int(time.time() * 1000)
        bid_rows = sorted(bids.items(), reverse=True)
        ask_rows = sorted(asks.items())
        return {
            "topic": f"orderbook.{topic.depth}.{sid}",
            "type": kind,
            "ts": now,
            "data": {
                "s": sid,
                "b": [[fmt(p), fmt(q)] for p, q in bid_rows],
                "a": [[fmt(p), fmt(q)] for p, q in ask_rows],
                "u": topic.u,
                "seq": self.core.books[sid].seq,
            },
            "cts": now,
        }

    async def _publish_book(self, sid: str) -> None:
        """Send each book topic of `sid` what changed in its view (nothing if nothing
        did); a gap asked for skips one `u` on the next frames that are sent."""
        frames = []
        for (topic_symbol, depth), topic in list(self.book_topics.items()):
            if topic_symbol != sid:
                continue
            bids, asks = self._view(sid, depth)
            diff_bids, diff_asks = _diff(topic.bids, bids), _diff(topic.asks, asks)
            topic.bids, topic.asks = bids, asks
            if diff_bids or diff_asks:
                frames.append((topic, diff_bids, diff_asks))
        gap = bool(frames) and self._take_gap(sid)
        for topic, diff_bids, diff_asks in frames:
            topic.u += 2 if gap else 1  # a skipped u: the frame before this one was lost
            frame = self._frame(sid, topic, "delta", diff_bids, diff_asks)
            await self._publish(frame["topic"], frame)

    # -- public REST ---------------------------------------------------------------

    async def _instruments_info(self, request: web.Request) -> web.Response:
        q = request.query
        category = q.get("category", "")
        rows = []
        if category == "linear" and q.get("status", "Trading") == "Trading":
            rows = [
                _instrument_row(sid, *spec)
                for sid, spec in INSTRUMENTS.items()
                if q.get("symbol") in (None, sid)
            ]
        # spot, inverse, option and pre-launch lists are empty here
        return ok({"category": category, "list": rows, "nextPageCursor": ""})

    async def _time(self, request: web.Request) -> web.Response:
        now_ns = time.time_ns()
        return ok({"timeSecond": str(now_ns // 10**9), "timeNano": str(now_ns)})

    def _mid(self, sid: str) -> float:
        bids, asks = self.core.book(sid, 1)
        if bids and asks:
            return (bids[0][0] + asks[0][0]) / 2
        return self.core.last_price.get(sid, 100.0)

    async def _kline(self, request: web.Request) -> web.Response:
        """Flat history, 5000 a candle; Bybit lists the newest (forming) candle first."""
        q = request.query
        sid = q.get("symbol", "")
        if sid not in INSTRUMENTS:
            return error(PARAMS_ERROR, "Not supported symbols")
        step = INTERVALS_MS.get(q.get("interval", "5"), 300_000)
        limit = min(int(q.get("limit", "200")), 1000)
        now = int(time.time() * 1000)
        newest = now - now % step
        mid = fmt(self._mid(sid))
        rows = [
            [str(newest - i * step), mid, mid, mid, mid, "5000", fmt(5000 * float(mid))]
            for i in range(limit)
        ]
        return ok({"category": "linear", "symbol": sid, "list": rows})

    async def _orderbook_rest(self, request: web.Request) -> web.Response:
        sid = request.query.get("symbol", "")
        if sid not in INSTRUMENTS:
            return error(PARAMS_ERROR, "Not supported symbols")
        limit = int(request.query.get("limit", "25"))
        bids, asks = self.core.book(sid, limit)
        self.snapshots_served += 1
        now = int(time.time() * 1000)
        return ok(
            {
                "s": sid,
                "b": [[fmt(p), fmt(q)] for p, q in bids],
                "a": [[fmt(p), fmt(q)] for p, q in asks],
                "ts": now,
                "u": self.core.books[sid].seq,
                "seq": self.core.books[sid].seq,
                "cts": now,
            }
        )

    async def _tickers(self, request: web.Request) -> web.Response:
        wanted = request.query.get("symbol")
        rows = [self._ticker(sid) for sid in INSTRUMENTS if wanted in (None, sid)]
        if request.query.get("category") != "linear":
            rows = []
        return ok({"category": request.query.get("category", ""), "list": rows})

    def _ticker(self, sid: str) -> dict:
        bids, asks = self.core.book(sid, 1)
        mid = self._mid(sid)
        last = self.core.last_price.get(sid, mid)
        return {
            "symbol": sid,
            "lastPrice": fmt(last),
            "indexPrice": fmt(mid),
            "markPrice": fmt(mid),
            "prevPrice24h": fmt(last),
            "price24hPcnt": "0",
            "highPrice24h": fmt(last),
            "lowPrice24h": fmt(last),
            "prevPrice1h": fmt(last),
            "openInterest": "1000",
            "openInterestValue": fmt(1000 * mid),  # ccxt reads a contract ticker by it
            "turnover24h": fmt(5000 * 288 * mid),
            "volume24h": fmt(5000 * 288),
            "fundingRate": "0.0001",
            "nextFundingTime": "0",
            "bid1Price": fmt(bids[0][0]) if bids else "",
            "bid1Size": fmt(bids[0][1]) if bids else "",
            "ask1Price": fmt(asks[0][0]) if asks else "",
            "ask1Size": fmt(asks[0][1]) if asks else "",
        }


def _diff(before: dict[float, float], after: dict[float, float]) -> dict[float, float]:
    changed = {p: q for p, q in after.items() if before.get(p) != q}
    changed.update({p: 0.0 for p in before if p not in after})
    return changed


def _instrument_row(sid: str, base: str, tick: str, step: str, min_qty: str) -> dict:
    return {
        "symbol": sid,
        "contractType": "LinearPerpetual",
        "status": "Trading",
        "baseCoin": base,
        "quoteCoin": "USDT",
        "launchTime": "1585526400000",
        "deliveryTime": "0",
        "deliveryFeeRate": "",
        "priceScale": str(len(tick.split(".")[1])),
        "leverageFilter": {"minLeverage": "1", "maxLeverage": "100.00", "leverageStep": "0.01"},
        "priceFilter": {"minPrice": tick, "maxPrice": "1999999.80", "tickSize": tick},
        "lotSizeFilter": {
            "maxOrderQty": "1190.000",
            "minOrderQty": min_qty,
            "qtyStep": step,
            "postOnlyMaxOrderQty": "1190.000",
            "maxMktOrderQty": "500.000",
            "minNotionalValue": "5",
        },
        "unifiedMarginTrade": True,
        "fundingInterval": 480,
        "settleCoin": "USDT",
        "copyTrading": "both",
        "upperFundingRate": "0.00375",
        "lowerFundingRate": "-0.00375",
        "isPreListing": False,
        "preListingInfo": None,
    }
