"""Faults of the Bybit emulator in Bybit's wire form, on the venue-neutral switches of
core_faults (rate_limit, storm_429, chaos, calm, reject_next, partial_next,
land_delay_s, lose_answer_next, gap_next, stats, report).

- A throttled request is answered as Bybit's per-UID limit answers: HTTP 200 with
  retCode 10006 (ccxt: RateLimitExceeded); with `throttle_as_403` set, as its IP limit
  does: HTTP 403 "access too frequent" (ccxt's bybit maps 403 to RateLimitExceeded too).
- `reject_next` takes Bybit (code, msg) pairs, e.g. (110007, "ab not enough for new
  order"), or the core's reasons ("insufficient_margin", "reduce_only_same_side", ...)
  which are answered with Bybit's code for them.
- A lost answer is retCode 10016 "Request timeout" (ccxt: RequestTimeout) after the
  order was matched and pushed.
- Conditional orders travel on the ordinary order endpoints at Bybit; requests about
  them are the request kind "algo" (creation with a triggerPrice, or orderFilter
  StopOrder), and `algo_supported = False` answers them HTTP 404."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from emulator.bybit_wire import exchange_symbol, ip_rate_limited, rate_limited
from emulator.core_faults import CoreFaults

ROUTE_KINDS = {
    ("POST", "/v5/order/create"): "order_create",
    ("GET", "/v5/order/realtime"): "open_orders",  # "order_query" when an id is named
    ("GET", "/v5/order/history"): "order_query",
    ("POST", "/v5/order/cancel"): "order_cancel",
    ("POST", "/v5/order/cancel-all"): "cancel_all",
    ("GET", "/v5/position/list"): "position_risk",
    ("GET", "/v5/market/instruments-info"): "exchange_info",
    ("GET", "/v5/market/kline"): "klines",
    ("GET", "/v5/market/orderbook"): "depth",
    ("POST", "/v5/position/set-leverage"): "leverage",
    ("POST", "/v5/account/set-margin-mode"): "margin_type",
    ("POST", "/v5/position/switch-isolated"): "margin_type",
    ("GET", "/v5/market/time"): "time",
    ("GET", "/v5/market/tickers"): "ticker",
    ("GET", "/v5/account/wallet-balance"): "balance",
    ("GET", "/v5/execution/list"): "executions",
    ("GET", "/v5/user/query-api"): "account",
    ("GET", "/v5/account/info"): "account",
    ("GET", "/v5/asset/coin/query-info"): "account",
}
KINDS = frozenset(ROUTE_KINDS.values()) | {"order_query", "algo"}


def request_kind(method: str, path: str, query: dict[str, Any], body: dict[str, Any]) -> str:
    """The fault/counter kind of a REST request ("ws" for WebSocket upgrades)."""
    if path.startswith(("/v5/public", "/v5/private")):
        return "ws"
    kind = ROUTE_KINDS.get((method, path), "other")
    wanted = {**query, **body}
    if wanted.get("orderFilter") == "StopOrder" or (
        kind == "order_create" and wanted.get("triggerPrice")
    ):
        return "algo"
    if kind == "open_orders" and (wanted.get("orderId") or wanted.get("orderLinkId")):
        return "order_query"
    return kind


class BybitFaults(CoreFaults):
    """Mixed into `BybitEmulator`."""

    core: Any

    def _init_bybit_faults(self) -> None:
        self._init_faults(KINDS)
        self.throttle_as_403 = False
        self.algo_supported = True
        self.on_order_request: Callable[[], None] | None = None  # timing hook (benchmarks)
        self.order_requests = 0  # order creations received, throttled ones included

    def gap_next(self, symbol: str) -> None:
        """The next orderbook frame of `symbol` (`BTC/USDT:USDT` or `BTCUSDT`) skips one
        `u`, as if the frame before it was lost."""
        super().gap_next(exchange_symbol(symbol))

    def report(self) -> dict[str, Any]:
        """The counters, with what the core counted (fills, stops) brought in."""
        self.stats.orders_filled = self.core.orders_filled
        self.stats.partial_fills = self.core.partial_fills
        self.stats.stops_triggered = self.core.stops_triggered
        return super().report()

    async def _rest_faults(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[Any]]
    ) -> Any:
        body: dict[str, Any] = {}
        if request.method == "POST" and request.body_exists:
            text = await request.text()  # aiohttp keeps it for the handler
            body = json.loads(text) if text else {}
        kind = request_kind(request.method, request.path, dict(request.query), body)
        if kind == "ws" or request.path == "/__state":
            return await handler(request)
        if kind in ("order_create", "algo") and request.path == "/v5/order/create":
            self.order_requests += 1
            if self.on_order_request is not None:
                self.on_order_request()
        if kind == "algo" and not self.algo_supported:
            self.stats.requests[kind] += 1
            return web.Response(status=404, text="404: Not Found")
        if self._take_throttle(kind):
            return ip_rate_limited() if self.throttle_as_403 else rate_limited()
        slow = self._take_slow()
        if slow:
            await asyncio.sleep(slow)
        return await handler(request)
