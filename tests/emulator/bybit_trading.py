"""Private REST endpoints of the Bybit emulator, as ccxt 4.5.90 calls them for a
unified trading account (UTA): order create / cancel / cancel-all / realtime / history,
position list and leverage, account margin mode, wallet balance, executions, and the
account look-ups ccxt makes before its first private call (user/query-api,
account/info, asset/coin/query-info).

Bybit rules kept here (the core does the matching):
- one id space for active and conditional orders; `orderLinkId` is unique across both;
- a conditional order (`triggerPrice` + `triggerDirection`) keeps its orderId when it
  fires: its fills and final status show under that id;
- order/realtime answers the open orders, or, when an `orderId` / `orderLinkId` is named
  (orderId first, as Bybit gives it priority), that order whatever its status;
  `orderFilter` Order / StopOrder narrows to active or conditional orders, none = both;
- cancel-all cancels every kind unless `orderFilter` says otherwise;
- set-leverage to the leverage already set answers 110043 (ccxt: BadRequest)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from emulator.bybit_wire import (
    DUPLICATE_LINK_ID,
    EXPECT_FALLING,
    EXPECT_RISING,
    LEVERAGE_NOT_MODIFIED,
    ORDER_NOT_FOUND,
    PARAMS_ERROR,
    REASON_CODES,
    answer_lost,
    error,
    exchange_symbol,
    execution_record,
    flag,
    fmt,
    ok,
    order_record,
    params,
    position_record,
    wallet_record,
)
from emulator.core import WOULD_TRIGGER, ExchangeCore, Order, Rejected, Stop

OPEN_STATUSES = ("New", "PartiallyFilled", "Untriggered", "Triggered")
API_KEY_INFO = {
    "id": "13770661",
    "note": "emulator",
    "readOnly": 0,
    "secret": "",
    "permissions": {"ContractTrade": ["Order", "Position"], "Wallet": ["AccountTransfer"]},
    "ips": ["*"],
    "type": 1,
    "unified": 0,
    "uta": 1,  # a unified trading account: ccxt takes the v5 UTA paths
    "userID": 24600000,
    "isMaster": True,
}


class BybitTrading:
    """Mixed into `BybitEmulator`."""

    core: ExchangeCore
    stats: Any
    _after_core: Any
    _take_reject: Any
    _partial_cap: Any
    _land_delay: Any
    _take_lose_answer: Any
    _publish_book: Any

    # -- what tests read -----------------------------------------------------------

    def net_position(self, symbol: str) -> float:
        """Signed contracts held (short < 0); at Bybit a contract is one base unit."""
        return self.core.position(exchange_symbol(symbol)).contracts

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Working active orders (a fired stop's order shows under the stop)."""
        sid = exchange_symbol(symbol) if symbol else None
        return [o for o in self.core.open_orders(sid) if o.stop_id is None]

    def open_algo_orders(self, symbol: str | None = None) -> list[Stop]:
        """Conditional orders not yet triggered."""
        return self.core.open_stops(exchange_symbol(symbol) if symbol else None)

    def unrealised(self) -> float:
        total = 0.0
        for sid, held in self.core.positions.items():
            if held.contracts:
                total += (self._mark(sid) - held.entry) * held.contracts
        return total

    def _mark(self, sid: str) -> float:
        bids, asks = self.core.book(sid, 1)
        if bids and asks:
            return (bids[0][0] + asks[0][0]) / 2
        return self.core.last_price.get(sid, self.core.position(sid).entry)

    # -- lookups -------------------------------------------------------------------

    def _visible(self) -> list[Order | Stop]:
        """Every order a client can see, newest first; a fired stop's order is part of
        its stop's record."""
        items: list[Order | Stop] = [o for o in self.core.orders.values() if o.stop_id is None]
        items.extend(self.core.stops.values())
        return sorted(items, key=lambda i: (i.created_ms, i.id), reverse=True)

    def _lookup(self, order_id: str, link_id: str) -> Order | Stop | None:
        if order_id:  # Bybit: orderId before orderLinkId
            return next((i for i in self._visible() if str(i.id) == order_id), None)
        if link_id:
            return next((i for i in self._visible() if i.client_id == link_id), None)
        return None

    def _is_open(self, item: Order | Stop) -> bool:
        return order_record(self.core, item)["orderStatus"] in OPEN_STATUSES

    # -- orders --------------------------------------------------------------------

    async def _order_create(self, request: web.Request) -> web.Response:
        p = await params(request)
        if p.get("category") != "linear":
            return error(PARAMS_ERROR, "category only support linear here")
        rejection = self._take_reject()
        if rejection is not None:
            self.stats.rejected += 1
            code, msg = REASON_CODES[rejection] if isinstance(rejection, str) else rejection
            return error(code, msg)
        sid = p.get("symbol", "")
        if sid not in self.core.instruments:
            return self._refused(Rejected("unknown_symbol"))
        landing = self._land_delay()
        if landing:
            await asyncio.sleep(landing)  # it does not exist yet: lookups find nothing
        link_id = str(p.get("orderLinkId") or "")
        if link_id and any(i.client_id == link_id for i in self._visible()):
            self.stats.rejected += 1
            return error(DUPLICATE_LINK_ID, "OrderLinkedID is duplicate")
        try:
            item = self._enter(sid, p, link_id or None)
        except Rejected as refused:
            return self._refused(refused, p)
        except ValueError as bad:
            self.stats.rejected += 1
            return error(PARAMS_ERROR, str(bad))
        await self._publish_book(sid)  # what the order took from the book
        await self._after_core()
        if self._take_lose_answer():
            return answer_lost()  # it is at the venue and pushed; the answer is lost
        return ok({"orderId": str(item.id), "orderLinkId": item.client_id})

    def _enter(self, sid: str, p: dict[str, Any], link_id: str | None) -> Order | Stop:
        side = str(p.get("side", "")).lower()
        kind = str(p.get("orderType", "")).lower()
        if side not in ("buy", "sell") or kind not in ("market", "limit"):
            raise ValueError("params error: side or orderType invalid")
        qty = float(p.get("qty") or 0)
        reduce_only = flag(p.get("reduceOnly", False))
        if p.get("triggerPrice"):
            return self._enter_conditional(sid, side, kind, qty, p, link_id, reduce_only)
        price = float(p["price"]) if kind == "limit" and p.get("price") else None
        if kind == "limit" and price is None:
            raise ValueError("params error: price is required for a limit order")
        lot = self.core.instruments[sid].lot
        cap = self._partial_cap(qty, lot)
        return self.core.place(sid, side, kind, qty, price, link_id, reduce_only, fill_cap=cap)

    def _enter_conditional(
        self,
        sid: str,
        side: str,
        kind: str,
        qty: float,
        p: dict[str, Any],
        link_id: str | None,
        reduce_only: bool,
    ) -> Stop:
        """A stop-market: rising trigger for a buy, falling for a sell (what ccxt sends
        for `stopLossPrice`). Take-profit directions and conditional limits are not
        emulated: refused, so a test notices instead of getting something else."""
        direction = str(p.get("triggerDirection", ""))
        if kind != "market" or direction != ("1" if side == "buy" else "2"):
            raise ValueError("emulator: only stop-market conditional orders are emulated")
        instrument = self.core.instruments[sid]
        steps = qty / instrument.lot
        if qty < instrument.min_size - 1e-9 or abs(steps - round(steps)) > 1e-6:
            raise ValueError("Qty invalid")
        stop = self.core.place_stop(sid, side, qty, float(p["triggerPrice"]), link_id, reduce_only)
        stop.extra["direction"] = int(direction)
        return stop

    def _refused(self, refused: Rejected, p: dict[str, Any] | None = None) -> web.Response:
        self.stats.rejected += 1
        code, msg = REASON_CODES.get(refused.reason, (PARAMS_ERROR, str(refused)))
        if refused.reason == WOULD_TRIGGER and p is not None:
            sid, trigger = p.get("symbol", ""), p.get("triggerPrice")
            current = fmt(self.core.last_price.get(sid, 0.0))
            if str(p.get("triggerDirection")) == "1":
                code, msg = (
                    EXPECT_RISING,
                    f"expect Rising, but trigger_price[{trigger}] <= current[{current}]",
                )
            else:
                code, msg = (
                    EXPECT_FALLING,
                    f"expect Falling, but trigger_price[{trigger}] >= current[{current}]",
                )
        return error(code, msg)

    async def _order_cancel(self, request: web.Request) -> web.Response:
        p = await params(request)
        item = self._lookup(str(p.get("orderId") or ""), str(p.get("orderLinkId") or ""))
        if item is None or item.symbol != p.get("symbol", item.symbol):
            return error(ORDER_NOT_FOUND, "order not exists or too late to cancel")
        if isinstance(item, Stop) and item.status == "live":
            self.core.cancel_stop(item)
        elif isinstance(item, Order) and item.working:
            self.core.cancel(item)
        else:
            return error(ORDER_NOT_FOUND, "order not exists or too late to cancel")
        await self._after_core()
        return ok({"orderId": str(item.id), "orderLinkId": item.client_id})

    async def _order_cancel_all(self, request: web.Request) -> web.Response:
        p = await params(request)
        cancelled = []
        for item in self._filtered(p):
            if isinstance(item, Stop) and item.status == "live":
                cancelled.append(self.core.cancel_stop(item))
            elif isinstance(item, Order) and item.working:
                cancelled.append(self.core.cancel(item))
        await self._after_core()
        rows = [{"orderId": str(i.id), "orderLinkId": i.client_id} for i in cancelled]
        return ok({"list": rows, "success": "1"})

    def _filtered(self, p: dict[str, Any]) -> list[Order | Stop]:
        """By symbol (or every USDT contract) and orderFilter (none = every kind)."""
        sid = p.get("symbol")
        kinds = {"Order": (Order,), "StopOrder": (Stop,)}.get(p.get("orderFilter"), (Order, Stop))
        return [
            i for i in self._visible() if isinstance(i, kinds) and (sid is None or i.symbol == sid)
        ]

    async def _order_realtime(self, request: web.Request) -> web.Response:
        p = await params(request)
        order_id, link_id = str(p.get("orderId") or ""), str(p.get("orderLinkId") or "")
        if order_id or link_id:
            item = self._lookup(order_id, link_id)
            kinds = {"Order": Order, "StopOrder": Stop}.get(p.get("orderFilter"), object)
            items = [item] if item is not None and isinstance(item, kinds) else []
        else:
            closed = str(p.get("openOnly", "0")) == "1"
            items = [i for i in self._filtered(p) if self._is_open(i) != closed]
        limit = min(int(p.get("limit", 20)), 50)
        rows = [order_record(self.core, i) for i in items[:limit]]
        return ok({"category": "linear", "list": rows, "nextPageCursor": ""})

    async def _order_history(self, request: web.Request) -> web.Response:
        p = await params(request)
        order_id, link_id = str(p.get("orderId") or ""), str(p.get("orderLinkId") or "")
        if order_id or link_id:
            item = self._lookup(order_id, link_id)
            items = [item] if item is not None else []
        else:
            items = self._filtered(p)
        limit = min(int(p.get("limit", 20)), 50)
        rows = [order_record(self.core, i) for i in items[:limit]]
        return ok({"category": "linear", "list": rows, "nextPageCursor": ""})

    async def _executions(self, request: web.Request) -> web.Response:
        p = await params(request)
        if p.get("execType") == "Funding":  # funding.py: the funding charges
            rows = self.bybit_funding_rows(p)  # type: ignore[attr-defined]
            return ok({"category": "linear", "list": rows, "nextPageCursor": ""})
        sid = p.get("symbol")
        fills = [f for f in reversed(self.core.fills) if sid is None or f.symbol == sid]
        limit = min(int(p.get("limit", 50)), 100)
        rows = [execution_record(self.core, f, i) for i, f in enumerate(fills[:limit])]
        return ok({"category": "linear", "list": rows, "nextPageCursor": ""})

    # -- positions and account -----------------------------------------------------

    async def _position_list(self, request: web.Request) -> web.Response:
        p = await params(request)
        if p.get("category") != "linear":
            return ok({"category": p.get("category", ""), "list": [], "nextPageCursor": ""})
        sid = p.get("symbol")
        if sid:
            if sid not in self.core.instruments:
                return error(PARAMS_ERROR, "Not supported symbols")
            rows = [position_record(self.core, sid, self._mark(sid))]  # flat: side ""
        else:  # by settleCoin: the positions held
            rows = [
                position_record(self.core, s, self._mark(s))
                for s, held in self.core.positions.items()
                if held.contracts
            ]
        return ok({"category": "linear", "list": rows, "nextPageCursor": ""})

    async def _set_leverage(self, request: web.Request) -> web.Response:
        p = await params(request)
        sid = p.get("symbol", "")
        if sid not in self.core.instruments:
            return error(PARAMS_ERROR, "Not supported symbols")
        leverage = round(float(p.get("buyLeverage", 0)))
        if leverage == self.core.leverage[sid]:
            return error(LEVERAGE_NOT_MODIFIED, "leverage not modified")
        self.core.leverage[sid] = leverage
        return ok({})

    async def _set_margin_mode(self, request: web.Request) -> web.Response:
        """Account-wide on a unified account: every symbol follows."""
        p = await params(request)
        mode = {"ISOLATED_MARGIN": "isolated", "REGULAR_MARGIN": "cross"}.get(
            p.get("setMarginMode", "")
        )
        if mode is None:
            return error(PARAMS_ERROR, "setMarginMode invalid")
        for sid in self.core.margin_mode:
            self.core.margin_mode[sid] = mode
        return ok({"reasons": []})

    async def _switch_isolated(self, request: web.Request) -> web.Response:
        # the classic account's per-symbol switch; a unified account refuses it
        return error(100028, "The current interface does not support unified account")

    async def _wallet_balance(self, request: web.Request) -> web.Response:
        p = await params(request)
        if p.get("accountType") != "UNIFIED":
            return error(PARAMS_ERROR, "accountType only support UNIFIED")
        return ok({"list": [wallet_record(self.core, self.unrealised())]})

    async def _query_api(self, request: web.Request) -> web.Response:
        return ok({**API_KEY_INFO, "apiKey": request.headers.get("X-BAPI-API-KEY", "")})

    async def _account_info(self, request: web.Request) -> web.Response:
        isolated = all(m == "isolated" for m in self.core.margin_mode.values())
        return ok(
            {
                "marginMode": "ISOLATED_MARGIN" if isolated else "REGULAR_MARGIN",
                "updatedTime": "1697078946000",
                "unifiedMarginStatus": 6,
                "dcpStatus": "OFF",
                "timeWindow": 10,
                "smpGroup": 0,
                "isMasterTrader": False,
                "spotHedgingStatus": "OFF",
            }
        )

    async def _coin_info(self, request: web.Request) -> web.Response:
        coins = sorted({i.base for i in self.core.instruments.values()} | {"USDT"})
        rows = [{"name": c, "coin": c, "remainAmount": "1000000", "chains": []} for c in coins]
        return ok({"rows": rows})
