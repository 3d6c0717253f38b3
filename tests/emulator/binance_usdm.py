"""A local Binance USD-M exchange on 127.0.0.1 for the real ccxt.pro client.

Market data: exchangeInfo, the REST depth snapshot, klines, diff-depth (U/u/pu)
and trade streams over WebSocket with SUBSCRIBE/ack. Trading: orders matched
against the emulator's own book (market orders take liquidity level by level;
limits take what crosses and rest), cancel and cancel-all, reduce-only checks,
positionRisk, leverage and margin type, listenKey with ORDER_TRADE_UPDATE pushes.
Faults: sequence gaps, dropped connections, rejected orders, partial fills,
429 bursts and slow responses. Tests change the book with `set_levels`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import WSMsgType, web

LISTEN_KEY = "emulator-listen-key"


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
    "BNBUSDT": ("BNB", "USDT", "0.010", "0.01", "0.01"),
    "PEPEUSDT": ("PEPE", "USDT", "0.0000001", "1", "1"),
    "DOGEUSDT": ("DOGE", "USDT", "0.00001", "1", "1"),
}


def _fmt(value: float) -> str:
    return f"{value:.8f}".rstrip("0").rstrip(".")


class _MarketEmulator:
    def __init__(self) -> None:
        self.markets = {sid: EmulatedMarket(sid, *spec) for sid, spec in MARKETS.items()}
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._subscriptions: dict[web.WebSocketResponse, set[str]] = {}
        self._gap_next: set[str] = set()
        self.snapshots_served = 0
        self.subscribe_count = 0
        self.quote_volume: dict[str, float] = {}  # 24 h quote volume per exchange id
        # trading state
        self.orders: dict[int, dict] = {}
        self.client_ids: dict[str, int] = {}
        self.positions: dict[str, tuple[float, float]] = {}  # symbol -> (signed qty, entry)
        self.margin_type: dict[str, str] = {}
        self.leverage: dict[str, int] = {}
        self.order_requests = 0
        self._next_order_id = 100
        self._user_sockets: set[web.WebSocketResponse] = set()
        # faults
        self.reject_next: list[tuple[int, str]] = []  # (code, msg) for the next orders
        self.partial_next: list[float] = []  # fraction filled of the next orders
        self.rate_limit_next = 0  # answer this many order requests with HTTP 429
        self.delay_s = 0.0  # added to every order request
        # the next orders are matched, then neither answered nor pushed for this long:
        # the exchange did it, the client never heard (a crash window)
        self.silence_next = 0
        self.silence_s = 5.0
        self.on_order_request: Callable[[], None] | None = None  # timing hook (benchmarks)

    # -- lifecycle ---------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_get("/fapi/v1/exchangeInfo", self._exchange_info)
        app.router.add_get("/fapi/v1/depth", self._depth)
        app.router.add_get("/fapi/v1/time", self._time)
        app.router.add_get("/fapi/v1/klines", self._klines)
        app.router.add_get("/fapi/v1/ticker/24hr", self._ticker_24hr)
        app.router.add_get("/fapi/v1/ticker/bookTicker", self._book_ticker)
        app.router.add_get("/ws", self._ws)
        app.router.add_get("/ws/{tail:.*}", self._ws)
        app.router.add_get("/{kind}/ws/{tail:.*}", self._ws)
        app.router.add_get("/{kind}/ws", self._ws)
        app.router.add_post("/fapi/v1/order", self._new_order)
        app.router.add_delete("/fapi/v1/order", self._cancel_order)
        app.router.add_get("/fapi/v1/order", self._query_order)
        app.router.add_delete("/fapi/v1/allOpenOrders", self._cancel_all)
        app.router.add_get("/fapi/v1/openOrders", self._open_orders)
        app.router.add_get("/fapi/v2/positionRisk", self._position_risk)
        app.router.add_get("/fapi/v3/positionRisk", self._position_risk)
        app.router.add_post("/fapi/v1/leverage", self._set_leverage)
        app.router.add_post("/fapi/v1/marginType", self._set_margin_type)
        app.router.add_get("/fapi/v1/leverageBracket", self._leverage_bracket)
        app.router.add_post("/fapi/v1/listenKey", self._listen_key)
        app.router.add_put("/fapi/v1/listenKey", self._listen_key)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
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
        await self._match_resting(symbol)
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

    def seed_recording(self, path: Path, symbol: str = "BTCUSDT") -> None:
        """Start from the recording's REST depth snapshot (1,000 levels a side)."""
        from scalp_tui.engine.protocol import BookUpdate
        from scalp_tui.market.recording import read_recording

        for event in read_recording(path):
            if isinstance(event, BookUpdate) and event.snapshot:
                self.seed_book(symbol, list(event.bids), list(event.asks))
                return

    async def play_recording(
        self, path: Path, symbol: str = "BTCUSDT", speed: float = 0.0, limit: int | None = None
    ) -> int:
        """Send the recorded depth diffs and trades on as this exchange's own market
        (after `seed_recording`). `speed` 0 plays as fast as possible. Returns the
        number of frames played."""
        from scalp_tui.engine.protocol import BookUpdate
        from scalp_tui.market.recording import read_recording

        played = 0
        first_ts: int | None = None
        start = time.perf_counter()
        for event in read_recording(path):
            if limit is not None and played >= limit:
                break
            if isinstance(event, BookUpdate) and event.snapshot:
                continue
            if first_ts is None:
                first_ts = event.ts_ms
            if speed > 0:
                delay = start + (event.ts_ms - first_ts) / 1000 / speed - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            if isinstance(event, BookUpdate):
                await self.set_levels(symbol, list(event.bids), list(event.asks))
            else:
                await self.trade(symbol, event.price, event.qty, event.taker_side.value == "sell")
            played += 1
        return played

    # -- faults --------------------------------------------------------------------

    def gap_next(self, symbol: str) -> None:
        self._gap_next.add(symbol)

    async def drop_connections(self) -> None:
        for ws in list(self._sockets):
            await ws.close()

    # -- handlers ------------------------------------------------------------------

    async def _time(self, request: web.Request) -> web.Response:
        return web.json_response({"serverTime": int(time.time() * 1000)})

    async def _ticker_24hr(self, request: web.Request) -> web.Response:
        now = int(time.time() * 1000)
        rows = []
        for m in self.markets.values():
            bids, _ = self.book(m.symbol, 1)
            last = bids[0][0] if bids else 0.0
            rows.append(
                {
                    "symbol": m.symbol,
                    "priceChange": "0",
                    "priceChangePercent": "0",
                    "weightedAvgPrice": _fmt(last),
                    "lastPrice": _fmt(last),
                    "lastQty": "1",
                    "openPrice": _fmt(last),
                    "highPrice": _fmt(last),
                    "lowPrice": _fmt(last),
                    "volume": "1000",
                    "quoteVolume": _fmt(self.quote_volume.get(m.symbol, 0.0)),
                    "openTime": now - 86_400_000,
                    "closeTime": now,
                    "firstId": 1,
                    "lastId": 2,
                    "count": 2,
                }
            )
        return web.json_response(rows)

    async def _book_ticker(self, request: web.Request) -> web.Response:
        rows = []
        for m in self.markets.values():
            bids, asks = self.book(m.symbol, 1)
            if bids and asks:
                rows.append(
                    {
                        "symbol": m.symbol,
                        "bidPrice": _fmt(bids[0][0]),
                        "bidQty": _fmt(bids[0][1]),
                        "askPrice": _fmt(asks[0][0]),
                        "askQty": _fmt(asks[0][1]),
                        "time": int(time.time() * 1000),
                    }
                )
        return web.json_response(rows)

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
        text = json.dumps(payload)
        for ws, streams in list(self._subscriptions.items()):
            if stream in streams:
                await _send(ws, text)
        await asyncio.sleep(0)


