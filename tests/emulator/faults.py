"""Faults of the emulator, each off by default and bounded (a count, a duration or a
probability below 1), and the counters a fault run reports.

REST faults run in one aiohttp middleware, before the endpoint: HTTP 429 (-1003) per
request kind, a 429 storm from the first request, chaos 429s and slow answers. Order
faults run inside order entry: rejections, partial fills, a landing delay (the order
does not exist yet, lookups answer -2013) and a lost answer (matched at the venue, but
the client gets 503 -1007). Stream faults: chaos drops a WebSocket instead of sending a
frame, or skips depth ids (a gap)."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from aiohttp import web
from emulator.wire import rate_limited, send

# (method, path) -> request kind; the algo endpoints are one kind, "algo"
ROUTE_KINDS = {
    ("POST", "/fapi/v1/order"): "order_create",
    ("GET", "/fapi/v1/order"): "order_query",
    ("DELETE", "/fapi/v1/order"): "order_cancel",
    ("DELETE", "/fapi/v1/allOpenOrders"): "cancel_all",
    ("GET", "/fapi/v1/openOrders"): "open_orders",
    ("GET", "/fapi/v2/positionRisk"): "position_risk",
    ("GET", "/fapi/v3/positionRisk"): "position_risk",
    ("GET", "/fapi/v1/exchangeInfo"): "exchange_info",
    ("GET", "/fapi/v1/klines"): "klines",
    ("GET", "/fapi/v1/depth"): "depth",
    ("POST", "/fapi/v1/leverage"): "leverage",
    ("POST", "/fapi/v1/marginType"): "margin_type",
    ("POST", "/fapi/v1/listenKey"): "listen_key",
    ("PUT", "/fapi/v1/listenKey"): "listen_key",
    ("GET", "/fapi/v1/leverageBracket"): "leverage_bracket",
    ("GET", "/fapi/v1/positionSide/dual"): "position_mode",
    ("GET", "/fapi/v1/time"): "time",
    ("GET", "/fapi/v1/ticker/24hr"): "ticker",
    ("GET", "/fapi/v1/ticker/bookTicker"): "ticker",
}
ALGO_PATHS = (
    "/fapi/v1/algoOrder",
    "/fapi/v1/openAlgoOrders",
    "/fapi/v1/allAlgoOrders",
    "/fapi/v1/algoOpenOrders",
)
KINDS = frozenset(ROUTE_KINDS.values()) | {"algo", "other", "any"}


def request_kind(method: str, path: str) -> str:
    """The fault/counter kind of a request; "ws" for WebSocket upgrades (no REST faults)."""
    if path == "/ws" or "/ws/" in path or path.endswith("/ws"):
        return "ws"
    if path in ALGO_PATHS:
        return "algo"
    return ROUTE_KINDS.get((method, path), "other")


@dataclass
class EmulatorStats:
    """What happened at the venue, for a report. `requests` counts by request kind."""

    requests: Counter[str] = field(default_factory=Counter)
    throttled: int = 0  # HTTP 429s sent
    rejected: int = 0  # order entries refused with an error code
    partial_fills: int = 0  # fills that left an order partially filled
    orders_filled: int = 0  # orders that reached FILLED
    stops_triggered: int = 0
    answers_lost: int = 0  # matched at the venue, answered 503 -1007
    land_delayed: int = 0
    slowed: int = 0
    ws_dropped: int = 0
    gaps: int = 0


@dataclass(frozen=True)
class Chaos:
    """Per request / frame probabilities of `BinanceUsdmEmulator.chaos`."""

    p_429: float = 0.0
    p_slow: float = 0.0
    slow_s: float = 0.2
    p_drop_ws: float = 0.0
    p_gap: float = 0.0
    p_reject: float = 0.0
    p_partial: float = 0.0
    p_land_delay: float = 0.0
    land_s: float = 0.2
    p_lose_answer: float = 0.0


class Faults:
    """Fault switches and counters. Mixed into `BinanceUsdmEmulator`."""

    # provided by the other mixins (declared for readers and type checkers)
    algo_supported: bool
    order_requests: int

    def _init_faults(self) -> None:
        self.stats = EmulatorStats()
        self.reject_next: list[tuple[int, str]] = []  # (code, msg) for the next orders
        self.partial_next: list[float] = []  # fraction filled at once of the next orders
        # a new order (or stop) is held this long before it exists at the venue
        self.land_delay_s = 0.0
        # the next order entries are matched (and pushed) but answered 503 -1007
        self.lose_answer_next = 0
        self.on_order_request: Callable[[], None] | None = None  # timing hook (benchmarks)
        self._rate_limits: Counter[str] = Counter()
        self._storm_requests = 0
        self._storm_s = 0.0
        self._storm_until: float | None = None
        self._chaos: Chaos | None = None
        self._rng = random.Random(0)

    # -- switches ------------------------------------------------------------------

    def rate_limit(self, kind: str, count: int) -> None:
        """Answer the next `count` requests of `kind` (see KINDS; "any" = every REST
        request) with HTTP 429 -1003."""
        if kind not in KINDS:
            raise ValueError(f"unknown request kind {kind!r}; one of {sorted(KINDS)}")
        self._rate_limits[kind] += count

    def storm_429(self, requests: int = 0, seconds: float = 0.0) -> None:
        """Every REST request answers 429: the next `requests` of them, and/or all of
        them for `seconds` counted from the first request that arrives."""
        self._storm_requests = requests
        self._storm_s = seconds
        self._storm_until = None

    def chaos(self, seed: int = 0, **probabilities: float) -> None:
        """Seeded random faults per request and frame until `calm()`; see `Chaos` for the
        names (p_429, p_slow + slow_s, p_drop_ws, p_gap, p_reject, p_partial,
        p_land_delay + land_s, p_lose_answer). The same seed and the same sequence of
        requests and frames draw the same faults."""
        chaos = Chaos(**probabilities)
        for name, value in asdict(chaos).items():
            if name.startswith("p_") and not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be in [0, 1): faults stay bounded")
        self._chaos = chaos
        self._rng = random.Random(seed)

    def calm(self) -> None:
        """End chaos, a storm and pending per-kind 429s (queued rejections, partial
        fills and lost answers stay: they were asked for one by one)."""
        self._chaos = None
        self._rate_limits.clear()
        self._storm_requests = 0
        self._storm_s = 0.0
        self._storm_until = None

    def report(self) -> dict[str, Any]:
        """The counters as plain data."""
        report = asdict(self.stats)
        report["requests"] = dict(self.stats.requests)
        return report

    # -- REST middleware -----------------------------------------------------------

    async def _rest_faults(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[Any]]
    ) -> Any:
        kind = request_kind(request.method, request.path)
        if kind == "ws":
            return await handler(request)
        self.stats.requests[kind] += 1
        if kind == "order_create":
            self.order_requests += 1
            if self.on_order_request is not None:
                self.on_order_request()
        if kind == "algo" and not self.algo_supported:
            return web.Response(status=404, text="404: Not Found")
        if self._storming() or self._take_rate_limit(kind) or self._chance("p_429"):
            self.stats.throttled += 1
            return rate_limited()
        if self._chance("p_slow"):
            self.stats.slowed += 1
            await asyncio.sleep(self._chaos.slow_s if self._chaos else 0.0)
        return await handler(request)

    def _storming(self) -> bool:
        if self._storm_requests > 0:
            self._storm_requests -= 1
            return True
        if self._storm_s > 0:
            now = time.monotonic()
            if self._storm_until is None:
                self._storm_until = now + self._storm_s  # the first request starts it
            if now < self._storm_until:
                return True
            self._storm_s, self._storm_until = 0.0, None
        return False

    def _take_rate_limit(self, kind: str) -> bool:
        for key in (kind, "any"):
            if self._rate_limits[key] > 0:
                self._rate_limits[key] -= 1
                return True
        return False

    def _chance(self, name: str) -> bool:
        """One seeded draw, only while chaos is on and the probability is not 0."""
        p = getattr(self._chaos, name, 0.0) if self._chaos else 0.0
        return p > 0 and self._rng.random() < p

    # -- order faults (called by order entry) --------------------------------------

    def _take_reject(self) -> tuple[int, str] | None:
        if self.reject_next:
            return self.reject_next.pop(0)
        if self._chance("p_reject"):
            return (-2019, "Margin is insufficient.")
        return None

    def _partial_cap(self, qty: float, step: float) -> float:
        """How much of a new order the book may fill at entry (the rest rests or
        expires). A fraction from `partial_next` applies exactly, as the test asked;
        a chaos fraction is floored to the lot step, as a venue fills whole steps."""
        if self.partial_next:
            return qty * self.partial_next.pop(0)
        if self._chance("p_partial"):
            return math.floor(qty * self._rng.uniform(0.2, 0.8) / step + 1e-9) * step
        return qty

    def _land_delay(self) -> float:
        delay = self.land_delay_s
        if not delay and self._chance("p_land_delay"):
            delay = self._chaos.land_s if self._chaos else 0.0
        if delay:
            self.stats.land_delayed += 1
        return delay

    def _take_lose_answer(self) -> bool:
        lost = False
        if self.lose_answer_next > 0:
            self.lose_answer_next -= 1
            lost = True
        elif self._chance("p_lose_answer"):
            lost = True
        if lost:
            self.stats.answers_lost += 1
        return lost

    # -- stream faults -------------------------------------------------------------

    def _chaos_gap(self) -> bool:
        if self._chance("p_gap"):
            self.stats.gaps += 1
            return True
        return False

    async def _deliver(self, ws: web.WebSocketResponse, text: str) -> None:
        """Send a frame, or (chaos) drop the connection instead: the frame is lost."""
        if not ws.closed and self._chance("p_drop_ws"):
            self.stats.ws_dropped += 1
            await ws.close()
            return
        await send(ws, text)
