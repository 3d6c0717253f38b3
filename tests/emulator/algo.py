"""Conditional (algo) orders as Binance USD-M runs them since its algo-service move and
as ccxt 4.5.90 sends them: any order with stopLossPrice / triggerPrice / stopPrice /
takeProfitPrice goes to POST /fapi/v1/algoOrder with algoType=CONDITIONAL and the client
id as clientAlgoId; GET/DELETE /fapi/v1/algoOrder (algoId or clientAlgoId),
GET /fapi/v1/openAlgoOrders, GET /fapi/v1/allAlgoOrders and
DELETE /fapi/v1/algoOpenOrders query and cancel them (ccxt: params {"trigger": True}).

Life of a stop: NEW -> (trigger condition met) TRIGGERING -> TRIGGERED (an order is placed
in the matching engine; its id is `actualOrderId` / `ai`) -> FINISHED once that order is
filled or cancelled; CANCELED by the user; EXPIRED when a reduce-only stop finds nothing
to reduce. Each change is pushed as ALGO_UPDATE (ccxt.pro parses it in watch_orders, id =
algoId, clientOrderId = clientAlgoId). The triggered order is pushed as ORDER_TRADE_UPDATE
with `c` = the stop's clientAlgoId: a Binance user stream quoted in nautilus_trader issue
#3287 shows the triggered order's update landing on the stop's client id.

The algo record carries no executedQty/avgPrice (Binance's does not either): ccxt's
fetch_order with {"trigger": True} on a finished stop says status "closed" but filled 0;
the fill is in the order named by info["actualOrderId"] (fetch it without "trigger")."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web
from emulator.wire import answer_lost, error, exchange_symbol, fmt, params

ALGO_OPEN = ("NEW", "TRIGGERING", "TRIGGERED")
ALGO_TYPES = ("STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT")


def algo_json(algo: dict) -> dict:
    """The algo record: create, query and list answers share it."""
    return {
        "algoId": algo["id"],
        "clientAlgoId": algo["client_id"],
        "algoType": "CONDITIONAL",
        "orderType": algo["type"],
        "symbol": algo["symbol"],
        "side": algo["side"],
        "positionSide": "BOTH",
        "timeInForce": algo["tif"],
        "quantity": fmt(algo["qty"]),
        "algoStatus": algo["status"],
        "actualOrderId": str(algo["actual_order_id"] or ""),
        "actualPrice": fmt(algo["actual_price"]),
        "triggerPrice": fmt(algo["trigger"]),
        "price": fmt(algo["price"]),
        "icebergQuantity": None,
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "workingType": algo["working_type"],
        "priceMatch": "NONE",
        "closePosition": algo["close_position"],
        "priceProtect": False,
        "reduceOnly": algo["reduce_only"],
        "createTime": algo["create_time"],
        "updateTime": algo["update_time"],
        "triggerTime": algo["trigger_time"],
        "goodTillDate": 0,
    }


class AlgoOrders:
    """Conditional orders and their triggers. Mixed into `BinanceUsdmEmulator`."""

    # provided by the other mixins (declared for readers and type checkers)
    markets: Any
    orders: dict[int, dict]
    stats: Any
    last_price: dict[str, float]
    _push_user: Any
    _push_order: Any
    _open_order: Any
    _match: Any
    _reducible: Any
    _land_delay: Any
    _take_lose_answer: Any

    def _init_algo(self) -> None:
        self.algo_orders: dict[int, dict] = {}
        self.algo_client_ids: dict[str, int] = {}
        self._next_algo_id = 1_000_000_000_000  # Binance's algo ids are this long
        # False: every algo endpoint answers HTTP 404, like a venue without them
        self.algo_supported = True
        # What a stop watches. "last": the last trade price, which is what Binance's
        # workingType=CONTRACT_PRICE means (trades via `trade()` and every fill here).
        # "book": the touch (best ask for a buy stop, best bid for a sell stop), for
        # tests that move only the book.
        self.stop_trigger = "last"

    def open_algo_orders(self, symbol: str | None = None) -> list[dict]:
        """Conditional orders not yet finished (NEW, TRIGGERING, TRIGGERED), as stored."""
        wanted = exchange_symbol(symbol) if symbol else None
        return [
            a
            for a in self.algo_orders.values()
            if a["status"] in ALGO_OPEN and (wanted is None or a["symbol"] == wanted)
        ]

    # -- endpoints -----------------------------------------------------------------

    async def _new_algo(self, request: web.Request) -> web.Response:
        p = await params(request)
        if p.get("algoType") != "CONDITIONAL":
            return error(-1102, "Mandatory parameter 'algoType' was not sent, was empty/null.")
        symbol = p.get("symbol", "")
        if symbol not in self.markets:
            return error(-1121, "Invalid symbol.")
        kind = p.get("type", "")
        if kind not in ALGO_TYPES:
            return error(-1116, "Invalid orderType.")
        if not p.get("triggerPrice"):
            return error(-1102, "Mandatory parameter 'triggerPrice' was not sent.")
        landing = self._land_delay()
        if landing:
            await asyncio.sleep(landing)  # lookups meanwhile answer -2013
        client_id = p.get("clientAlgoId") or f"emualgo{self._next_algo_id}"
        if client_id in self.algo_client_ids:
            return error(-4116, "ClientOrderId is duplicated.")
        now = int(time.time() * 1000)
        self._next_algo_id += 1
        algo = {
            "id": self._next_algo_id,
            "client_id": client_id,
            "symbol": symbol,
            "side": p.get("side", ""),
            "type": kind,
            "qty": float(p.get("quantity", "0") or 0),
            "trigger": float(p["triggerPrice"]),
            "price": float(p.get("price", "0") or 0),
            "tif": p.get("timeInForce", "GTC"),
            "working_type": p.get("workingType", "CONTRACT_PRICE"),
            "reduce_only": p.get("reduceOnly", "false").lower() == "true",
            "close_position": p.get("closePosition", "false").lower() == "true",
            "status": "NEW",
            "actual_order_id": None,
            "actual_price": 0.0,
            "create_time": now,
            "update_time": now,
            "trigger_time": 0,
            "reason": "",
        }
        if self._reached(algo):
            # like a regular stop order: Binance refuses one that would fire at once
            return error(-2021, "Order would immediately trigger.")
        self.algo_orders[algo["id"]] = algo
        self.algo_client_ids[client_id] = algo["id"]
        await self._push_algo(algo)
        if self._take_lose_answer():
            return answer_lost()
        return web.json_response(algo_json(algo))

    def _find_algo(self, p: dict[str, str]) -> dict | None:
        if p.get("algoId"):
            return self.algo_orders.get(int(p["algoId"]))
        algo_id = self.algo_client_ids.get(p.get("clientAlgoId", ""))
        return self.algo_orders.get(algo_id) if algo_id else None

    async def _query_algo(self, request: web.Request) -> web.Response:
        algo = self._find_algo(await params(request))
        if algo is None:
            return error(-2013, "Order does not exist.")
        return web.json_response(algo_json(algo))

    async def _cancel_algo(self, request: web.Request) -> web.Response:
        algo = self._find_algo(await params(request))
        if algo is None or algo["status"] != "NEW":
            return error(-2011, "Unknown order sent.")
        await self._end_algo(algo, "CANCELED")
        return web.json_response(
            {
                "algoId": algo["id"],
                "clientAlgoId": algo["client_id"],
                "code": "200",
                "msg": "success",
            }
        )

    async def _cancel_all_algo(self, request: web.Request) -> web.Response:
        symbol = (await params(request)).get("symbol")
        for algo in list(self.algo_orders.values()):
            if algo["symbol"] == symbol and algo["status"] == "NEW":
                await self._end_algo(algo, "CANCELED")
        return web.json_response(
            {"code": 200, "msg": "The operation of cancel all open order is done."}
        )

    async def _open_algo_rest(self, request: web.Request) -> web.Response:
        symbol = (await params(request)).get("symbol")
        return web.json_response([algo_json(a) for a in self.open_algo_orders(symbol)])

    async def _all_algo_rest(self, request: web.Request) -> web.Response:
        symbol = (await params(request)).get("symbol")
        return web.json_response(
            [algo_json(a) for a in self.algo_orders.values() if a["symbol"] == symbol]
        )

    # -- triggers ------------------------------------------------------------------

    def _reached(self, algo: dict) -> bool:
        symbol, buying = algo["symbol"], algo["side"] == "BUY"
        if self.stop_trigger == "book":
            market = self.markets[symbol]
            touch = market.asks if buying else market.bids
            price = (min(touch) if buying else max(touch)) if touch else None
        else:
            price = self.last_price.get(symbol)
        if price is None:
            return False
        # a stop fires as the price moves against the position it protects, a take
        # profit as it moves in its favour
        rising = algo["type"] in ("STOP_MARKET", "STOP") and buying
        rising = rising or (algo["type"] in ("TAKE_PROFIT_MARKET", "TAKE_PROFIT") and not buying)
        return price >= algo["trigger"] if rising else price <= algo["trigger"]

    async def _check_stops(self, symbol: str) -> None:
        """Fire every NEW stop of `symbol` whose condition holds. A fired stop's fills
        move the last price, which may fire another: loop until none is due."""
        while True:
            due = next(
                (
                    a
                    for a in self.algo_orders.values()
                    if a["symbol"] == symbol and a["status"] == "NEW" and self._reached(a)
                ),
                None,
            )
            if due is None:
                return
            await self._trigger(due)

    async def _trigger(self, algo: dict) -> None:
        # leaves NEW before the first await: a concurrent check cannot fire it twice
        algo["status"] = "TRIGGERING"
        algo["trigger_time"] = int(time.time() * 1000)
        self.stats.stops_triggered += 1
        symbol, side = algo["symbol"], algo["side"]
        qty = algo["qty"]
        if algo["reduce_only"] or algo["close_position"]:
            reducible = self._reducible(symbol, side)
            qty = reducible if algo["close_position"] else min(qty, reducible)
            if qty <= 1e-12:
                algo["reason"] = "Reduce Only reject"
                await self._end_algo(algo, "EXPIRED")
                return
        market_order = algo["type"].endswith("_MARKET")
        child = self._open_order(
            symbol,
            algo["client_id"],
            side,
            "MARKET" if market_order else "LIMIT",
            qty,
            {"price": str(algo["price"])},
            algo["reduce_only"] or algo["close_position"],
        )
        child["algo_id"] = algo["id"]
        child["orig_type"] = algo["type"]
        algo["actual_order_id"] = child["id"]
        algo["status"] = "TRIGGERED"
        algo["update_time"] = algo["trigger_time"]
        await self._push_algo(algo)
        self._match(child, limit=None if market_order else child["price"], cap=qty)
        if market_order and child["status"] != "FILLED":
            child["status"] = "EXPIRED"  # the book ran out: the rest is not filled
        await self._push_order(child)  # a finished child finishes the stop

    async def _algo_child_done(self, child: dict) -> None:
        """The triggered order is filled, expired or cancelled: the stop is FINISHED."""
        algo = self.algo_orders.get(child["algo_id"])
        if algo is None or algo["status"] not in ("TRIGGERING", "TRIGGERED"):
            return
        if child["executed"]:
            algo["actual_price"] = child["cum_quote"] / child["executed"]
        await self._end_algo(algo, "FINISHED")

    async def _end_algo(self, algo: dict, status: str) -> None:
        algo["status"] = status
        algo["update_time"] = int(time.time() * 1000)
        await self._push_algo(algo)

    async def _push_algo(self, algo: dict) -> None:
        child = self.orders.get(algo["actual_order_id"] or -1)
        filled = child["executed"] if child and algo["status"] == "FINISHED" else 0.0
        avg = algo["actual_price"] if filled else 0.0
        now = int(time.time() * 1000)
        body = {
            "caid": algo["client_id"],
            "aid": algo["id"],
            "at": "CONDITIONAL",
            "o": algo["type"],
            "s": algo["symbol"],
            "S": algo["side"],
            "ps": "BOTH",
            "f": algo["tif"],
            "q": fmt(algo["qty"]),
            "X": algo["status"],
            "ai": str(algo["actual_order_id"] or ""),
            "ap": fmt(avg),
            "aq": fmt(filled),
            "act": child["type"] if child else "0",
            "tp": fmt(algo["trigger"]),
            "p": fmt(algo["price"]),
            "V": "EXPIRE_MAKER",
            "wt": algo["working_type"],
            "pm": "NONE",
            "cp": algo["close_position"],
            "pP": False,
            "R": algo["reduce_only"],
            "tt": algo["trigger_time"],
            "gtd": 0,
        }
        if algo["reason"]:
            body["rm"] = algo["reason"]
        await self._push_user({"e": "ALGO_UPDATE", "T": now, "E": now, "o": body})
