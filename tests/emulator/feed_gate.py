"""Gate USDT perpetuals' market data (APIv4 futures; shapes as in ccxt's gate.py
comments): `futures.order_book_update` diffs carrying `U`/`u` (first and last
update id), sizes as integer contracts of 0.0001 BTC, the REST snapshot
`futures/usdt/order_book?with_id=true` whose `id` the diffs continue, and
`futures.trades` with a signed size (negative: the taker sold)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from emulator.feed_venue import FeedVenue, Route, fmt, now_ms

SID = "BTC_USDT"
CONTRACT = {  # GET /futures/usdt/contracts, the fields ccxt reads
    "name": SID,
    "type": "direct",
    "quanto_multiplier": "0.0001",
    "order_price_round": "0.1",
    "mark_price_round": "0.01",
    "order_size_min": 1,
    "order_size_max": 1000000,
    "leverage_min": "1",
    "leverage_max": "125",
    "maker_fee_rate": "-0.0001",
    "taker_fee_rate": "0.00075",
    "order_price_deviate": "0.5",
    "mark_price": "60000",
    "in_delisting": False,
}


class GateFeed(FeedVenue):
    venue = "gate"
    book_topic = "futures.order_book_update"
    trade_topic = "futures.trades"
    contract_size = float(CONTRACT["quanto_multiplier"])

    def routes(self) -> list[Route]:
        return [
            ("GET", r"/api/v4/spot/currencies", lambda r: []),
            ("GET", r"/api/v4/futures/usdt/contracts", lambda r: [CONTRACT]),
            ("GET", r"/api/v4/futures/btc/contracts", lambda r: []),
            ("GET", r"/api/v4/futures/usdt/order_book", self._order_book),
        ]

    def _order_book(self, request: web.Request) -> dict:
        limit = int(request.query.get("limit", "10"))
        bids, asks = self.book(limit)
        self.snapshots_served += 1
        now = now_ms() / 1000
        answer: dict[str, Any] = {"current": now, "update": now}
        if request.query.get("with_id") == "true":
            answer["id"] = self.seq
        answer["asks"] = [{"p": fmt(p), "s": int(q)} for p, q in asks]
        answer["bids"] = [{"p": fmt(p), "s": int(q)} for p, q in bids]
        return answer

    async def on_message(self, ws: web.WebSocketResponse, msg: Any) -> None:
        if not isinstance(msg, dict):
            return
        channel, event = msg.get("channel"), msg.get("event")
        now = now_ms()
        if channel == "futures.ping":
            await self.send(ws, {"time": now // 1000, "channel": "futures.pong", "event": ""})
            return
        if event != "subscribe" or channel not in (self.book_topic, self.trade_topic):
            return
        self.subscribe(ws, channel)
        await self.send(
            ws,
            {
                "time": now // 1000,
                "time_ms": now,
                "id": msg.get("id"),
                "channel": channel,
                "event": "subscribe",
                "payload": msg.get("payload"),
                "result": {"status": "success"},
            },
        )

    def diff_frames(self, bids: list, asks: list) -> list[Any]:
        u = self.next_seq()
        now = now_ms()
        result = {
            "t": now,
            "s": SID,
            "U": u,
            "u": u,
            "b": [{"p": fmt(p), "s": int(q)} for p, q in bids],
            "a": [{"p": fmt(p), "s": int(q)} for p, q in asks],
        }
        return [{"time": now // 1000, "time_ms": now, "channel": self.book_topic,
                 "event": "update", "result": result}]  # fmt: skip

    def trade_frames(self, price: float, qty: float, taker_sell: bool, trade_id: int) -> list:
        now = now_ms()
        row = {
            "size": -int(qty) if taker_sell else int(qty),
            "id": trade_id,
            "create_time": now // 1000,
            "create_time_ms": now,
            "price": fmt(price),
            "contract": SID,
        }
        return [{"time": now // 1000, "time_ms": now, "channel": self.trade_topic,
                 "event": "update", "result": [row]}]  # fmt: skip
