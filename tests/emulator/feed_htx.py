"""HTX USDT-margined swaps' market data (linear-swap-ws; shapes as in ccxt's htx.py
comments): every frame gzip-compressed binary, as HTX sends; `sub` is acknowledged
with `subbed`; `market.BTC-USDT.depth.size_150.high_freq` with `data_type`
incremental sends a `snapshot` tick on subscribe, then `update` ticks whose
`version` grows by one (ccxt applies an update only on version - 1 == its nonce);
`market.BTC-USDT.trade.detail` ticks carry `amount` in contracts (0.001 BTC) and
the taker's `direction`."""

from __future__ import annotations

import contextlib
import gzip
import json
from typing import Any

from aiohttp import web
from emulator.feed_venue import FeedVenue, Route, now_ms

SID = "BTC-USDT"
CONTRACT = {  # GET /linear-swap-api/v1/swap_contract_info, the fields ccxt reads
    "symbol": "BTC",
    "contract_code": SID,
    "contract_size": 0.001,
    "price_tick": 0.1,
    "delivery_date": "",
    "delivery_time": "",
    "create_date": "20201021",
    "contract_status": 1,
    "settlement_date": "1700006400000",
    "support_margin_mode": "all",
    "business_type": "swap",
    "pair": SID,
    "contract_type": "swap",
    "trade_partition": "USDT",
}


def listing(data: list) -> dict:
    return {"status": "ok", "data": data, "ts": now_ms()}


class HtxFeed(FeedVenue):
    venue = "htx"
    book_topic = f"market.{SID}.depth.size_150.high_freq"
    trade_topic = f"market.{SID}.trade.detail"
    contract_size = CONTRACT["contract_size"]

    def routes(self) -> list[Route]:
        return [
            ("GET", r"/v2/reference/currencies", lambda r: {"code": 200, "data": []}),
            ("GET", r"/v1/common/symbols", lambda r: listing([])),
            ("GET", r"/linear-swap-api/v1/swap_contract_info", lambda r: listing([CONTRACT])),
            ("GET", r"/swap-api/v1/swap_contract_info", lambda r: listing([])),
            ("GET", r"/api/v1/contract_contract_info", lambda r: listing([])),
        ]

    async def send(self, ws: web.WebSocketResponse, frame: Any) -> None:
        if ws.closed:
            return
        with contextlib.suppress(ConnectionError):
            await ws.send_bytes(gzip.compress(json.dumps(frame).encode()))

    async def on_message(self, ws: web.WebSocketResponse, msg: Any) -> None:
        if not isinstance(msg, dict):
            return
        if "pong" in msg:
            return
        topic = msg.get("sub")
        if topic is None:
            return
        if topic not in (self.book_topic, self.trade_topic):
            await self.send(ws, {"id": msg.get("id"), "status": "error", "err-code": "bad-request",
                                 "err-msg": f"invalid topic {topic}", "ts": now_ms()})  # fmt: skip
            return
        self.subscribe(ws, topic)
        await self.send(ws, {"id": msg.get("id"), "status": "ok", "subbed": topic, "ts": now_ms()})
        if topic == self.book_topic:
            bids, asks = self.book(150)
            await self.send(ws, self._tick("snapshot", bids, asks))

    def _tick(self, event: str, bids: list, asks: list) -> dict:
        now = now_ms()
        version = self.next_seq()
        tick = {
            "asks": [[p, q] for p, q in asks],
            "bids": [[p, q] for p, q in bids],
            "ch": self.book_topic,
            "event": event,
            "id": version,
            "mrid": version,
            "ts": now,
            "version": version,
        }
        return {"ch": self.book_topic, "ts": now, "tick": tick}

    def diff_frames(self, bids: list, asks: list) -> list[Any]:
        return [self._tick("update", bids, asks)]

    def trade_frames(self, price: float, qty: float, taker_sell: bool, trade_id: int) -> list:
        now = now_ms()
        row = {
            "amount": qty,
            "quantity": qty * self.contract_size,
            "trade_turnover": qty * self.contract_size * price,
            "ts": now,
            "id": trade_id * 10_000,
            "price": price,
            "direction": "sell" if taker_sell else "buy",
        }
        tick = {"id": trade_id, "ts": now, "data": [row]}
        return [{"ch": self.trade_topic, "ts": now, "tick": tick}]
