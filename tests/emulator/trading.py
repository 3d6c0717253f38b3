"""Trading at the emulator: orders matched against its own book (market orders take
liquidity level by level; limits take what crosses and rest), resting limits filled
when the book reaches them, cancel and cancel-all, reduce-only checks, positionRisk,
leverage and margin type, listenKey with ORDER_TRADE_UPDATE pushes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web
from emulator.market_data import LISTEN_KEY
from emulator.wire import answer_lost, error, exchange_symbol, fmt, params, rate_limited

WORKING = ("NEW", "PARTIALLY_FILLED")


def order_json(order: dict) -> dict:
    """GET/POST/DELETE /fapi/v1/order answer (newOrderRespType=RESULT)."""
    avg = order["cum_quote"] / order["executed"] if order["executed"] else 0.0
    return {
        "orderId": order["id"],
        "symbol": order["symbol"],
        "status": order["status"],
        "clientOrderId": order["client_id"],
        "price": fmt(order["price"]),
        "avgPrice": fmt(avg),
        "origQty": fmt(order["qty"]),
        "executedQty": fmt(order["executed"]),
        "cumQuote": fmt(order["cum_quote"]),
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


class Trading:
    """Orders and account state. Mixed into `BinanceUsdmEmulator`."""

    # provided by the other mixins (declared for readers and type checkers)
    markets: Any
    stats: Any
    last_price: dict[str, float]
    _push_user: Any
    _check_stops: Any
    _algo_child_done: Any
    _take_reject: Any
    _partial_cap: Any
    _land_delay: Any
    _take_lose_answer: Any

    def _init_trading(self) -> None:
        self.orders: dict[int, dict] = {}
        self.client_ids: dict[str, int] = {}
        self.positions: dict[str, tuple[float, float]] = {}  # symbol -> (signed qty, entry)
        self.margin_type: dict[str, str] = {}
        self.leverage: dict[str, int] = {}
        self.hedge_mode = False  # the account's position mode (one-way by default)
        self.order_requests = 0  # POST /fapi/v1/order received, throttled ones included
        self._next_order_id = 100
        self.delay_s = 0.0  # added to every order request before anything else
        self.rate_limit_next = 0  # answer this many order requests with HTTP 429
        # the next orders are matched, then neither answered nor pushed for this long:
        # the exchange did it, the client never heard (a crash window)
        self.silence_next = 0
        self.silence_s = 5.0

    # -- what tests compare with a journal -----------------------------------------

    def net_position(self, symbol: str) -> float:
        """Signed base quantity held (short < 0); 0.0 when flat or never traded."""
        return self.positions.get(exchange_symbol(symbol), (0.0, 0.0))[0]

    def open_orders(self, symbol: str | None = None) -> list[dict]:
        """The working orders (NEW or PARTIALLY_FILLED), oldest first, as stored."""
        wanted = exchange_symbol(symbol) if symbol else None
        return [
            o
            for o in self.orders.values()
            if o["status"] in WORKING and (wanted is None or o["symbol"] == wanted)
        ]

    # -- order entry ---------------------------------------------------------------

    async def _new_order(self, request: web.Request) -> web.Response:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            self.stats.throttled += 1
            return rate_limited()
        p = await params(request)
        rejection = self._take_reject()
        if rejection is not None:
            return self._rejected(*rejection)
        symbol = p.get("symbol", "")
        if symbol not in self.markets:
            return self._rejected(-1121, "Invalid symbol.")
        # held before it exists at the venue: lookups meanwhile answer -2013
        landing = self._land_delay()
        if landing:
            await asyncio.sleep(landing)
        client_id = p.get("newClientOrderId") or f"emu{self._next_order_id}"
        if client_id in self.client_ids:
            return self._rejected(-4116, "ClientOrderId is duplicated.")
        side, kind = p.get("side", ""), p.get("type", "")
        qty = float(p.get("quantity", "0"))
        reduce_only = p.get("reduceOnly", "false").lower() == "true"
        if reduce_only:
            qty = min(qty, self._reducible(symbol, side))
            if qty <= 0:
                return self._rejected(-2022, "ReduceOnly Order is rejected.")
        order = self._open_order(symbol, client_id, side, kind, qty, p, reduce_only)
        cap = self._partial_cap(qty, float(self.markets[symbol].step))
        self._match(order, limit=order["price"] if kind == "LIMIT" else None, cap=cap)
        if kind == "MARKET" and order["status"] != "FILLED":
            order["status"] = "EXPIRED"  # the unfilled rest of a market order
        if self.silence_next > 0:
            self.silence_next -= 1
            await asyncio.sleep(self.silence_s)
            return answer_lost()
        await self._push_order(order)
        await self._check_stops(symbol)
        if self._take_lose_answer():
            return answer_lost()  # matched and pushed; only the HTTP answer is lost
        return web.json_response(order_json(order))

    def _rejected(self, code: int, msg: str) -> web.Response:
        self.stats.rejected += 1
        return error(code, msg)

    def _reducible(self, symbol: str, side: str) -> float:
        """How much an order on `side` can reduce the position (0 if it would grow it)."""
        held, _ = self.positions.get(symbol, (0.0, 0.0))
        return max(0.0, -held if side == "BUY" else held)

    def _open_order(
        self,
        symbol: str,
        client_id: str,
        side: str,
        kind: str,
        qty: float,
        p: dict[str, str],
        reduce_only: bool,
    ) -> dict:
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
        # a triggered stop's order carries the stop's client id, which a regular order
        # may already use: lookups by client id keep finding the first one
        self.client_ids.setdefault(client_id, order["id"])
        return order

    # -- matching ------------------------------------------------------------------

    def _match(self, order: dict, limit: float | None, cap: float) -> None:
        """Take the book's liquidity up to `cap` (and `limit`), level by level."""
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
        self._settle(order)

    async def _match_resting(self, symbol: str) -> tuple[set[float], set[float]]:
        """Resting limits fill at their own price once the opposite side reaches them,
        at most the quantity shown there (the rest keeps resting: a partial fill).
        Returns the bid and ask prices whose liquidity was taken."""
        market = self.markets[symbol]
        taken_bids: set[float] = set()
        taken_asks: set[float] = set()
        for order in list(self.orders.values()):
            if order["symbol"] != symbol or order["status"] not in WORKING:
                continue
            if order["type"] != "LIMIT":
                continue
            selling = order["side"] == "SELL"
            opposite = market.bids if selling else market.asks
            crossing = sorted(
                (p for p in opposite if (p >= order["price"] if selling else p <= order["price"])),
                reverse=selling,
            )
            filled_before = order["executed"]
            for price in crossing:
                remaining = order["qty"] - order["executed"]
                if remaining <= 1e-12:
                    break
                take = min(opposite[price], remaining)
                opposite[price] -= take
                if opposite[price] <= 1e-12:
                    del opposite[price]
                (taken_bids if selling else taken_asks).add(price)
                self._fill(order, order["price"], take)
            if order["executed"] > filled_before:
                self._settle(order)
                await self._push_order(order)
        return taken_bids, taken_asks

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
        self.last_price[order["symbol"]] = price  # our own fills print trades too
        order["last"] = (price, qty)

    def _settle(self, order: dict) -> None:
        """Status after fills, counting partial fills and completed orders."""
        if order["executed"] >= order["qty"] - 1e-12:
            if order["status"] != "FILLED":
                self.stats.orders_filled += 1
            order["status"] = "FILLED"
        elif order["executed"] > 0:
            self.stats.partial_fills += 1
            order["status"] = "PARTIALLY_FILLED"

    async def _push_order(self, order: dict) -> None:
        last_price, last_qty = order.pop("last", (0.0, 0.0))
        avg = order["cum_quote"] / order["executed"] if order["executed"] else 0.0
        now = int(time.time() * 1000)
        if last_qty:
            execution = "TRADE"
        elif order["status"] in ("CANCELED", "EXPIRED"):
            execution = order["status"]
        else:
            execution = "NEW"
        await self._push_user(
            {
                "e": "ORDER_TRADE_UPDATE",
                "E": now,
                "T": now,
                "o": {
                    "s": order["symbol"],
                    "c": order["client_id"],
                    "S": order["side"],
                    "o": order["type"],
                    "f": "GTC",
                    "q": fmt(order["qty"]),
                    "p": fmt(order["price"]),
                    "ap": fmt(avg),
                    "sp": "0",
                    "x": execution,
                    "X": order["status"],
                    "i": order["id"],
                    "l": fmt(last_qty),
                    "z": fmt(order["executed"]),
                    "L": fmt(last_price),
                    "N": "USDT",
                    "n": fmt(last_price * last_qty * 0.0005),
                    "T": now,
                    "t": now,
                    "b": "0",
                    "a": "0",
                    "m": False,
                    "R": order["reduce_only"],
                    "wt": "CONTRACT_PRICE",
                    "ot": order.get("orig_type", order["type"]),
                    "ps": "BOTH",
                    "cp": False,
                    "rp": "0",
                },
            }
        )
        if "algo_id" in order and order["status"] not in WORKING:
            await self._algo_child_done(order)

    # -- lookups and cancels -------------------------------------------------------

    def _find(self, p: dict[str, str]) -> dict | None:
        if "orderId" in p:
            return self.orders.get(int(p["orderId"]))
        order_id = self.client_ids.get(p.get("origClientOrderId", ""))
        return self.orders.get(order_id) if order_id else None

    async def _cancel_order(self, request: web.Request) -> web.Response:
        order = self._find(await params(request))
        if order is None or order["status"] not in WORKING:
            return error(-2011, "Unknown order sent.")
        order["status"] = "CANCELED"
        await self._push_order(order)
        return web.json_response(order_json(order))

    async def _query_order(self, request: web.Request) -> web.Response:
        order = self._find(await params(request))
        if order is None:
            return error(-2013, "Order does not exist.")
        return web.json_response(order_json(order))

    async def _cancel_all(self, request: web.Request) -> web.Response:
        """Regular orders only: Binance cancels conditional orders through the algo
        service (DELETE /fapi/v1/algoOpenOrders)."""
        symbol = (await params(request)).get("symbol")
        for order in list(self.orders.values()):
            if order["symbol"] == symbol and order["status"] in WORKING:
                order["status"] = "CANCELED"
                await self._push_order(order)
        return web.json_response(
            {"code": 200, "msg": "The operation of cancel all open order is done."}
        )

    async def _open_orders_rest(self, request: web.Request) -> web.Response:
        symbol = (await params(request)).get("symbol")
        return web.json_response([order_json(o) for o in self.open_orders(symbol)])

    # -- account -------------------------------------------------------------------

    async def _position_risk(self, request: web.Request) -> web.Response:
        rows = []
        for symbol, (qty, entry) in self.positions.items():
            if abs(qty) < 1e-12:
                continue  # Binance omits flat rows here too
            rows.append(
                {
                    "symbol": symbol,
                    "positionAmt": fmt(qty),
                    "entryPrice": fmt(entry),
                    "breakEvenPrice": fmt(entry),
                    "markPrice": fmt(entry),
                    "unRealizedProfit": "0",
                    "liquidationPrice": "0",
                    "isolatedMargin": fmt(abs(qty) * entry / self.leverage.get(symbol, 3)),
                    "notional": fmt(qty * entry),
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
        p = await params(request)
        self.leverage[p["symbol"]] = int(p["leverage"])
        return web.json_response(
            {"leverage": int(p["leverage"]), "maxNotionalValue": "1000000", "symbol": p["symbol"]}
        )

    async def _set_margin_type(self, request: web.Request) -> web.Response:
        p = await params(request)
        wanted = p.get("marginType", "").lower()
        if self.margin_type.get(p["symbol"]) == wanted:
            return error(-4046, "No need to change margin type.")
        self.margin_type[p["symbol"]] = wanted
        return web.json_response({"code": 200, "msg": "success"})

    async def _position_side_dual(self, request: web.Request) -> web.Response:
        """The account's position mode: hedge (dual side) when `hedge_mode` is set."""
        return web.json_response({"dualSidePosition": self.hedge_mode})

    async def _leverage_bracket(self, request: web.Request) -> web.Response:
        bracket = {
            "bracket": 1,
            "initialLeverage": 125,
            "notionalCap": 1000000,
            "notionalFloor": 0,
            "maintMarginRatio": 0.004,
            "cum": 0,
        }
        return web.json_response([{"symbol": s, "brackets": [bracket]} for s in self.markets])

    async def _listen_key(self, request: web.Request) -> web.Response:
        return web.json_response({"listenKey": LISTEN_KEY})
