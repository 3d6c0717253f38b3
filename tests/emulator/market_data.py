"""Market data of the emulator: the book per symbol, diff-depth and trade streams over
WebSocket with SUBSCRIBE/ack, and recordings played as this exchange's own market."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from emulator.recordings import first_snapshot, paced
from emulator.wire import fmt

LISTEN_KEY = "emulator-listen-key"


def _frame(payload: dict) -> str:
    """A stream frame as Binance sends it: compact JSON."""
    return json.dumps(payload, separators=(",", ":"))


def _places(step: str) -> int:
    return len(step.partition(".")[2])


def _fixed(value: float, places: int) -> str:
    """A price or quantity with the market's decimals, trailing zeros kept, as
    Binance's depth streams send them ("58710.20", "0.000"); `fmt` where those
    decimals would not say the number exactly."""
    text = f"{value:.{places}f}"
    return text if float(text) == value else fmt(value)


_NAME = "\u0000name"  # stands for the symbol in a frame serialised once for many names
_NAME_JSON = json.dumps(_NAME)


@dataclass
class EmulatedMarket:
    symbol: str  # exchange id, e.g. BTCUSDT
    base: str
    quote: str
    tick: str
    step: str
    min_qty: str
    bids: dict[float, float] = field(default_factory=dict)
    asks: dict[float, float] = field(default_factory=dict)
    update_id: int = 1_000

    def depth_levels(self, levels: Any) -> list[list[str]]:
        """`[[price, qty], ...]` as the depth stream sends them."""
        price_places, qty_places = _places(self.tick), _places(self.step)
        return [[_fixed(p, price_places), _fixed(q, qty_places)] for p, q in levels]


MARKETS = {
    "BTCUSDT": ("BTC", "USDT", "0.10", "0.001", "0.001"),
    "ETHUSDT": ("ETH", "USDT", "0.01", "0.001", "0.001"),
    "SOLUSDT": ("SOL", "USDT", "0.0100", "1", "1"),
    "BNBUSDT": ("BNB", "USDT", "0.010", "0.01", "0.01"),
    "PEPEUSDT": ("PEPE", "USDT", "0.0000001", "1", "1"),
    "DOGEUSDT": ("DOGE", "USDT", "0.00001", "1", "1"),
}


class MarketData:
    """The book and the public streams. Mixed into `BinanceUsdmEmulator`; the matching
    of resting orders, stop triggers and frame faults come from the other mixins."""

    # provided by the other mixins (declared for readers and type checkers)
    _match_resting: Any
    _check_stops: Any
    _deliver: Any
    _chaos_gap: Any

    def _init_market_data(self) -> None:
        self.markets = {sid: EmulatedMarket(sid, *spec) for sid, spec in MARKETS.items()}
        self._sockets: set[web.WebSocketResponse] = set()
        self._subscriptions: dict[web.WebSocketResponse, set[str]] = {}
        self._user_sockets: set[web.WebSocketResponse] = set()
        self._gap_next: set[str] = set()
        self.snapshots_served = 0
        self.subscribe_count = 0
        self.quote_volume: dict[str, float] = {}  # 24 h quote volume per exchange id
        # last trade price per symbol: what a CONTRACT_PRICE stop watches
        self.last_price: dict[str, float] = {}
        self._trade_ids = 0  # trade ids: clients drop a repeated one as already seen

    # -- the book ------------------------------------------------------------------

    def seed_book(
        self, symbol: str, bids: list[tuple[float, float]], asks: list[tuple[float, float]]
    ) -> None:
        market = self.markets[symbol]
        market.bids = dict(bids)
        market.asks = dict(asks)

    def book(self, symbol: str, depth: int = 1000) -> tuple[list, list]:
        market = self.markets[symbol]
        bids = sorted(market.bids.items(), reverse=True)[:depth]
        asks = sorted(market.asks.items())[:depth]
        return bids, asks

    async def set_levels(
        self,
        symbol: str,
        bids: list[tuple[float, float]],
        asks: list[tuple[float, float]],
        update_id: int | None = None,
    ) -> None:
        """Change the book (qty 0 removes a level) and send the diff to subscribers.

        Resting orders the new book reaches fill against it; the liquidity they take is
        part of the same diff, so a client's book stays equal to the emulator's.
        `update_id`: the diff's final id (a recording's own `u`), else the next ones."""
        market = self.markets[symbol]
        for side, levels in ((market.bids, bids), (market.asks, asks)):
            for price, qty in levels:
                if qty > 0:
                    side[price] = qty
                else:
                    side.pop(price, None)
        taken_bids, taken_asks = await self._match_resting(symbol)
        diff_bids = dict(bids)
        diff_bids.update({p: market.bids.get(p, 0.0) for p in taken_bids})
        diff_asks = dict(asks)
        diff_asks.update({p: market.asks.get(p, 0.0) for p in taken_asks})
        previous = market.update_id
        if symbol in self._gap_next or self._chaos_gap():  # a lost diff: pu no longer matches
            self._gap_next.discard(symbol)
            previous += 7
            market.update_id += 7
        first = market.update_id + 1
        if update_id is not None and update_id >= first:
            market.update_id = update_id
        else:
            market.update_id += 3
        now = int(time.time() * 1000)
        await self._broadcast(
            f"{symbol.lower()}@depth",
            {
                "e": "depthUpdate",
                "E": now,
                "T": now,
                "s": symbol,
                "U": first,
                "u": market.update_id,
                "pu": previous,
                "b": market.depth_levels(diff_bids.items()),
                "a": market.depth_levels(diff_asks.items()),
            },
        )
        await self._check_stops(symbol)

    async def trade(self, symbol: str, price: float, qty: float, buyer_is_maker: bool) -> None:
        """A trade printed by someone else: moves the last price (stops watch it)."""
        now = int(time.time() * 1000)
        self._trade_ids += 1
        self.last_price[symbol] = price
        await self._broadcast(
            f"{symbol.lower()}@trade",
            {
                "e": "trade",
                "E": now,
                "T": now,
                "s": symbol,
                "t": self._trade_ids,
                "p": fmt(price),
                "q": fmt(qty),
                "X": "MARKET",
                "m": buyer_is_maker,
            },
        )
        await self._check_stops(symbol)

    def subscribed(self, stream: str) -> bool:
        return any(stream in streams for streams in self._subscriptions.values())

    def seed_recording(self, path: Path, symbol: str = "BTCUSDT") -> None:
        """Start from the recording's REST depth snapshot (1,000 levels a side)."""
        snapshot = first_snapshot(path)
        if snapshot is not None:
            self.seed_book(symbol, list(snapshot.bids), list(snapshot.asks))
            if snapshot.update_id is not None:  # the diffs played next carry theirs
                self.markets[symbol].update_id = snapshot.update_id

    def list_like(self, ids: list[str], template: str = "BTCUSDT") -> None:
        """List more symbols with `template`'s contract, so one recording can be served
        under many names (`play_recording_as`)."""
        spec = self.markets[template]
        for sid in ids:
            if sid not in self.markets:
                base = sid.removesuffix(spec.quote)
                self.markets[sid] = EmulatedMarket(
                    sid, base, spec.quote, spec.tick, spec.step, spec.min_qty
                )

    def seed_recording_as(self, path: Path, ids: list[str]) -> None:
        """List `ids` like BTCUSDT and start each from the recording's snapshot."""
        self.list_like(ids)
        snapshot = first_snapshot(path)
        for sid in ids if snapshot is not None else ():
            self.seed_book(sid, list(snapshot.bids), list(snapshot.asks))
            if snapshot.update_id is not None:
                self.markets[sid].update_id = snapshot.update_id

    async def play_recording_as(
        self, path: Path, ids: list[str], speed: float = 0.0, limit: int | None = None
    ) -> int:
        """The recording under every name in `ids` at once (after `seed_recording_as`):
        each recorded frame goes out once per name, so N names carry N times its
        message rate. A load generator: each frame is serialised once and only the
        symbol differs per name, and no resting order or stop is matched against these
        books (they are market data only). Returns the recorded frames played."""
        from scalp_tui.engine.protocol import BookUpdate

        played = 0
        async for event in paced(path, speed, limit):
            now = int(time.time() * 1000)
            if isinstance(event, BookUpdate):
                kind, template = "depth", self._depth_template(ids, event, now)
            else:
                kind = "trade"
                self._trade_ids += 1
                trade = {"e": "trade", "E": now, "T": now, "s": _NAME, "t": self._trade_ids}
                trade |= {"p": fmt(event.price), "q": fmt(event.qty), "X": "MARKET"}
                template = _frame(trade | {"m": event.taker_side.value == "sell"})
            for sid in ids:
                stream = f"{sid.lower()}@{kind}"
                text = template.replace(_NAME_JSON, json.dumps(sid))
                for ws, streams in list(self._subscriptions.items()):
                    if stream in streams:
                        await self._deliver(ws, text)
            await asyncio.sleep(0)
            played += 1
        return played

    def _depth_template(self, ids: list[str], event: Any, now: int) -> str:
        """Apply a recorded diff to every name's book; its frame, the name left out
        (the names were seeded alike, so their update ids move alike)."""
        for sid in ids:
            market = self.markets[sid]
            for side, levels in ((market.bids, event.bids), (market.asks, event.asks)):
                for price, qty in levels:
                    if qty > 0:
                        side[price] = qty
                    else:
                        side.pop(price, None)
            previous = market.update_id
            market.update_id = max(event.update_id or 0, previous + 1)
        diff = {"e": "depthUpdate", "E": now, "T": now, "s": _NAME, "U": previous + 1}
        diff |= {"u": market.update_id, "pu": previous}
        diff["b"] = market.depth_levels(event.bids)
        diff["a"] = market.depth_levels(event.asks)
        return _frame(diff)

    async def play_recording(
        self, path: Path, symbol: str = "BTCUSDT", speed: float = 0.0, limit: int | None = None
    ) -> int:
        """Send the recorded depth diffs and trades on as this exchange's own market
        (after `seed_recording`). `speed` 0 plays as fast as possible. Returns the
        number of frames played."""
        from scalp_tui.engine.protocol import BookUpdate

        played = 0
        async for event in paced(path, speed, limit):
            if isinstance(event, BookUpdate):
                await self.set_levels(
                    symbol, list(event.bids), list(event.asks), update_id=event.update_id
                )
            else:
                await self.trade(symbol, event.price, event.qty, event.taker_side.value == "sell")
            played += 1
        return played

    # -- stream faults -------------------------------------------------------------

    def gap_next(self, symbol: str) -> None:
        """The next depth diff of `symbol` skips ids (ccxt raises ChecksumError)."""
        self._gap_next.add(symbol)

    async def drop_connections(self) -> None:
        """Close every WebSocket (public and private); REST keeps answering."""
        for ws in list(self._sockets):
            await ws.close()

    # -- WebSocket -----------------------------------------------------------------

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.add(ws)
        if (
            "listenKey" in request.query
            or LISTEN_KEY in request.path
            or ("private" in request.path)
        ):
            self._user_sockets.add(ws)
        self._subscriptions[ws] = set()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                request_body = json.loads(msg.data)
                if request_body.get("method") == "SUBSCRIBE":
                    self.subscribe_count += 1
                    for stream in request_body.get("params", []):
                        # "btcusdt@depth@100ms" -> "btcusdt@depth"
                        self._subscriptions[ws].add("@".join(stream.split("@")[:2]))
                await ws.send_json({"result": None, "id": request_body.get("id")})
        finally:
            self._sockets.discard(ws)
            self._user_sockets.discard(ws)
            self._subscriptions.pop(ws, None)
        return ws

    async def _broadcast(self, stream: str, payload: dict) -> None:
        text = _frame(payload)
        for ws, streams in list(self._subscriptions.items()):
            if stream in streams:
                await self._deliver(ws, text)
        await asyncio.sleep(0)

    async def _push_user(self, payload: dict) -> None:
        """A user-data event (ORDER_TRADE_UPDATE, ALGO_UPDATE) to every private socket."""
        text = json.dumps(payload)
        for ws in list(self._user_sockets):
            await self._deliver(ws, text)
