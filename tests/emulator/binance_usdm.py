"""A local Binance USD-M exchange on 127.0.0.1 for the real ccxt.pro client.

Market data so far: exchangeInfo, the REST depth snapshot, diff-depth (U/u/pu)
and trade streams over WebSocket with SUBSCRIBE/ack, plus fault injection
(sequence gaps, dropped connections). The book is the emulator's own; tests
change it with `set_levels` and read it back with `book`.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

FAPI_HOSTS = ("https://fapi.binance.com",)


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


MARKETS = {
    "BTCUSDT": ("BTC", "USDT", "0.10", "0.001", "0.001"),
    "ETHUSDT": ("ETH", "USDT", "0.01", "0.001", "0.001"),
    "SOLUSDT": ("SOL", "USDT", "0.0100", "1", "1"),
}


def _fmt(value: float) -> str:
    return f"{value:.8f}".rstrip("0").rstrip(".")


class BinanceUsdmEmulator:
    def __init__(self) -> None:
        self.markets = {sid: EmulatedMarket(sid, *spec) for sid, spec in MARKETS.items()}
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._subscriptions: dict[web.WebSocketResponse, set[str]] = {}
        self._gap_next: set[str] = set()
        self.snapshots_served = 0
        self.subscribe_count = 0

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/fapi/v1/exchangeInfo", self._exchange_info)
        app.router.add_get("/fapi/v1/depth", self._depth)
        app.router.add_get("/fapi/v1/time", self._time)
        app.router.add_get("/fapi/v1/klines", self._klines)
        app.router.add_get("/ws", self._ws)
        app.router.add_get("/ws/{tail:.*}", self._ws)
        app.router.add_get("/{kind}/ws/{tail:.*}", self._ws)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        await self.drop_connections()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

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
        self, symbol: str, bids: list[tuple[float, float]], asks: list[tuple[float, float]]
    ) -> None:
        """Change the book (qty 0 removes a level) and send the diff to subscribers."""
        market = self.markets[symbol]
        for side, levels in ((market.bids, bids), (market.asks, asks)):
            for price, qty in levels:
                if qty > 0:
                    side[price] = qty
                else:
                    side.pop(price, None)
        previous = market.update_id
        if symbol in self._gap_next:  # a lost diff: pu no longer matches
            self._gap_next.discard(symbol)
            previous += 7
            market.update_id += 7
        first = market.update_id + 1
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
                "b": [[_fmt(p), _fmt(q)] for p, q in bids],
                "a": [[_fmt(p), _fmt(q)] for p, q in asks],
            },
        )

    async def trade(self, symbol: str, price: float, qty: float, buyer_is_maker: bool) -> None:
        now = int(time.time() * 1000)
        await self._broadcast(
            f"{symbol.lower()}@trade",
            {
                "e": "trade",
                "E": now,
                "T": now,
                "s": symbol,
                "t": now,
                "p": _fmt(price),
                "q": _fmt(qty),
                "X": "MARKET",
                "m": buyer_is_maker,
            },
        )

    def subscribed(self, stream: str) -> bool:
        return any(stream in streams for streams in self._subscriptions.values())

    # -- faults --------------------------------------------------------------------

    def gap_next(self, symbol: str) -> None:
        self._gap_next.add(symbol)

    async def drop_connections(self) -> None:
        for ws in list(self._sockets):
            await ws.close()

    # -- handlers ------------------------------------------------------------------

    async def _time(self, request: web.Request) -> web.Response:
        return web.json_response({"serverTime": int(time.time() * 1000)})

    async def _klines(self, request: web.Request) -> web.Response:
        """Flat history with volume 5000 a candle, the last one still forming."""
        limit = int(request.query.get("limit", "500"))
        step = {"1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000}.get(
            request.query.get("interval", "5m"), 300_000
        )
        now = int(time.time() * 1000)
        bids, asks = self.book(request.query.get("symbol", "BTCUSDT"), 1)
        mid = (bids[0][0] + asks[0][0]) / 2 if bids and asks else 100.0
        start = now - now % step - (limit - 1) * step
        rows = [
            [
                t,
                _fmt(mid),
                _fmt(mid),
                _fmt(mid),
                _fmt(mid),
                "5000",
                t + step - 1,
                "0",
                1,
                "0",
                "0",
                "0",
            ]
            for t in range(start, now + 1, step)
        ]
        return web.json_response(rows)

    async def _exchange_info(self, request: web.Request) -> web.Response:
        symbols = [
            {
                "symbol": m.symbol,
                "pair": m.symbol,
                "contractType": "PERPETUAL",
                "deliveryDate": 4133404800000,
                "onboardDate": 1569398400000,
                "status": "TRADING",
                "baseAsset": m.base,
                "quoteAsset": m.quote,
                "marginAsset": m.quote,
                "pricePrecision": 2,
                "quantityPrecision": 3,
                "baseAssetPrecision": 8,
                "quotePrecision": 8,
                "underlyingType": "COIN",
                "triggerProtect": "0.0500",
                "liquidationFee": "0.012500",
                "marketTakeBound": "0.05",
                "filters": [
                    {
                        "filterType": "PRICE_FILTER",
                        "minPrice": "0.01",
                        "maxPrice": "1000000",
                        "tickSize": m.tick,
                    },
                    {
                        "filterType": "LOT_SIZE",
                        "stepSize": m.step,
                        "maxQty": "1000000",
                        "minQty": m.min_qty,
                    },
                    {
                        "filterType": "MARKET_LOT_SIZE",
                        "stepSize": m.step,
                        "maxQty": "1000000",
                        "minQty": m.min_qty,
                    },
                    {"filterType": "MIN_NOTIONAL", "notional": "5"},
                ],
                "orderTypes": ["LIMIT", "MARKET"],
                "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
            }
            for m in self.markets.values()
        ]
        return web.json_response(
            {
                "timezone": "UTC",
                "serverTime": int(time.time() * 1000),
                "rateLimits": [],
                "exchangeFilters": [],
                "assets": [],
                "symbols": symbols,
            }
        )

    async def _depth(self, request: web.Request) -> web.Response:
        symbol = request.query.get("symbol", "")
        if symbol not in self.markets:
            return web.json_response({"code": -1121, "msg": "Invalid symbol."}, status=400)
        limit = int(request.query.get("limit", "1000"))
        bids, asks = self.book(symbol, limit)
        self.snapshots_served += 1
        now = int(time.time() * 1000)
        return web.json_response(
            {
                "lastUpdateId": self.markets[symbol].update_id,
                "E": now,
                "T": now,
                "bids": [[_fmt(p), _fmt(q)] for p, q in bids],
                "asks": [[_fmt(p), _fmt(q)] for p, q in asks],
            }
        )

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.add(ws)
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
            self._subscriptions.pop(ws, None)
        return ws

    async def _broadcast(self, stream: str, payload: dict) -> None:
        text = json.dumps(payload)
        for ws, streams in list(self._subscriptions.items()):
            if stream in streams and not ws.closed:
                await ws.send_str(text)
        await asyncio.sleep(0)
