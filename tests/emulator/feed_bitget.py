"""Bitget USDT-M perpetuals' market data (v2 public WebSocket; shapes as in ccxt's
bitget.py comments): the `books` channel sends a `snapshot` on subscribe, then
`update`s with a `seq` and a CRC32 `checksum` of the top 25 levels as sent
(`bidPx:bidSz:askPx:askSz:...`; ccxt verifies it); the `trade` channel; "ping" is
answered "pong". Sizes are base units (a USDT-M contract is one coin)."""

from __future__ import annotations

import zlib
from typing import Any

from aiohttp import web
from emulator.feed_venue import FeedVenue, Route, fmt, now_ms

SID = "BTCUSDT"
ARG = {"instType": "USDT-FUTURES", "instId": SID}
CONTRACT = {  # GET /api/v2/mix/market/contracts, the fields ccxt reads
    "symbol": SID,
    "baseCoin": "BTC",
    "quoteCoin": "USDT",
    "makerFeeRate": "0.0002",
    "takerFeeRate": "0.0006",
    "supportMarginCoins": ["USDT"],
    "minTradeNum": "0.001",
    "priceEndStep": "1",
    "volumePlace": "3",
    "pricePlace": "1",
    "sizeMultiplier": "0.001",
    "symbolType": "perpetual",
    "minTradeUSDT": "5",
    "symbolStatus": "normal",
    "minLever": "1",
    "maxLever": "125",
}


def ok(data: Any) -> dict:
    return {"code": "00000", "msg": "success", "requestTime": now_ms(), "data": data}


def checksum(bids: list, asks: list) -> int:
    parts: list[str] = []
    for i in range(25):
        if i < len(bids):
            parts += [fmt(bids[i][0]), fmt(bids[i][1])]
        if i < len(asks):
            parts += [fmt(asks[i][0]), fmt(asks[i][1])]
    crc = zlib.crc32(":".join(parts).encode())
    return crc - (1 << 32) if crc >= (1 << 31) else crc


class BitgetFeed(FeedVenue):
    venue = "bitget"
    book_topic = "books"
    trade_topic = "trade"
    contract_size = 1.0

    def routes(self) -> list[Route]:
        return [
            ("GET", r"/api/v2/spot/public/coins", lambda r: ok([])),
            (
                "GET",
                r"/api/v2/mix/market/contracts",
                lambda r: ok([CONTRACT] if r.query.get("productType") == "USDT-FUTURES" else []),
            ),
        ]

    async def on_message(self, ws: web.WebSocketResponse, msg: Any) -> None:
        if msg == "ping":
            await ws.send_str("pong")
            return
        if not isinstance(msg, dict) or msg.get("op") != "subscribe":
            return
        for arg in msg.get("args") or []:
            channel = arg.get("channel")
            if arg.get("instId") != SID or channel not in (self.book_topic, self.trade_topic):
                refusal = f"instType:USDT-FUTURES,channel:{channel} doesn't exist"
                await self.send(ws, {"event": "error", "arg": arg, "code": 30001, "msg": refusal})
                continue
            self.subscribe(ws, channel)
            await self.send(ws, {"event": "subscribe", "arg": arg})
            if channel == self.book_topic:
                bids, asks = self.book()
                await self.send(ws, self._book_frame("snapshot", bids, asks))

    def _book_frame(self, action: str, bids: list, asks: list) -> dict:
        now = now_ms()
        top_bids, top_asks = self.book(25)
        data = {
            "asks": [[fmt(p), fmt(q)] for p, q in asks],
            "bids": [[fmt(p), fmt(q)] for p, q in bids],
            "checksum": checksum(top_bids, top_asks),
            "seq": self.next_seq(),
            "ts": str(now),
        }
        return {"action": action, "arg": {**ARG, "channel": self.book_topic},
                "data": [data], "ts": now}  # fmt: skip

    def diff_frames(self, bids: list, asks: list) -> list[Any]:
        return [self._book_frame("update", bids, asks)]

    def trade_frames(self, price: float, qty: float, taker_sell: bool, trade_id: int) -> list:
        now = now_ms()
        row = {
            "ts": str(now),
            "price": fmt(price),
            "size": fmt(qty),
            "side": "sell" if taker_sell else "buy",
            "tradeId": str(trade_id),
        }
        return [{"action": "update", "arg": {**ARG, "channel": self.trade_topic},
                 "data": [row], "ts": now}]  # fmt: skip
