"""A local Bybit v5 exchange (linear USDT perpetuals, one unified trading account) on
127.0.0.1 for the real ccxt.pro bybit client, on the venue-neutral core (emulator.core).

One port serves REST (`/v5/...`) and WebSocket (`/v5/public/linear`, `/v5/private`).
Point ccxt at it by replacing the origin of every URL in `urls["api"]` (REST:
`public`, `private`, ...; WebSocket: the nested `ws.public.linear` and
`ws.private.contract`) with `rest_url` / `ws_url`: see `point_client`.

The parts: bybit_wire (envelope, codes, records), bybit_market (instruments, book,
trades, public REST, book topics), bybit_trading (private REST), bybit_streams
(WebSocket sessions and private pushes), bybit_faults (faults in Bybit's wire form).
Quantities are contracts everywhere; a Bybit linear contract is one base unit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from emulator.bybit_faults import BybitFaults
from emulator.bybit_market import BybitMarket, instruments
from emulator.bybit_streams import BybitStreams
from emulator.bybit_trading import BybitTrading
from emulator.bybit_wire import order_record
from emulator.core import ExchangeCore
from emulator.funding import CoreFunding

__all__ = ["BybitEmulator", "point_client"]


class BybitEmulator(BybitFaults, CoreFunding, BybitStreams, BybitTrading, BybitMarket):
    """The whole venue: market, trading, streams and faults over one `ExchangeCore`."""

    venue = "bybit"

    def __init__(self, **core_options: Any) -> None:
        """`core_options` go to `ExchangeCore` (wallet, taker_fee, maker_fee, leverage)."""
        self.port = 0
        self._runner: web.AppRunner | None = None
        self.core = ExchangeCore(instruments(), **core_options)
        self._init_market()
        self._init_streams()
        self._init_bybit_faults()
        self._init_funding()

    async def start(self, port: int = 0) -> None:
        @web.middleware
        async def faults(
            request: web.Request, handler: Callable[[web.Request], Awaitable[Any]]
        ) -> Any:
            return await self._rest_faults(request, handler)

        app = web.Application(middlewares=[faults])
        get, post = app.router.add_get, app.router.add_post
        get("/v5/market/instruments-info", self._instruments_info)
        get("/v5/market/time", self._time)
        get("/v5/market/kline", self._kline)
        get("/v5/market/orderbook", self._orderbook_rest)
        get("/v5/market/tickers", self._tickers)
        get("/v5/user/query-api", self._query_api)
        get("/v5/account/info", self._account_info)
        get("/v5/asset/coin/query-info", self._coin_info)
        get("/v5/account/wallet-balance", self._wallet_balance)
        post("/v5/account/set-margin-mode", self._set_margin_mode)
        post("/v5/position/set-leverage", self._set_leverage)
        post("/v5/position/switch-isolated", self._switch_isolated)
        get("/v5/position/list", self._position_list)
        post("/v5/order/create", self._order_create)
        post("/v5/order/cancel", self._order_cancel)
        post("/v5/order/cancel-all", self._order_cancel_all)
        get("/v5/order/realtime", self._order_realtime)
        get("/v5/order/history", self._order_history)
        get("/v5/execution/list", self._executions)
        get("/v5/public/{category}", self._ws)
        get("/v5/private", self._ws)
        get("/__state", self._state_rest)
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
        """An origin: ccxt's Bybit WebSocket URLs keep their own paths."""
        return f"ws://127.0.0.1:{self.port}"

    # -- account views for tests ---------------------------------------------------

    def wallet(self) -> float:
        """The USDT wallet balance: every fee paid and every realised PnL settled."""
        return self.core.wallet

    def fills(self) -> list[Any]:
        """Every fill (`emulator.core.Fill`), oldest first, contracts and quote fees."""
        return list(self.core.fills)

    def state(self) -> dict[str, Any]:
        """Positions (contracts and base units), open orders and stops (Bybit records),
        fills and the wallet, as plain data."""
        positions = {}
        for sid, held in self.core.positions.items():
            size = self.core.instruments[sid].contract_size
            positions[sid] = {
                "contracts": held.contracts,
                "base": held.contracts * size,
                "entry": held.entry,
                "leverage": self.core.leverage[sid],
                "margin_mode": self.core.margin_mode[sid],
            }
        return {
            "venue": self.venue,
            "positions": positions,
            "orders": [order_record(self.core, o) for o in self.open_orders()],
            "stops": [order_record(self.core, s) for s in self.open_algo_orders()],
            "fills": [
                {
                    "order_id": f.order_id,
                    "client_id": f.client_id,
                    "symbol": f.symbol,
                    "side": f.side,
                    "price": f.price,
                    "contracts": f.contracts,
                    "fee": f.fee,
                    "realized_pnl": f.realized_pnl,
                    "liquidity": f.liquidity,
                    "time_ms": f.time_ms,
                }
                for f in self.core.fills
            ],
            "wallet": self.core.wallet,
            "unrealised": self.unrealised(),
            "report": self.report(),
        }

    async def _state_rest(self, request: web.Request) -> web.Response:
        return web.json_response(self.state())


def point_client(exchange: Any, emulator: BybitEmulator) -> Any:
    """Aim a ccxt(.pro) bybit client at the emulator: every REST URL and the nested
    WebSocket URLs get the emulator's origin (their paths stay as ccxt has them).
    Returns the client. What scalp_tui's make_exchange has to do for Bybit too."""
    from urllib.parse import urlsplit

    def aim(node: Any, origin: str) -> Any:
        if isinstance(node, dict):
            return {k: aim(v, origin) for k, v in node.items()}
        if isinstance(node, str) and "://" in node:
            parts = urlsplit(node)
            return origin + parts.path + (f"?{parts.query}" if parts.query else "")
        return node

    api = exchange.urls["api"]
    ws = api.get("ws", {})
    rest = {k: v for k, v in api.items() if k != "ws"}
    exchange.urls["api"] = {**aim(rest, emulator.rest_url), "ws": aim(ws, emulator.ws_url)}
    return exchange
