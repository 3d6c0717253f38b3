"""WebSocket side of the Bybit emulator: `/v5/public/linear` (orderbook.<depth>.<symbol>,
publicTrade.<symbol>) and `/v5/private` (auth, then order, execution, position, wallet).

Bybit's session rules kept here: every op is answered `{"success", "ret_msg", "conn_id",
"req_id", "op"}`; a subscribe naming a topic this connection already has is refused
whole (`error:already subscribed,topic:...`), so a client resubscribing a live topic
must unsubscribe first; an unsubscribe of a topic the connection does not have is
refused too (an emulator choice: it makes a wrong topic name visible); private topics
need a successful `auth` first. A book subscription gets its snapshot after the ack.

Pushes follow the core's events: every change of an order (a conditional order says
`Triggered` before its fill), each fill on `execution` (execQty, execPrice, execFee),
then the positions touched and the wallet."""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from typing import Any

from aiohttp import WSMsgType, web
from emulator.bybit_market import BOOK_DEPTHS
from emulator.bybit_wire import execution_record, order_record, position_record, wallet_record
from emulator.core import ExchangeCore, Order, Stop

PRIVATE_TOPICS = ("order", "execution", "position", "wallet")


class BybitStreams:
    """Mixed into `BybitEmulator`."""

    core: ExchangeCore
    stats: Any
    _chaos_drop_ws: Any
    book_snapshot: Any
    unrealised: Any
    _mark: Any

    def _init_streams(self) -> None:
        self._sockets: set[web.WebSocketResponse] = set()
        self._topics: dict[web.WebSocketResponse, set[str]] = {}
        self._authed: set[web.WebSocketResponse] = set()
        self._conn_ids = itertools.count(1)
        self._fills_pushed = 0
        self._triggered_shown: set[int] = set()  # stops whose "Triggered" was pushed
        self._last_pushed: dict[int, tuple[str, str]] = {}  # id -> (status, cumExecQty)
        self._frame_ids = itertools.count(1)
        self.subscribe_count = 0
        self.subscribes_refused = 0

    # -- test-facing ---------------------------------------------------------------

    def subscribed(self, topic: str) -> bool:
        return any(topic in topics for topics in self._topics.values())

    @property
    def _user_sockets(self) -> set[web.WebSocketResponse]:
        """Authenticated private sockets (the Binance emulator's name for them)."""
        return set(self._authed)

    async def drop_connections(self) -> None:
        """Close every WebSocket (public and private); REST keeps answering."""
        for ws in list(self._sockets):
            await ws.close()

    # -- sessions ------------------------------------------------------------------

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        private = request.path.startswith("/v5/private")
        conn_id = f"emu-conn-{next(self._conn_ids)}"
        self._sockets.add(ws)
        self._topics[ws] = set()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                body = json.loads(msg.data)
                answer = {
                    "conn_id": conn_id,
                    "req_id": body.get("req_id", ""),
                    "op": body.get("op"),
                }
                await self._op(ws, body, answer, private)
        finally:
            self._sockets.discard(ws)
            self._topics.pop(ws, None)
            self._authed.discard(ws)
        return ws

    async def _op(self, ws: web.WebSocketResponse, body: dict, answer: dict, private: bool) -> None:
        op = body.get("op")
        if op == "ping":
            if private:
                reply = {**answer, "op": "pong", "args": [str(int(time.time() * 1000))]}
            else:
                reply = {**answer, "success": True, "ret_msg": "pong"}
            await self._send(ws, reply)
        elif op == "auth" and private:
            self._authed.add(ws)  # any key and signature: the emulator has one user
            await self._send(ws, {**answer, "success": True, "ret_msg": "", "req_id": ""})
        elif op == "subscribe":
            await self._subscribe(ws, body.get("args", []), answer, private)
        elif op == "unsubscribe":
            topics = self._topics.get(ws, set())
            missing = [t for t in body.get("args", []) if t not in topics]
            if missing:
                await self._refuse(ws, answer, f"error:not subscribed,topic:{missing[0]}")
                return
            topics.difference_update(body.get("args", []))
            await self._send(ws, {**answer, "success": True, "ret_msg": ""})
        else:
            await self._refuse(ws, answer, f"error:unknown op {op}")

    async def _subscribe(
        self, ws: web.WebSocketResponse, args: list[str], answer: dict, private: bool
    ) -> None:
        topics = self._topics.setdefault(ws, set())
        if private and ws not in self._authed:
            await self._refuse(ws, answer, "Request not authorized")
            return
        for topic in args:
            if topic in topics:
                await self._refuse(ws, answer, f"error:already subscribed,topic:{topic}")
                return
            if not self._known(topic, private):
                await self._refuse(ws, answer, f"error:handler not found,topic:{topic}")
                return
        self.subscribe_count += 1
        topics.update(args)
        await self._send(ws, {**answer, "success": True, "ret_msg": "subscribe"})
        for topic in args:
            if topic.startswith("orderbook."):
                _, depth, sid = topic.split(".")
                await self._send(ws, self.book_snapshot(sid, int(depth)))

    def _known(self, topic: str, private: bool) -> bool:
        if private:
            return topic in PRIVATE_TOPICS
        parts = topic.split(".")
        if parts[0] == "orderbook" and len(parts) == 3:
            return (
                parts[1].isdigit()
                and int(parts[1]) in BOOK_DEPTHS
                and parts[2] in self.core.instruments
            )
        return parts[0] == "publicTrade" and len(parts) == 2 and parts[1] in self.core.instruments

    async def _refuse(self, ws: web.WebSocketResponse, answer: dict, msg: str) -> None:
        self.subscribes_refused += 1
        await self._send(ws, {**answer, "success": False, "ret_msg": msg})

    async def _send(self, ws: web.WebSocketResponse, payload: dict) -> None:
        """A client that vanished (killed, say) costs the exchange nothing."""
        if ws.closed:
            return
        with contextlib.suppress(ConnectionError):
            await ws.send_str(json.dumps(payload))

    async def _publish(self, topic: str, frame: dict) -> None:
        """A frame to every socket subscribed to `topic`; chaos may drop the socket
        instead (the frame is lost with it)."""
        for ws, topics in list(self._topics.items()):
            if topic not in topics:
                continue
            if not ws.closed and self._chaos_drop_ws():
                await ws.close()
                continue
            await self._send(ws, frame)

    # -- private pushes ------------------------------------------------------------

    async def _after_core(self) -> None:
        """Push what the core changed since the last call, in Bybit's private topics."""
        orders: list[dict] = []
        symbols: list[str] = []
        for kind, item in self.core.take_events():
            if kind == "position":
                if item not in symbols:
                    symbols.append(item)
                continue
            orders.extend(self._order_rows(item))
        fills = self.core.fills[self._fills_pushed :]
        self._fills_pushed = len(self.core.fills)
        if orders:
            await self._push("order", orders)
        if fills:
            rows = [execution_record(self.core, f, f.trade_id) for f in fills]
            await self._push("execution", rows)
        if symbols:
            rows = [position_record(self.core, s, self._mark(s)) for s in symbols]
            await self._push("position", rows)
        if fills or symbols:
            await self._push("wallet", [wallet_record(self.core, self.unrealised())])

    def _order_rows(self, item: Order | Stop) -> list[dict]:
        """The record(s) an order event shows; a stop's order shows as the stop, and a
        fired stop says Triggered first. Records equal to the last one pushed are left
        out (the core may report one change twice)."""
        rows: list[dict] = []
        if isinstance(item, Order) and item.stop_id is not None:
            item = self.core.stops[item.stop_id]
        fired = isinstance(item, Stop) and item.order_id is not None
        if fired and item.id not in self._triggered_shown:
            self._triggered_shown.add(item.id)
            triggered = order_record(self.core, item)
            zero = {"cumExecQty": "0", "cumExecValue": "0", "cumExecFee": "0", "avgPrice": ""}
            triggered.update(orderStatus="Triggered", leavesQty=triggered["qty"], **zero)
            rows.append(triggered)
        record = order_record(self.core, item)
        key = (record["orderStatus"], record["cumExecQty"])
        if self._last_pushed.get(item.id) != key:
            self._last_pushed[item.id] = key
            rows.append(record)
        return rows

    async def _push(self, topic: str, data: list[dict]) -> None:
        now = int(time.time() * 1000)
        frame = {
            "id": f"emu-{next(self._frame_ids)}",
            "topic": topic,
            "creationTime": now,
            "data": data,
        }
        for ws in list(self._authed):
            if topic in self._topics.get(ws, set()):
                if not ws.closed and self._chaos_drop_ws():
                    await ws.close()
                    continue
                await self._send(ws, frame)
