"""OKX v5 market data of the emulator: public REST (instruments, candles, books, tickers,
time) and the public WebSocket channels `books` and `trades`.

`books` (ccxt.pro's default depth channel) sends a snapshot of up to 400 levels a side on
every subscribe, then updates with `prevSeqId` = the previous frame's `seqId` and the
CRC32 `checksum` of the top 25 levels, computed over the strings as sent. Liquidity our
own orders take goes out as an update too, so a client's book stays equal to ours.
ccxt raises InvalidNonce on a seqId gap and does not check the checksum (DESIGN.md 3)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from emulator.core import ExchangeCore
from emulator.okx_wire import INSTRUMENTS, checksum, fmt, inst_id, ok
from emulator.recordings import first_snapshot, paced

BOOK_DEPTH = 400  # what OKX's `books` snapshot holds
BARS = {"1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "1H": 3_600_000}


class OkxMarket:
    """The book and the public streams. Mixed into `OkxEmulator`."""

    # provided by the other parts (declared for readers and type checkers)
    core: ExchangeCore
    _subs: dict[web.WebSocketResponse, set[tuple[str, str]]]
    _send: Any
    _flush: Any
    _take_gap: Any

    def _init_market(self) -> None:
        self._seq: dict[str, int] = {s: 10_000 for s in INSTRUMENTS}
        self._bad_checksum: set[str] = set()
        self.snapshots_served = 0
        self.subscribe_count = 0

    # -- the book (test-facing) ----------------------------------------------------

    def contract_size(self, symbol: str) -> float:
        return self.core.instruments[inst_id(symbol)].contract_size

    def seed_book(self, symbol: str, bids: list, asks: list) -> None:
        """Set the whole book (contracts) without telling subscribers: seed before they
        subscribe (a later subscribe gets it as its snapshot)."""
        self.core.seed_book(inst_id(symbol), bids, asks)

    def book(self, symbol: str, depth: int = 1000) -> tuple[list, list]:
        return self.core.book(inst_id(symbol), depth)

    async def set_levels(self, symbol: str, bids: list, asks: list) -> None:
        """Change the book (contracts; qty 0 removes a level) and send the update.
        Resting orders the new book reaches fill; what they took is in the update."""
        symbol = inst_id(symbol)
        before = self._levels(symbol)
        self.core.apply_levels(symbol, bids, asks)
        await self._publish_book(symbol, before, always=True)
        await self._flush()

    async def trade(self, symbol: str, price: float, qty: float, buyer_is_maker: bool) -> None:
        """A trade printed by someone else (contracts): moves the last price (stops)."""
        symbol = inst_id(symbol)
        before = self._levels(symbol)
        self.core.record_trade(symbol, price)
        now = str(int(time.time() * 1000))
        row = {
            "instId": symbol,
            "tradeId": str(int(time.time() * 1e6)),
            "px": fmt(price),
            "sz": fmt(qty),
            "side": "sell" if buyer_is_maker else "buy",
            "ts": now,
            "count": "1",
        }
        await self._broadcast(
            ("trades", symbol), {"arg": {"channel": "trades", "instId": symbol}, "data": [row]}
        )
        await self._publish_book(symbol, before)  # a stop it fired may have taken some
        await self._flush()

    def bad_checksum_next(self, symbol: str) -> None:
        """The next `books` update of `symbol` carries a wrong checksum."""
        self._bad_checksum.add(inst_id(symbol))

    def subscribed(self, channel: str, symbol: str) -> bool:
        key = (channel, inst_id(symbol))
        return any(key in subs for subs in self._subs.values())

    def seed_recording(self, path: Path, symbol: str = "BTC-USDT-SWAP") -> None:
        """Start from a Binance recording's REST depth snapshot, base quantities turned
        into contracts (divided by ctVal)."""
        size = self.contract_size(symbol)
        snapshot = first_snapshot(path)
        if snapshot is not None:
            self.seed_book(symbol, _contracts(snapshot.bids, size), _contracts(snapshot.asks, size))

    async def play_recording(
        self,
        path: Path,
        symbol: str = "BTC-USDT-SWAP",
        speed: float = 0.0,
        limit: int | None = None,
    ) -> int:
        """Send a Binance recording's diffs and trades on as this exchange's market (after
        `seed_recording`). `speed` 0 plays as fast as possible. Returns frames played."""
        from scalp_tui.engine.protocol import BookUpdate

        size = self.contract_size(symbol)
        played = 0
        async for event in paced(path, speed, limit):
            if isinstance(event, BookUpdate):
                await self.set_levels(
                    symbol, _contracts(event.bids, size), _contracts(event.asks, size)
                )
            else:
                taker_sold = event.taker_side.value == "sell"
                await self.trade(symbol, event.price, round(event.qty / size, 8), taker_sold)
            played += 1
        return played

    # -- frames --------------------------------------------------------------------

    def _levels(self, symbol: str) -> tuple[dict, dict]:
        book = self.core.books[symbol]
        return dict(book.bids), dict(book.asks)

    def _book_rows(self, symbol: str, depth: int) -> tuple[list, list]:
        bids, asks = self.core.book(symbol, depth)
        return [(fmt(p), fmt(q)) for p, q in bids], [(fmt(p), fmt(q)) for p, q in asks]

    def _snapshot(self, symbol: str) -> dict:
        bids, asks = self._book_rows(symbol, BOOK_DEPTH)
        self.snapshots_served += 1
        return {
            "arg": {"channel": "books", "instId": symbol},
            "action": "snapshot",
            "data": [
                {
                    "asks": [[p, q, "0", "1"] for p, q in asks],
                    "bids": [[p, q, "0", "1"] for p, q in bids],
                    "ts": str(int(time.time() * 1000)),
                    "checksum": checksum(bids[:25], asks[:25]),
                    "prevSeqId": -1,
                    "seqId": self._seq[symbol],
                }
            ],
        }

    async def _publish_book(
        self, symbol: str, before: tuple[dict, dict], always: bool = False
    ) -> None:
        """One `books` update with every level that differs from `before`."""
        changes = []
        for side, old in zip(self._levels(symbol), before, strict=True):
            changed = {p: q for p, q in side.items() if old.get(p) != q}
            changed.update({p: 0.0 for p in old if p not in side})
            changes.append(changed)
        if not (always or changes[0] or changes[1]):
            return
        previous = self._seq[symbol]
        if self._take_gap(symbol):
            previous += 7  # a lost update: prevSeqId no longer matches
            self._seq[symbol] += 7
        self._seq[symbol] += 1
        top_bids, top_asks = self._book_rows(symbol, 25)
        crc = checksum(top_bids, top_asks)
        if symbol in self._bad_checksum:
            self._bad_checksum.discard(symbol)
            self.stats.bad_checksums += 1  # type: ignore[attr-defined]
            crc = crc + 1 if crc < (1 << 31) - 1 else crc - 1
        bids, asks = (sorted(c.items(), reverse=i == 0) for i, c in enumerate(changes))
        frame = {
            "arg": {"channel": "books", "instId": symbol},
            "action": "update",
            "data": [
                {
                    "asks": [[fmt(p), fmt(q), "0", "1" if q else "0"] for p, q in asks],
                    "bids": [[fmt(p), fmt(q), "0", "1" if q else "0"] for p, q in bids],
                    "ts": str(int(time.time() * 1000)),
                    "checksum": crc,
                    "prevSeqId": previous,
                    "seqId": self._seq[symbol],
                }
            ],
        }
        await self._broadcast(("books", symbol), frame)

    async def _broadcast(self, key: tuple[str, str], frame: dict) -> None:
        text = json.dumps(frame)
        for ws, subs in list(self._subs.items()):
            if key in subs:
                await self._send(ws, text)
        await asyncio.sleep(0)

    # -- public REST ---------------------------------------------------------------

    async def _instruments(self, request: web.Request) -> web.Response:
        if request.query.get("instType") != "SWAP":
            return ok([])  # spot, futures and options: none here
        rows = []
        for i in self.core.instruments.values():
            rows.append(
                {
                    "instType": "SWAP",
                    "instId": i.symbol,
                    "uly": f"{i.base}-{i.quote}",
                    "instFamily": f"{i.base}-{i.quote}",
                    "baseCcy": "",
                    "quoteCcy": "",
                    "settleCcy": i.quote,
                    "ctVal": fmt(i.contract_size),
                    "ctMult": "1",
                    "ctValCcy": i.base,
                    "ctType": "linear",
                    "lotSz": fmt(i.lot),
                    "minSz": fmt(i.min_size),
                    "tickSz": fmt(i.tick),
                    "maxLmtSz": "100000000",
                    "maxMktSz": "100000",
                    "lever": "100",
                    "state": "live",
                    "listTime": "1611916828000",
                    "expTime": "",
                    "alias": "",
                    "optType": "",
                    "stk": "",
                    "category": "1",
                }
            )
        return ok(rows)

    async def _currencies(self, request: web.Request) -> web.Response:
        """asset/currencies: ccxt's okx load_markets asks for it whenever keys are set
        (it does not honour options["fetchCurrencies"] = False)."""
        codes = sorted({i.base for i in self.core.instruments.values()} | {"USDT"})
        return ok(
            [
                {
                    "ccy": code,
                    "name": code,
                    "chain": f"{code}-ERC20",
                    "canDep": True,
                    "canWd": True,
                    "canInternal": True,
                    "minWd": "0.001",
                    "maxWd": "1000000",
                    "wdTickSz": "8",
                    "fee": "0.0001",
                    "minFee": "0.0001",
                    "maxFee": "0.0001",
                    "mainNet": True,
                }
                for code in codes
            ]
        )

    async def _time(self, request: web.Request) -> web.Response:
        return ok([{"ts": str(int(time.time() * 1000))}])

    def _mid(self, symbol: str) -> float:
        bids, asks = self.core.book(symbol, 1)
        if bids and asks:
            return (bids[0][0] + asks[0][0]) / 2
        return (bids or asks or [(100.0, 0.0)])[0][0]

    async def _candles(self, request: web.Request) -> web.Response:
        """Flat history at the mid, newest first as OKX sends it; the first row is the
        forming candle (confirm "0"); 5000 base units a candle (as the other venues'
        emulators), sent as contracts (`vol`) and base currency (`volCcy`)."""
        symbol = request.query.get("instId", "")
        if symbol not in self.core.instruments:
            return ok([])
        step = BARS.get(request.query.get("bar", "1m"), 60_000)
        limit = min(int(request.query.get("limit", "100")), 300)
        now = int(time.time() * 1000)
        mid = fmt(self._mid(symbol))
        size = self.core.instruments[symbol].contract_size
        newest = now - now % step
        rows = []
        for n in range(limit):
            t = newest - n * step
            rows.append(
                [
                    str(t),
                    mid,
                    mid,
                    mid,
                    mid,
                    fmt(5000 / size),
                    "5000",
                    fmt(5000 * float(mid)),
                    "0" if n == 0 else "1",
                ]
            )
        return ok(rows)

    async def _books_rest(self, request: web.Request) -> web.Response:
        symbol = request.query.get("instId", "")
        if symbol not in self.core.instruments:
            return ok([])
        bids, asks = self._book_rows(symbol, int(request.query.get("sz", "400")))
        return ok(
            [
                {
                    "asks": [[p, q, "0", "1"] for p, q in asks],
                    "bids": [[p, q, "0", "1"] for p, q in bids],
                    "ts": str(int(time.time() * 1000)),
                }
            ]
        )

    def _ticker(self, symbol: str) -> dict:
        bids, asks = self.core.book(symbol, 1)
        last = self.core.last_price.get(symbol, self._mid(symbol))
        return {
            "instType": "SWAP",
            "instId": symbol,
            "last": fmt(last),
            "lastSz": "1",
            "askPx": fmt(asks[0][0]) if asks else "",
            "askSz": fmt(asks[0][1]) if asks else "",
            "bidPx": fmt(bids[0][0]) if bids else "",
            "bidSz": fmt(bids[0][1]) if bids else "",
            "open24h": fmt(last),
            "high24h": fmt(last),
            "low24h": fmt(last),
            "volCcy24h": "1000",
            "vol24h": "100000",
            "sodUtc0": fmt(last),
            "sodUtc8": fmt(last),
            "ts": str(int(time.time() * 1000)),
        }

    async def _tickers(self, request: web.Request) -> web.Response:
        wanted = request.query.get("instId")
        if wanted:
            return ok([self._ticker(wanted)] if wanted in self.core.instruments else [])
        if request.query.get("instType", "SWAP") != "SWAP":
            return ok([])
        return ok([self._ticker(s) for s in self.core.instruments])


def _contracts(levels: Any, size: float) -> list[tuple[float, float]]:
    return [(price, round(qty / size, 8)) for price, qty in levels]