# ---------------------------------------------------------------------- trading


async def _send(ws: web.WebSocketResponse, text: str) -> None:
    """A client that vanished (killed, say) costs the exchange nothing."""
    if ws.closed:
        return
    with contextlib.suppress(ConnectionError):
        await ws.send_str(text)


def _error(code: int, msg: str, status: int = 400) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status)


async def _params(request: web.Request) -> dict[str, str]:
    params = dict(request.query)
    if request.can_read_body:
        params.update({k: str(v) for k, v in (await request.post()).items()})
    return params


def _order_json(order: dict) -> dict:
    avg = order["cum_quote"] / order["executed"] if order["executed"] else 0.0
    return {
        "orderId": order["id"],
        "symbol": order["symbol"],
        "status": order["status"],
        "clientOrderId": order["client_id"],
        "price": _fmt(order["price"]),
        "avgPrice": _fmt(avg),
        "origQty": _fmt(order["qty"]),
        "executedQty": _fmt(order["executed"]),
        "cumQuote": _fmt(order["cum_quote"]),
        "timeInForce": "GTC",
        "type": order["type"],
        "reduceOnly": order["reduce_only"],
        "closePosition": False,
        "side": order["side"],
        "positionSide": "BOTH",
        "stopPrice": "0",
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "origType": order["type"],
        "updateTime": order["time"],
    }


