"""A local Binance USD-M exchange on 127.0.0.1 for the real ccxt.pro client.

One port serves REST and WebSocket. The parts live in their own modules:
- market_data: the book, diff-depth (U/u/pu) and trade streams with SUBSCRIBE/ack,
  recordings; tests change the book with `set_levels` and print trades with `trade`;
- market_rest: exchangeInfo, the depth snapshot, klines, tickers, server time;
- trading: orders matched against the book, resting limits (partial fills rest on),
  cancels, reduce-only, positionRisk, leverage, margin type, listenKey and
  ORDER_TRADE_UPDATE pushes; `net_position`, `open_orders`;
- algo: conditional (stop / take-profit) orders on the algo endpoints, their triggers
  and ALGO_UPDATE pushes; `open_algo_orders`, `algo_supported`, `stop_trigger`;
- faults: 429s per request kind and in storms, landing delays, lost answers,
  rejections, partial fills, dropped sockets, gaps, seeded chaos, and the counters
  (`stats`, `report()`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from emulator.algo import AlgoOrders
from emulator.faults import Faults
from emulator.funding import BinanceFunding
from emulator.market_data import LISTEN_KEY, MARKETS, EmulatedMarket, MarketData
from emulator.market_rest import MarketRest
from emulator.trading import Trading

__all__ = ["LISTEN_KEY", "MARKETS", "BinanceUsdmEmulator", "EmulatedMarket"]


class BinanceUsdmEmulator(Faults, AlgoOrders, BinanceFunding, Trading, MarketRest, MarketData):
    """The whole exchange: market data, trading, conditional orders and faults."""

    def __init__(self) -> None:
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._init_market_data()
        self._init_trading()
        self._init_algo()
        self._init_faults()
        self._init_funding()

    async def start(self, port: int = 0) -> None:
        @web.middleware
        async def faults(
            request: web.Request, handler: Callable[[web.Request], Awaitable[Any]]
        ) -> Any:
            return await self._rest_faults(request, handler)

        app = web.Application(middlewares=[faults])
        add_get, add_post, add_delete = (
            app.router.add_get,
            app.router.add_post,
            app.router.add_delete,
        )
        add_get("/fapi/v1/exchangeInfo", self._exchange_info)
        add_get("/fapi/v1/depth", self._depth)
        add_get("/fapi/v1/time", self._time)
        add_get("/fapi/v1/klines", self._klines)
        add_get("/fapi/v1/ticker/24hr", self._ticker_24hr)
        add_get("/fapi/v1/ticker/bookTicker", self._book_ticker)
        add_get("/ws", self._ws)
        add_get("/ws/{tail:.*}", self._ws)
        add_get("/{kind}/ws/{tail:.*}", self._ws)
        add_get("/{kind}/ws", self._ws)
        add_post("/fapi/v1/order", self._new_order)
        add_delete("/fapi/v1/order", self._cancel_order)
        add_get("/fapi/v1/order", self._query_order)
        add_delete("/fapi/v1/allOpenOrders", self._cancel_all)
        add_get("/fapi/v1/openOrders", self._open_orders_rest)
        add_get("/fapi/v2/positionRisk", self._position_risk)
        add_get("/fapi/v3/positionRisk", self._position_risk)
        add_post("/fapi/v1/leverage", self._set_leverage)
        add_post("/fapi/v1/marginType", self._set_margin_type)
        add_get("/fapi/v1/leverageBracket", self._leverage_bracket)
        add_get("/fapi/v1/income", self._income)
        add_get("/fapi/v1/positionSide/dual", self._position_side_dual)
        add_post("/fapi/v1/listenKey", self._listen_key)
        app.router.add_put("/fapi/v1/listenKey", self._listen_key)
        add_post("/fapi/v1/algoOrder", self._new_algo)
        add_get("/fapi/v1/algoOrder", self._query_algo)
        add_delete("/fapi/v1/algoOrder", self._cancel_algo)
        add_get("/fapi/v1/openAlgoOrders", self._open_algo_rest)
        add_get("/fapi/v1/allAlgoOrders", self._all_algo_rest)
        add_delete("/fapi/v1/algoOpenOrders", self._cancel_all_algo)
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
