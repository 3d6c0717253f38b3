"""A market-data-only exchange on 127.0.0.1 for venues whose trading is checked
elsewhere (tests/conformance): the REST calls ccxt.pro makes to load markets and
snapshot a book, and the venue's public WebSocket (book diffs with its sequence
numbers, trades) in that venue's own frames, for the real ccxt.pro client.

A venue module subclasses `FeedVenue` with its REST routes and its frames:
`on_open(ws)` (a greeting, if the venue sends one), `on_message(ws, msg)` (subscribe
requests: acknowledge them and `subscribe(ws, topic)`), `diff_frames(bids, asks)` and
`trade_frames(price, contracts, taker_sell, trade_id)` (what subscribers of the book
and trade topics get). One book per emulator (BTC), quantities in the venue's
**contracts**; `seq` is the venue's update id, taken with `next_seq()` per frame.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import time
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

Route = tuple[str, str, Callable[[web.Request], Any]]  # method, path regex, answer


def fmt(value: float) -> str:
    """Numbers as venues send them: strings without trailing zeros."""
    return f"{value:.8f}".rstrip("0").rstrip(".")


def now_ms() -> int:
    return int(time.time() * 1000)


class FeedVenue:
    venue = ""
    book_topic = ""  # the topic ccxt's watch_order_book subscribes to
    trade_topic = ""

    def __init__(self) -> None:
        self.port = 0
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.seq = 1_000
        self.trade_ids = itertools.count(1)
        self.topics: dict[web.WebSocketResponse, set[str]] = {}
        self.snapshots_served = 0
        self._runner: web.AppRunner | None = None

    # -- what a venue module provides --------------------------------------------------

    def routes(self) -> list[Route]:
        raise NotImplementedError

    async def on_open(self, ws: web.WebSocketResponse) -> None:
        """Nothing by default: most venues say nothing until asked."""

    async def on_message(self, ws: web.WebSocketResponse, msg: Any) -> None:
        raise NotImplementedError

    def diff_frames(self, bids: list, asks: list) -> list[Any]:
        raise NotImplementedError

    def trade_frames(self, price: float, qty: float, taker_sell: bool, trade_id: int) -> list:
        raise NotImplementedError

    async def send(self, ws: web.WebSocketResponse, frame: Any) -> None:
        if ws.closed:
            return
        with contextlib.suppress(ConnectionError):
            await ws.send_str(json.dumps(frame))

    # -- test-facing -------------------------------------------------------------------

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def seed_book(self, bids: list, asks: list) -> None:
        self.bids, self.asks = dict(bids), dict(asks)

    def book(self, depth: int = 1000) -> tuple[list, list]:
        bids = sorted(self.bids.items(), reverse=True)[:depth]
        return bids, sorted(self.asks.items())[:depth]

    def subscribed(self, topic: str) -> bool:
        return any(topic in topics for topics in self.topics.values())

    async def set_levels(self, bids: list, asks: list) -> None:
        """Change the book (size 0 removes a level) and send the change as one update
        (or one per level where the venue sends so) to the book's subscribers."""
        for side, levels in ((self.bids, bids), (self.asks, asks)):
            for price, size in levels:
                if size:
                    side[price] = size
                else:
                    side.pop(price, None)
        await self.publish(self.book_topic, self.diff_frames(list(bids), list(asks)))

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    async def trade(self, price: float, qty: float, taker_sell: bool) -> None:
        frames = self.trade_frames(price, qty, taker_sell, next(self.trade_ids))
        await self.publish(self.trade_topic, frames)

    async def publish(self, topic: str, frames: list) -> None:
        for ws, topics in list(self.topics.items()):
            if topic in topics:
                for frame in frames:
                    await self.send(ws, frame)

    def subscribe(self, ws: web.WebSocketResponse, topic: str) -> None:
        self.topics.setdefault(ws, set()).add(topic)

    # -- the server --------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self.topics):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._socket(request)
        for method, pattern, answer in self.routes():
            if method == request.method and re.fullmatch(pattern, request.path):
                return web.json_response(answer(request))
        return web.json_response({"error": f"no route {request.method} {request.path}"}, status=404)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.topics[ws] = set()
        try:
            await self.on_open(ws)
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    parsed = json.loads(message.data)
                except ValueError:
                    parsed = message.data  # "ping" as plain text (bitget)
                await self.on_message(ws, parsed)
        finally:
            self.topics.pop(ws, None)
        return ws