class _Trading:
    """Order matching and account state; `BinanceUsdmEmulator` below combines both."""

    async def _new_order(self, request: web.Request) -> web.Response:
        if self.on_order_request is not None:
            self.on_order_request()
        self.order_requests += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            return _error(
                -1003, "Too many requests; current limit is 2400 requests per minute.", 429
            )
        p = await _params(request)
        if self.reject_next:
            code, msg = self.reject_next.pop(0)
            return _error(code, msg)
        symbol = p.get("symbol", "")
        if symbol not in self.markets:
            return _error(-1121, "Invalid symbol.")
        client_id = p.get("newClientOrderId") or f"emu{self._next_order_id}"
        if client_id in self.client_ids:
            return _error(-4015, "Client order id is not valid.")
        side, kind = p.get("side", ""), p.get("type", "")
        qty = float(p.get("quantity", "0"))
        reduce_only = p.get("reduceOnly", "false").lower() == "true"
        held, _ = self.positions.get(symbol, (0.0, 0.0))
        if reduce_only:
            reducible = -held if side == "BUY" else held
            if reducible <= 0:
                return _error(-2022, "ReduceOnly Order is rejected.")
            qty = min(qty, reducible)
        self._next_order_id += 1
        order = {
            "id": self._next_order_id,
            "client_id": client_id,
            "symbol": symbol,
            "side": side,
            "type": kind,
            "qty": qty,
            "price": float(p.get("price", "0") or 0),
            "executed": 0.0,
            "cum_quote": 0.0,
            "status": "NEW",
            "reduce_only": reduce_only,
            "time": int(time.time() * 1000),
        }
        self.orders[order["id"]] = order
        self.client_ids[client_id] = order["id"]
        fraction = self.partial_next.pop(0) if self.partial_next else 1.0
        self._match(order, limit=order["price"] if kind == "LIMIT" else None, cap=qty * fraction)
        if kind == "MARKET" and order["status"] != "FILLED":
            order["status"] = "EXPIRED"  # the unfilled rest of a market order
        if self.silence_next > 0:
            self.silence_next -= 1
            await asyncio.sleep(self.silence_s)
            return _error(-1007, "Timeout waiting for response from backend server.", 503)
        await self._push_order(order)
        return web.json_response(_order_json(order))

    def _match(self, order: dict, limit: float | None, cap: float) -> None:
        market = self.markets[order["symbol"]]
        book = market.asks if order["side"] == "BUY" else market.bids
        prices = sorted(book, reverse=order["side"] == "SELL")
        remaining = cap - order["executed"]
        for price in prices:
            if remaining <= 1e-12:
                break
            if limit is not None and (
                (order["side"] == "BUY" and price > limit)
                or (order["side"] == "SELL" and price < limit)
            ):
                break
            take = min(book[price], remaining)
            book[price] -= take
            if book[price] <= 1e-12:
                del book[price]
            remaining -= take
            self._fill(order, price, take)
        if order["executed"] >= order["qty"] - 1e-12:
            order["status"] = "FILLED"
        elif order["executed"] > 0:
            order["status"] = "PARTIALLY_FILLED"

    async def _match_resting(self, symbol: str) -> None:
        """Resting limits fill at their price once the opposite best reaches them."""
        market = self.markets[symbol]
        for order in list(self.orders.values()):
            if order["symbol"] != symbol or order["status"] not in ("NEW", "PARTIALLY_FILLED"):
                continue
            if order["type"] != "LIMIT":
                continue
            opposite = market.bids if order["side"] == "SELL" else market.asks
            if not opposite:
                continue
            best = max(opposite) if order["side"] == "SELL" else min(opposite)
            crosses = best >= order["price"] if order["side"] == "SELL" else best <= order["price"]
            if crosses:
                self._fill(order, order["price"], order["qty"] - order["executed"])
                order["status"] = "FILLED"
                await self._push_order(order)

    def _fill(self, order: dict, price: float, qty: float) -> None:
        order["executed"] += qty
        order["cum_quote"] += price * qty
        held, entry = self.positions.get(order["symbol"], (0.0, 0.0))
        signed = qty if order["side"] == "BUY" else -qty
        new = held + signed
        if held == 0 or (held > 0) == (signed > 0):
            entry = (abs(held) * entry + qty * price) / abs(new) if new else 0.0
        elif abs(new) < 1e-12:
            new, entry = 0.0, 0.0
        self.positions[order["symbol"]] = (new, entry)
        order["last"] = (price, qty)

    async def _push_order(self, order: dict) -> None:
        last_price, last_qty = order.pop("last", (0.0, 0.0))
        avg = order["cum_quote"] / order["executed"] if order["executed"] else 0.0
        now = int(time.time() * 1000)
        payload = {
            "e": "ORDER_TRADE_UPDATE",
            "E": now,
            "T": now,
            "o": {
                "s": order["symbol"],
                "c": order["client_id"],
                "S": order["side"],
                "o": order["type"],
                "f": "GTC",
                "q": _fmt(order["qty"]),
                "p": _fmt(order["price"]),
                "ap": _fmt(avg),
                "sp": "0",
                "x": "TRADE"
                if last_qty
                else ("CANCELED" if order["status"] == "CANCELED" else "NEW"),
                "X": order["status"],
                "i": order["id"],
                "l": _fmt(last_qty),
                "z": _fmt(order["executed"]),
                "L": _fmt(last_price),
                "N": "USDT",
                "n": _fmt(last_price * last_qty * 0.0005),
                "T": now,
                "t": now,
                "b": "0",
                "a": "0",
                "m": False,
                "R": order["reduce_only"],
                "wt": "CONTRACT_PRICE",
                "ot": order["type"],
                "ps": "BOTH",
                "cp": False,
                "rp": "0",
            },
        }
        text = json.dumps(payload)
        for ws in list(self._user_sockets):
            await _send(ws, text)

    def _find(self, p: dict[str, str]) -> dict | None:
        if "orderId" in p:
            return self.orders.get(int(p["orderId"]))
        order_id = self.client_ids.get(p.get("origClientOrderId", ""))
        return self.orders.get(order_id) if order_id else None

    async def _cancel_order(self, request: web.Request) -> web.Response:
        order = self._find(await _params(request))
        if order is None:
            return _error(-2011, "Unknown order sent.")
        if order["status"] not in ("NEW", "PARTIALLY_FILLED"):
            return _error(-2011, "Unknown order sent.")
        order["status"] = "CANCELED"
        await self._push_order(order)
        return web.json_response(_order_json(order))

    async def _query_order(self, request: web.Request) -> web.Response:
        order = self._find(await _params(request))
        if order is None:
            return _error(-2013, "Order does not exist.")
        return web.json_response(_order_json(order))

    async def _cancel_all(self, request: web.Request) -> web.Response:
        symbol = (await _params(request)).get("symbol")
        for order in self.orders.values():
            if order["symbol"] == symbol and order["status"] in ("NEW", "PARTIALLY_FILLED"):
                order["status"] = "CANCELED"
                await self._push_order(order)
        return web.json_response(
            {"code": 200, "msg": "The operation of cancel all open order is done."}
        )

    async def _open_orders(self, request: web.Request) -> web.Response:
        symbol = (await _params(request)).get("symbol")
        return web.json_response(
            [
                _order_json(o)
                for o in self.orders.values()
                if o["status"] in ("NEW", "PARTIALLY_FILLED")
                and (symbol is None or o["symbol"] == symbol)
            ]
        )

    async def _position_risk(self, request: web.Request) -> web.Response:
        rows = []
        for symbol, (qty, entry) in self.positions.items():
            if abs(qty) < 1e-12:
                continue  # Binance omits flat rows here too
            rows.append(
                {
                    "symbol": symbol,
                    "positionAmt": _fmt(qty),
                    "entryPrice": _fmt(entry),
                    "breakEvenPrice": _fmt(entry),
                    "markPrice": _fmt(entry),
                    "unRealizedProfit": "0",
                    "liquidationPrice": "0",
                    "isolatedMargin": _fmt(abs(qty) * entry / self.leverage.get(symbol, 3)),
                    "notional": _fmt(qty * entry),
                    "marginAsset": "USDT",
                    "isolatedWallet": "0",
                    "initialMargin": "0",
                    "maintMargin": "0",
                    "positionInitialMargin": "0",
                    "openOrderInitialMargin": "0",
                    "adl": 0,
                    "bidNotional": "0",
                    "askNotional": "0",
                    "positionSide": "BOTH",
                    "updateTime": int(time.time() * 1000),
                }
            )
        return web.json_response(rows)

    async def _set_leverage(self, request: web.Request) -> web.Response:
        p = await _params(request)
        self.leverage[p["symbol"]] = int(p["leverage"])
        return web.json_response(
            {"leverage": int(p["leverage"]), "maxNotionalValue": "1000000", "symbol": p["symbol"]}
        )

    async def _set_margin_type(self, request: web.Request) -> web.Response:
        p = await _params(request)
        wanted = p.get("marginType", "").lower()
        if self.margin_type.get(p["symbol"]) == wanted:
            return _error(-4046, "No need to change margin type.")
        self.margin_type[p["symbol"]] = wanted
        return web.json_response({"code": 200, "msg": "success"})

    async def _leverage_bracket(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "symbol": sid,
                    "brackets": [
                        {
                            "bracket": 1,
                            "initialLeverage": 125,
                            "notionalCap": 1000000,
                            "notionalFloor": 0,
                            "maintMarginRatio": 0.004,
                            "cum": 0,
                        }
                    ],
                }
                for sid in self.markets
            ]
        )

    async def _listen_key(self, request: web.Request) -> web.Response:
        return web.json_response({"listenKey": LISTEN_KEY})


class BinanceUsdmEmulator(_Trading, _MarketEmulator):
    """The whole exchange: market data and trading on one port."""
