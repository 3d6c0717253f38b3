"""OKX v5 private REST of the emulator, as ccxt 4.5.90 calls it: trade/batch-orders (its
create_order), trade/order, trade/order-algo (stopLossPrice -> ordType conditional),
trade/cancel-order, trade/cancel-batch-orders, trade/cancel-algos, trade/orders-pending,
trade/orders-algo-pending (filtered by ordType: ccxt's {"trigger": True} alone asks for
ordType "trigger", which lists no conditional stop), trade/order-algo GET,
orders-history, orders-algo-history, trade/fills, account/positions, account/balance,
account/config (net mode), account/set-leverage (ccxt's set_margin_mode and
set_leverage), account/set-position-mode, account/leverage-info.

Answers to an order entry carry ids only (`ordId`, `clOrdId`, `sCode "0"`): status and
fills come from trade/order or the `orders` channel."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web
from emulator.core import ExchangeCore, Order, Rejected
from emulator.okx_wire import (
    REJECTIONS,
    algo_json,
    answer_lost,
    body,
    entry_failed,
    fail,
    fmt,
    ok,
    order_json,
    position_json,
)


class OkxTrading:
    """Orders, stops and the account. Mixed into `OkxEmulator`."""

    # provided by the other parts (declared for readers and type checkers)
    core: ExchangeCore
    stats: Any
    algo_supported: bool
    _flush: Any
    _levels: Any
    _publish_book: Any
    _take_reject: Any
    _partial_cap: Any
    _land_delay: Any
    _take_lose_answer: Any

    def _init_trading(self) -> None:
        self.position_mode = "net_mode"
        self.order_requests = 0

    # -- helpers -------------------------------------------------------------------

    def _order_json(self, order: Order) -> dict:
        return order_json(order, self.core.leverage[order.symbol])

    def _algo_json(self, stop: Any) -> dict:
        child = self.core.orders.get(stop.order_id) if stop.order_id else None
        return algo_json(stop, self.core.leverage[stop.symbol], child)

    def _rejection(self, reason: Any) -> tuple[str, str]:
        if isinstance(reason, tuple):  # (sCode, sMsg) queued by a test
            return str(reason[0]), str(reason[1])
        return REJECTIONS.get(reason, ("51000", f"Parameter error: {reason}"))

    # -- order entry ---------------------------------------------------------------

    async def _batch_orders(self, request: web.Request) -> web.Response:
        entries = await body(request)
        if isinstance(entries, dict):
            entries = [entries]
        return await self._enter(entries)

    async def _single_order(self, request: web.Request) -> web.Response:
        return await self._enter([await body(request)])

    async def _enter(self, entries: list[dict]) -> web.Response:
        """Each entry is matched on its own; ccxt sends one entry per batch."""
        self.order_requests += 1
        rows, failed, lost = [], 0, False
        for entry in entries:
            row, matched = await self._enter_one(entry)
            failed += row["sCode"] != "0"
            rows.append(row)
            lost = lost or (matched and self._take_lose_answer())
        await self._flush()
        if lost:
            return answer_lost()  # matched and pushed; only the answer is lost
        if failed == len(rows):
            return web.json_response({"code": "1", "msg": "All operations failed", "data": rows})
        return web.json_response({"code": "2" if failed else "0", "msg": "", "data": rows})

    async def _enter_one(self, p: dict) -> tuple[dict, bool]:
        client_id = str(p.get("clOrdId") or "")
        reason = self._take_reject()
        symbol = str(p.get("instId", ""))
        try:
            if reason is not None:
                raise Rejected(reason)
            kind = str(p.get("ordType", ""))
            if kind not in ("market", "limit"):
                raise Rejected(("51000", f"Parameter ordType error: {kind}"))
            if p.get("tdMode") not in ("cross", "isolated"):
                raise Rejected(("51000", "Parameter tdMode error"))
            landing = self._land_delay()
            if landing:
                await asyncio.sleep(landing)  # lookups meanwhile answer 51603
            qty = float(p.get("sz", "0") or 0)
            before = self._levels(symbol) if symbol in self.core.books else None
            cap = None
            if symbol in self.core.instruments:
                cap = self._partial_cap(qty, self.core.instruments[symbol].lot)
            order = self.core.place(
                symbol,
                str(p.get("side", "")),
                kind,
                qty,
                float(p.get("px") or 0) or None,
                client_id or None,
                str(p.get("reduceOnly", "false")).lower() == "true",
                fill_cap=cap,
            )
        except Rejected as rejected:
            self.stats.rejected += 1
            code, msg = self._rejection(rejected.reason)
            return {"clOrdId": client_id, "ordId": "", "sCode": code, "sMsg": msg, "tag": ""}, False
        order.extra.update(tdMode=p.get("tdMode"), tag=p.get("tag", ""))
        self.stats.orders_filled = self.core.orders_filled
        self.stats.partial_fills = self.core.partial_fills
        if before is not None:
            await self._publish_book(symbol, before)
        row = {
            "clOrdId": order.client_id,
            "ordId": str(order.id),
            "sCode": "0",
            "sMsg": "Order placed",
            "tag": order.extra["tag"],
            "ts": str(order.created_ms),
        }
        return row, True

    async def _algo_order(self, request: web.Request) -> web.Response:
        if not self.algo_supported:
            return fail("50038", "This feature is unavailable in demo trading", status=404)
        p = await body(request)
        client_id = str(p.get("algoClOrdId") or p.get("clOrdId") or "")
        try:
            if p.get("ordType") != "conditional" or not p.get("slTriggerPx"):
                raise Rejected(("51000", "Parameter ordType error: only conditional stop-loss"))
            if p.get("slOrdPx", "-1") != "-1":
                raise Rejected(("51000", "Parameter slOrdPx error: market stops only here"))
            landing = self._land_delay()
            if landing:
                await asyncio.sleep(landing)
            stop = self.core.place_stop(
                str(p.get("instId", "")),
                str(p.get("side", "")),
                float(p.get("sz", "0") or 0),
                float(p["slTriggerPx"]),
                client_id or None,
                str(p.get("reduceOnly", "false")).lower() == "true",
            )
        except Rejected as rejected:
            self.stats.rejected += 1
            return entry_failed(*self._rejection(rejected.reason), client_id, algo=True)
        stop.extra.update(tdMode=p.get("tdMode"))
        await self._flush()
        if self._take_lose_answer():
            return answer_lost()
        row = {"algoId": str(stop.id), "algoClOrdId": stop.client_id, "clOrdId": stop.client_id}
        return ok([{**row, "sCode": "0", "sMsg": "Order placed", "tag": ""}])

    # -- lookups and cancels -------------------------------------------------------

    async def _get_order(self, request: web.Request) -> web.Response:
        p = await body(request)
        order = self.core.find(p.get("ordId"), p.get("clOrdId"))
        if order is None or order.symbol != p.get("instId", order.symbol):
            return fail("51603", "Order does not exist")
        return ok([self._order_json(order)])

    async def _cancel_order(self, request: web.Request) -> web.Response:
        p = await body(request)
        row = await self._cancel_one(p)
        await self._flush()
        if row["sCode"] != "0":
            return fail("1", "All operations failed", data=[row])
        return ok([row])

    async def _cancel_batch(self, request: web.Request) -> web.Response:
        entries = await body(request)
        rows = [await self._cancel_one(p) for p in entries]
        await self._flush()
        failed = sum(r["sCode"] != "0" for r in rows)
        code = "0" if not failed else "1" if failed == len(rows) else "2"
        return web.json_response({"code": code, "msg": "", "data": rows})

    async def _cancel_one(self, p: dict) -> dict:
        order = self.core.find(p.get("ordId"), p.get("clOrdId"))
        row = {
            "clOrdId": p.get("clOrdId", ""),
            "ordId": p.get("ordId", ""),
            "sCode": "0",
            "sMsg": "",
        }
        if order is None:
            return {
                **row,
                "sCode": "51400",
                "sMsg": "Order cancellation failed as the order does not exist.",
            }
        row.update(clOrdId=order.client_id, ordId=str(order.id))
        if order.status == "canceled":
            return {
                **row,
                "sCode": "51401",
                "sMsg": "Order cancellation failed as the order is already canceled.",
            }
        if not order.working:
            return {
                **row,
                "sCode": "51402",
                "sMsg": "Order cancellation failed as the order is already completed.",
            }
        self.core.cancel(order)
        return row

    async def _cancel_algos(self, request: web.Request) -> web.Response:
        entries = await body(request)
        rows = []
        for p in entries if isinstance(entries, list) else [entries]:
            stop = self.core.find_stop(p.get("algoId"), p.get("algoClOrdId"))
            if stop is None or stop.status != "live":
                rows.append(
                    {
                        "algoId": p.get("algoId", ""),
                        "sCode": "51400",
                        "sMsg": "Cancellation failed as the order does not exist.",
                    }
                )
                continue
            self.core.cancel_stop(stop)
            rows.append(
                {"algoId": str(stop.id), "algoClOrdId": stop.client_id, "sCode": "0", "sMsg": ""}
            )
        await self._flush()
        if all(r["sCode"] != "0" for r in rows):
            return fail("1", "All operations failed", data=rows)
        return ok(rows)

    async def _get_algo(self, request: web.Request) -> web.Response:
        p = await body(request)
        stop = self.core.find_stop(p.get("algoId"), p.get("algoClOrdId"))
        if stop is None:
            return fail("51603", "Order does not exist")
        return ok([self._algo_json(stop)])

    def _wanted(self, p: dict, symbol: str) -> bool:
        return p.get("instId") in (None, "", symbol)

    async def _orders_pending(self, request: web.Request) -> web.Response:
        p = await body(request)
        kinds = set(p.get("ordType", "market,limit").split(","))
        orders = [
            o for o in self.core.open_orders() if self._wanted(p, o.symbol) and o.kind in kinds
        ]
        return ok([self._order_json(o) for o in reversed(orders)])  # newest first

    async def _orders_history(self, request: web.Request) -> web.Response:
        p = await body(request)
        orders = [
            o for o in self.core.orders.values() if not o.working and self._wanted(p, o.symbol)
        ]
        return ok([self._order_json(o) for o in reversed(orders)])

    async def _algo_pending(self, request: web.Request) -> web.Response:
        p = await body(request)
        if "conditional" not in p.get("ordType", "").split(","):
            return ok([])  # trigger, oco, move_order_stop...: none here
        stops = [s for s in self.core.open_stops() if self._wanted(p, s.symbol)]
        return ok([self._algo_json(s) for s in reversed(stops)])

    async def _algo_history(self, request: web.Request) -> web.Response:
        p = await body(request)
        if "conditional" not in p.get("ordType", "").split(","):
            return ok([])
        wanted_state = p.get("state")
        stops = [
            s
            for s in self.core.stops.values()
            if s.status != "live" and self._wanted(p, s.symbol)
            and wanted_state in (None, self._algo_json(s)["state"])
        ]  # fmt: skip
        return ok([self._algo_json(s) for s in reversed(stops)])

    async def _fills_rest(self, request: web.Request) -> web.Response:
        p = await body(request)
        rows = [
            {
                "instType": "SWAP",
                "instId": f.symbol,
                "tradeId": str(f.trade_id),
                "ordId": str(f.order_id),
                "clOrdId": f.client_id,
                "billId": str(f.trade_id),
                "tag": "",
                "fillPx": fmt(f.price),
                "fillSz": fmt(f.contracts),
                "side": f.side,
                "posSide": "net",
                "execType": "T" if f.liquidity == "taker" else "M",
                "feeCcy": "USDT",
                "fee": fmt(-f.fee),
                "fillPnl": fmt(f.realized_pnl),
                "ts": str(f.time_ms),
                "fillTime": str(f.time_ms),
            }
            for f in self.core.fills
            if self._wanted(p, f.symbol)
        ]
        return ok(list(reversed(rows)))

    # -- account -------------------------------------------------------------------

    def _position_rows(self, wanted: str | None = None) -> list[dict]:
        now = int(time.time() * 1000)
        rows = []
        for symbol, position in self.core.positions.items():
            if wanted not in (None, "", symbol) or abs(position.contracts) < 1e-12:
                continue  # OKX lists no flat net position
            rows.append(
                position_json(
                    self.core.instruments[symbol],
                    position,
                    self.core.leverage[symbol],
                    self.core.margin_mode[symbol],
                    self.core.last_price.get(symbol, 0.0),
                    now,
                )
            )
        return rows

    async def _positions(self, request: web.Request) -> web.Response:
        p = await body(request)
        wanted = set(filter(None, p.get("instId", "").split(",")))
        rows = [r for r in self._position_rows() if not wanted or r["instId"] in wanted]
        return ok(rows)

    def _balance_json(self) -> dict:
        core = self.core
        wallet, used = core.wallet, core.used_margin()
        now = str(int(time.time() * 1000))
        detail = {
            "ccy": "USDT",
            "eq": fmt(wallet),
            "cashBal": fmt(wallet),
            "availBal": fmt(wallet - used),
            "availEq": fmt(wallet - used),
            "frozenBal": fmt(used),
            "ordFrozen": "0",
            "isoEq": fmt(used),
            "upl": "0",
            "eqUsd": fmt(wallet),
            "uTime": now,
        }
        return {"totalEq": fmt(wallet), "adjEq": fmt(wallet), "uTime": now, "details": [detail]}

    async def _balance(self, request: web.Request) -> web.Response:
        return ok([self._balance_json()])

    async def _account_config(self, request: web.Request) -> web.Response:
        return ok(
            [
                {
                    "uid": "44705892343619584",
                    "mainUid": "44705892343619584",
                    "acctLv": "2",
                    "posMode": self.position_mode,
                    "autoLoan": False,
                    "greeksType": "PA",
                    "level": "Lv1",
                    "ctIsoMode": "automatic",
                    "mgnIsoMode": "automatic",
                    "label": "emulator",
                    "perm": "read_only,trade",
                }
            ]
        )

    async def _set_leverage(self, request: web.Request) -> web.Response:
        p = await body(request)
        symbol = p.get("instId", "")
        if symbol not in self.core.instruments:
            return fail("51001", "Instrument ID does not exist.")
        mode = p.get("mgnMode", "")
        if mode not in ("cross", "isolated"):
            return fail("51000", "Parameter mgnMode error")
        lever = int(p.get("lever", "0"))
        if not 1 <= lever <= 100:
            return fail("51000", "Parameter lever error")
        held = self.core.position(symbol).contracts
        if held and mode != self.core.margin_mode[symbol]:
            return fail("59000", "Settings failed. Close positions and cancel orders first.")
        self.core.leverage[symbol] = lever
        self.core.margin_mode[symbol] = mode
        return ok([{"lever": str(lever), "mgnMode": mode, "instId": symbol, "posSide": "net"}])

    async def _leverage_info(self, request: web.Request) -> web.Response:
        p = await body(request)
        rows = [
            {
                "instId": s,
                "mgnMode": self.core.margin_mode[s],
                "posSide": "net",
                "lever": str(self.core.leverage[s]),
            }
            for s in p.get("instId", "").split(",")
            if s in self.core.instruments
        ]
        return ok(rows)

    async def _set_position_mode(self, request: web.Request) -> web.Response:
        p = await body(request)
        mode = p.get("posMode", "")
        if mode not in ("net_mode", "long_short_mode"):
            return fail("51000", "Parameter posMode error")
        self.position_mode = mode
        return ok([{"posMode": mode}])
