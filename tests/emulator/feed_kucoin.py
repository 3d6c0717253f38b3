"""KuCoin Futures' market data (shapes as in ccxt's kucoin.py comments): a socket
address and token from `POST /api/v1/bullet-public`, a `welcome` on connect,
subscriptions acknowledged with `ack`; `/contractMarket/level2:<id>` sends one
`change` ("price,side,size", size in contracts of 0.001 BTC) per message with a
`sequence` +1 each, the book starting from `GET /api/v1/level2/snapshot` (whose
`sequence` the changes continue; ccxt fetches it after five changes);
`/contractMarket/execution:<id>` sends `match` trades (the taker's `side`)."""

from __future__ import annotations

import itertools
import time
from typing import Any

from aiohttp import web
from emulator.feed_venue import FeedVenue, Route, fmt, now_ms

SID = "XBTUSDTM"
CONTRACT = {  # GET /api/v1/contracts/active, the fields ccxt reads
    "symbol": SID,
    "rootSymbol": "USDT",
    "type": "FFWCSX",
    "baseCurrency": "XBT",
    "quoteCurrency": "USDT",
    "settleCurrency": "USDT",
    "maxOrderQty": 1000000,
    "maxPrice": 1000000.0,
    "lotSize": 1,
    "tickSize": 0.1,
    "multiplier": 0.001,
    "isInverse": False,
    "status": "Open",
    "makerFeeRate": 0.0002,
    "takerFeeRate": 0.0006,
    "nextFundingRateTime": 20286069,
    "maxLeverage": 125,
}


def ok(data: Any) -> dict:
    return {"code": "200000", "data": data}


class KucoinFuturesFeed(FeedVenue):
    venue = "kucoinfutures"
    book_topic = f"/contractMarket/level2:{SID}"
    trade_topic = f"/contractMarket/execution:{SID}"
    contract_size = CONTRACT["multiplier"]

    def __init__(self) -> None:
        super().__init__()
        self._connections = itertools.count(1)

    def routes(self) -> list[Route]:
        return [
            ("GET", r"/api/v3/currencies", lambda r: ok([])),
            ("GET", r"/api/v1/contracts/active", lambda r: ok([CONTRACT])),
            ("POST", r"/api/v1/bullet-public", self._bullet),
            ("GET", r"/api/v1/level2/snapshot", self._snapshot),
        ]

    def _bullet(self, request: web.Request) -> dict:
        server = {
            "endpoint": f"{self.ws_url}/endpoint",
            "protocol": "websocket",
            "encrypt": False,
            "pingInterval": 18000,
            "pingTimeout": 10000,
        }
        return ok({"token": "emulator-public-token", "instanceServers": [server]})

    def _snapshot(self, request: web.Request) -> dict:
        bids, asks = self.book()
        self.snapshots_served += 1
        return ok(
            {
                "symbol": SID,
                "sequence": self.seq,
                "asks": [[p, q] for p, q in asks],
                "bids": [[p, q] for p, q in bids],
                "ts": time.time_ns(),
            }
        )

    async def on_open(self, ws: web.WebSocketResponse) -> None:
        await self.send(ws, {"id": f"emu-{next(self._connections)}", "type": "welcome"})

    async def on_message(self, ws: web.WebSocketResponse, msg: Any) -> None:
        if not isinstance(msg, dict):
            return
        if msg.get("type") == "ping":
            await self.send(ws, {"id": msg.get("id"), "type": "pong", "timestamp": now_ms() * 1000})
            return
        topic = msg.get("topic")
        if msg.get("type") != "subscribe" or topic not in (self.book_topic, self.trade_topic):
            return
        self.subscribe(ws, topic)
        if msg.get("response"):
            await self.send(ws, {"id": msg.get("id"), "type": "ack"})

    def diff_frames(self, bids: list, asks: list) -> list[Any]:
        frames = []
        for side, levels in (("buy", bids), ("sell", asks)):
            for price, size in levels:
                data = {
                    "sequence": self.next_seq(),
                    "change": f"{fmt(price)},{side},{fmt(size)}",
                    "timestamp": now_ms(),
                }
                frames.append({"type": "message", "topic": self.book_topic,
                               "subject": "level2", "data": data})  # fmt: skip
        return frames

    def trade_frames(self, price: float, qty: float, taker_sell: bool, trade_id: int) -> list:
        data = {
            "symbol": SID,
            "sequence": trade_id,
            "side": "sell" if taker_sell else "buy",
            "size": int(qty),
            "price": fmt(price),
            "takerOrderId": f"taker-{trade_id}",
            "makerOrderId": f"maker-{trade_id}",
            "tradeId": f"emu-trade-{trade_id}",
            "ts": time.time_ns(),
        }
        return [{"type": "message", "topic": self.trade_topic, "subject": "match", "data": data}]
