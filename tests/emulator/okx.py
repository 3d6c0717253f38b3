"""A local OKX v5 exchange (USDT swaps) on 127.0.0.1 for the real ccxt.pro okx client,
built on the venue-neutral core (core.py, core_faults.py).

Point ccxt at it with `urls["api"]["rest"] = rest_url` (ccxt adds /api/v5/<path>) and
`urls["api"]["ws"] = ws_url` (ccxt adds /public, /private, /business); scalp_tui's
`make_exchange("okx", rest_url=..., ws_url=..., password=...)` does exactly that.
One port serves REST and WebSocket. The parts:
- okx_market: instruments, candles, books, tickers, time; the `books` and `trades`
  channels (snapshot + seqId/prevSeqId updates with OKX's CRC32 checksum);
- okx_trading: orders (batch-orders, order), conditional stops (order-algo), cancels,
  lookups by ordId/clOrdId, positions (net mode, contracts), balance, leverage/margin;
- here: the private WebSocket (login, `orders`, `positions`, `account`, and
  `orders-algo` on /business), the fault middleware, and the test-facing API.

Test-facing API (the Binance emulator's names; quantities in contracts; symbols as
`BTC/USDT:USDT`, `BTC-USDT-SWAP` or `BTCUSDT`): `start(port=0)`, `stop()`, `rest_url`,
`ws_url`, `venue`, `contract_size`, `seed_book`, `book`, `set_levels`, `trade`,
`seed_recording`, `play_recording`, `net_position`, `open_orders`, `open_algo_orders`,
`wallet()`, `fills()`, `state()` (also `GET /__state`), the faults of core_faults plus
`bad_checksum_next(symbol)` and `drop_connections()`, `stats`, `report()`,
`algo_supported`. `reject_next` takes core reasons ("insufficient_margin",
"reduce_only_no_position"...) or (sCode, sMsg) tuples.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web
from emulator.core import ExchangeCore
from emulator.core_faults import CoreFaults
from emulator.funding import CoreFunding
from emulator.okx_market import OkxMarket
from emulator.okx_trading import OkxTrading
from emulator.okx_wire import inst_id, instruments, rate_limited

API = "/api/v5/"
# path after /api/v5/ -> request kind (Binance's names where they mean the same)
ROUTE_KINDS = {
    "trade/batch-orders": "order_create",
    "trade/order": "order_create",  # POST; GET is order_query (see request_kind)
    "trade/cancel-order": "order_cancel",
    "trade/cancel-batch-orders": "order_cancel",
    "trade/orders-pending": "open_orders",
    "trade/orders-history": "open_orders",
    "trade/fills": "fills",
    "trade/order-algo": "algo",
    "trade/cancel-algos": "algo",
    "trade/orders-algo-pending": "algo",
    "trade/orders-algo-history": "algo",
    "account/positions": "position_risk",
    "account/balance": "balance",
    "account/config": "account_config",
    "account/set-leverage": "leverage",
    "account/leverage-info": "leverage",
    "account/set-position-mode": "leverage",
    "public/instruments": "exchange_info",
    "public/time": "time",
    "asset/currencies": "currencies",
    "market/candles": "klines",
    "market/books": "depth",
    "market/tickers": "ticker",
    "market/ticker": "ticker",
}
KINDS = frozenset(ROUTE_KINDS.values()) | {"order_query"}


def request_kind(method: str, path: str) -> str:
    tail = path[len(API) :] if path.startswith(API) else ""
    if tail == "trade/order" and method == "GET":
        return "order_query"
    return ROUTE_KINDS.get(tail, "ws" if path.startswith("/ws") else "other")


class OkxEmulator(CoreFaults, CoreFunding, OkxTrading, OkxMarket):
    """The whole exchange: market data, trading, stops, the account and faults."""

    venue = "okx"

    def __init__(
        self, wallet: float = 10_000.0, taker_fee: float = 0.0004, maker_fee: float = 0.0001
    ) -> None:
        self.core = ExchangeCore(
            instruments(), wallet=wallet, taker_fee=taker_fee, maker_fee=maker_fee
        )
        self.port = 0
        self.algo_supported = True
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._subs: dict[web.WebSocketResponse, set[tuple[str, str]]] = {}
        self._logged_in: set[web.WebSocketResponse] = set()
        self.logins: list[dict] = []  # the login args received (tests check their shape)
        self._init_faults(KINDS)
        self._init_market()
        self._init_trading()
        self._init_funding()

    # -- lifecycle -----------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        @web.middleware
        async def faults(
            request: web.Request, handler: Callable[[web.Request], Awaitable[Any]]
        ) -> Any:
            return await self._rest_faults(request, handler)

        app = web.Application(middlewares=[faults])
        get, post = app.router.add_get, app.router.add_post
        for path, handler in {
            "public/instruments": self._instruments,
            "public/time": self._time,
            "asset/currencies": self._currencies,
            "market/candles": self._candles,
            "market/history-candles": self._candles,
            "market/books": self._books_rest,
            "market/tickers": self._tickers,
            "market/ticker": self._tickers,
            "trade/order": self._get_order,
            "trade/order-algo": self._get_algo,
            "trade/orders-pending": self._orders_pending,
            "trade/orders-history": self._orders_history,
            "trade/orders-algo-pending": self._algo_pending,
            "trade/orders-algo-history": self._algo_history,
            "trade/fills": self._fills_rest,
            "account/positions": self._positions,
            "account/balance": self._balance,
            "account/config": self._account_config,
            "account/leverage-info": self._leverage_info,
            "account/bills": self._okx_bills,
            "account/bills-archive": self._okx_bills,
        }.items():
            get(API + path, handler)
        for path, handler in {
            "trade/batch-orders": self._batch_orders,
            "trade/order": self._single_order,
            "trade/order-algo": self._algo_order,
            "trade/cancel-order": self._cancel_order,
            "trade/cancel-batch-orders": self._cancel_batch,
            "trade/cancel-algos": self._cancel_algos,
            "account/set-leverage": self._set_leverage,
            "account/set-position-mode": self._set_position_mode,
        }.items():
            post(API + path, handler)
        get("/__state", self._state_rest)
        get("/ws/v5/{access}", self._ws)
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
        return f"ws://127.0.0.1:{self.port}/ws/v5"

    # -- what tests compare --------------------------------------------------------

    def net_position(self, symbol: str) -> float:
        """Signed contracts held (short < 0); 0.0 when flat."""
        return self.core.position(inst_id(symbol)).contracts

    def open_orders(self, symbol: str | None = None) -> list[dict]:
        wanted = inst_id(symbol) if symbol else None
        return [_order_row(o) for o in self.core.open_orders(wanted)]

    def open_algo_orders(self, symbol: str | None = None) -> list[dict]:
        wanted = inst_id(symbol) if symbol else None
        return [_stop_row(s) for s in self.core.open_stops(wanted)]

    def wallet(self) -> float:
        return self.core.wallet

    def fills(self) -> list[dict]:
        return [vars(f).copy() for f in self.core.fills]

    def state(self) -> dict:
        positions = {
            s: {
                "contracts": p.contracts,
                "base": p.contracts * self.core.instruments[s].contract_size,
                "entry": p.entry,
            }
            for s, p in self.core.positions.items()
            if p.contracts
        }
        return {
            "venue": self.venue,
            "wallet": self.core.wallet,
            "positions": positions,
            "orders": [_order_row(o) for o in self.core.orders.values()],
            "algo_orders": [_stop_row(s) for s in self.core.stops.values()],
            "fills": self.fills(),
            "stats": self.report(),
        }

    async def _state_rest(self, request: web.Request) -> web.Response:
        return web.json_response(self.state())

    # -- faults --------------------------------------------------------------------

    async def _rest_faults(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[Any]]
    ) -> Any:
        kind = request_kind(request.method, request.path)
        if kind == "ws" or request.path == "/__state":
            return await handler(request)
        if kind == "algo" and not self.algo_supported:
            return web.json_response(
                {"code": "50038", "msg": "unavailable", "data": []}, status=404
            )
        if self._take_throttle(kind):
            return rate_limited()
        slow = self._take_slow()
        if slow:
            await asyncio.sleep(slow)
        if request.path.startswith(API + "trade/") or request.path.startswith(API + "account/"):
            headers = request.headers
            if not all(
                headers.get(h) for h in ("OK-ACCESS-KEY", "OK-ACCESS-SIGN", "OK-ACCESS-PASSPHRASE")
            ):
                return web.json_response(
                    {
                        "code": "50103",
                        "msg": "Request header OK-ACCESS-KEY can not be empty.",
                        "data": [],
                    },
                    status=401,
                )
        return await handler(request)

    def gap_next(self, symbol: str) -> None:
        """The next `books` update of `symbol` skips seqIds (ccxt raises InvalidNonce)."""
        super().gap_next(inst_id(symbol))

    async def drop_connections(self) -> None:
        """Close every WebSocket (public and private); REST keeps answering."""
        for ws in list(self._sockets):
            await ws.close()

    # -- WebSocket -----------------------------------------------------------------

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        access = request.match_info["access"]  # public, private, business
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.add(ws)
        self._subs[ws] = set()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                if msg.data == "ping":
                    await self._send(ws, "pong", chaos=False)
                    continue
                await self._on_ws_request(ws, access, json.loads(msg.data))
        finally:
            self._sockets.discard(ws)
            self._subs.pop(ws, None)
            self._logged_in.discard(ws)
        return ws

    async def _on_ws_request(self, ws: web.WebSocketResponse, access: str, req: dict) -> None:
        op, args = req.get("op"), req.get("args") or []
        if op == "login":
            arg = args[0] if args else {}
            self.logins.append(arg)
            if all(arg.get(k) for k in ("apiKey", "passphrase", "timestamp", "sign")):
                self._logged_in.add(ws)
                await self._send_json(
                    ws, {"event": "login", "code": "0", "msg": "", "connId": "emu"}
                )
            else:
                await self._send_json(
                    ws, {"event": "error", "code": "60009", "msg": "Login failed."}
                )
            return
        if op not in ("subscribe", "unsubscribe"):
            await self._send_json(
                ws,
                {"event": "error", "code": "60012", "msg": f"Illegal request: {json.dumps(req)}"},
            )
            return
        for arg in args:
            channel = arg.get("channel", "")
            private = channel in ("orders", "positions", "account", "orders-algo")
            if private and ws not in self._logged_in:
                await self._send_json(
                    ws, {"event": "error", "code": "60011", "msg": "Please log in"}
                )
                continue
            key = (channel, arg.get("instId") or arg.get("instType") or arg.get("ccy") or "")
            if op == "unsubscribe":
                self._subs[ws].discard(key)
                await self._send_json(ws, {"event": "unsubscribe", "arg": arg, "connId": "emu"})
                continue
            if channel in ("books", "trades") and key[1] not in self.core.instruments:
                msg = f"Wrong URL or channel:{channel},instId:{key[1]} doesn't exist."
                await self._send_json(ws, {"event": "error", "code": "60018", "msg": msg})
                continue
            if channel not in ("books", "trades") and not private:
                await self._send_json(
                    ws,
                    {"event": "error", "code": "60018", "msg": f"channel {channel} doesn't exist"},
                )
                continue
            self.subscribe_count += 1
            self._subs[ws].add(key)
            await self._send_json(ws, {"event": "subscribe", "arg": arg, "connId": "emu"})
            if channel == "books":
                await self._send_json(ws, self._snapshot(key[1]))

    async def _send_json(self, ws: web.WebSocketResponse, frame: dict) -> None:
        await self._send(ws, json.dumps(frame), chaos=False)

    async def _send(self, ws: web.WebSocketResponse, text: str, chaos: bool = True) -> None:
        """Send a frame, or (chaos) drop the connection instead: the frame is lost."""
        if ws.closed:
            return
        if chaos and self._chaos_drop_ws():
            await ws.close()
            return
        with contextlib.suppress(ConnectionError):
            await ws.send_str(text)

    async def _push_private(self, channel: str, symbol: str, rows: list[dict]) -> None:
        """A private frame to every socket subscribed to `channel` for this instrument
        (by instId, or by instType SWAP, or to the whole channel)."""
        frame = {
            "arg": {"channel": channel, "instType": "SWAP", "uid": "44705892343619584"},
            "data": rows,
        }
        text = json.dumps(frame)
        for ws, subs in list(self._subs.items()):
            if any(
                key in subs
                for key in ((channel, symbol), (channel, "SWAP"), (channel, "ANY"), (channel, ""))
            ):
                await self._send(ws, text)

    async def _flush(self) -> None:
        """Push what the core changed: orders, stops, then positions and the balance."""
        self.stats.orders_filled = self.core.orders_filled
        self.stats.partial_fills = self.core.partial_fills
        self.stats.stops_triggered = self.core.stops_triggered
        moved: list[str] = []
        for kind, item in self.core.take_events():
            if kind == "order":
                await self._push_private("orders", item.symbol, [self._order_json(item)])
            elif kind == "stop":
                await self._push_private("orders-algo", item.symbol, [self._algo_json(item)])
            elif item not in moved:
                moved.append(item)
        for symbol in moved:
            rows = self._position_rows(symbol)
            if not rows:  # flat: OKX pushes the row with pos "0"
                rows = [
                    {
                        "instType": "SWAP",
                        "instId": symbol,
                        "posSide": "net",
                        "pos": "0",
                        "mgnMode": self.core.margin_mode[symbol],
                        "avgPx": "",
                        "uTime": str(self.core.fills[-1].time_ms if self.core.fills else 0),
                    }
                ]
            await self._push_private("positions", symbol, rows)
        if moved:
            await self._push_private("account", "", [self._balance_json()])


def _order_row(order: Any) -> dict:
    return {
        "id": str(order.id),
        "client_id": order.client_id,
        "symbol": order.symbol,
        "side": order.side,
        "type": order.kind,
        "qty": order.qty,
        "price": order.price,
        "filled": order.filled,
        "average": order.average,
        "fee": order.fee,
        "reduce_only": order.reduce_only,
        "status": order.status,
    }


def _stop_row(stop: Any) -> dict:
    return {
        "id": str(stop.id),
        "client_id": stop.client_id,
        "symbol": stop.symbol,
        "side": stop.side,
        "type": "conditional",
        "qty": stop.qty,
        "trigger": stop.trigger,
        "reduce_only": stop.reduce_only,
        "status": stop.status,
        "order_id": str(stop.order_id or ""),
    }
