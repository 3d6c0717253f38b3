"""A real ccxt.pro client of a venue whose HTTP transport is a recorder: every request
ccxt would send is kept (method, path, query, body) and answered from the venue's
documented response shapes, through ccxt's own error handling (handle_errors), so
the tests see exactly what our code makes ccxt send and what it makes of the answers.
No network: nothing leaves the process."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from scalp_tui.engine.orders import Order
from scalp_tui.engine.protocol import OrderStatus, OrderType, Side
from scalp_tui.venue import make_exchange

BTC = "BTC/USDT:USDT"
TAG = "abcd1234"


@dataclass
class Request:
    method: str
    url: str
    path: str
    query: dict[str, str]
    body: Any  # parsed JSON, form fields, or None
    headers: dict[str, str]

    @property
    def params(self) -> dict[str, Any]:
        """Query and body together (venues put the same fields in either)."""
        body = self.body if isinstance(self.body, dict) else {}
        return {**self.query, **body}


Answer = Callable[[Request], Any]  # a payload, or (status, payload)


@dataclass
class Recorder:
    exchange: Any
    routes: list[tuple[str, str, Answer]]
    requests: list[Request] = field(default_factory=list)
    unknown: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.exchange.fetch = self.fetch

    async def fetch(self, url: str, method: str = "GET", headers: Any = None, body: Any = None):
        parts = urlsplit(url)
        request = Request(
            method, url, parts.path, dict(parse_qsl(parts.query)), _body(body), headers or {}
        )
        self.requests.append(request)
        status, payload = 404, {"error": "no route"}
        for verb, pattern, answer in self.routes:
            if verb == method and re.fullmatch(pattern, parts.path):
                result = answer(request)
                status, payload = result if isinstance(result, tuple) else (200, result)
                break
        else:
            self.unknown.append(request)
        text = json.dumps(payload)
        parsed = self.exchange.parse_json(text)
        # what ccxt's own fetch does with an answer: the venue's error codes first
        self.exchange.handle_errors(status, "", url, method, {}, text, parsed, headers, body)
        self.exchange.handle_http_status_code(status, "", url, method, text)
        return parsed

    def sent(self, method: str, pattern: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    def last(self, method: str, pattern: str) -> Request:
        found = self.sent(method, pattern)
        assert found, f"no {method} {pattern} among {[(r.method, r.path) for r in self.requests]}"
        return found[-1]

    def clear(self) -> None:
        self.requests.clear()


def _body(body: Any) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        return dict(parse_qsl(body))


def client(venue: str, routes: list[tuple[str, str, Answer]]) -> tuple[Any, Recorder]:
    """The client the console builds (make_exchange, keys set), answered by `routes`."""
    exchange = make_exchange(venue, api_key="key", secret="secret", password="pass")
    exchange.enableRateLimit = False
    exchange.options["fetchCurrencies"] = False  # currencies are no order's business
    return exchange, Recorder(exchange, routes)


class Listener:
    """What the broker reports to the engine."""

    def __init__(self) -> None:
        self.statuses: list[tuple[int, OrderStatus, str]] = []
        self.fills: list[tuple[int, float, float, float]] = []  # id, price, qty, fee
        self.errors: list[str] = []

    def on_order_status(self, order_id: int, status: OrderStatus, reason: str = "") -> None:
        self.statuses.append((order_id, status, reason))

    def on_fill(
        self, order_id: int, price: float, qty: float, fee: float, liquidity: str, ts_ms: int
    ) -> None:
        self.fills.append((order_id, price, qty, fee))

    def report_error(self, message: str, symbol: str | None = None) -> None:
        self.errors.append(message)

    def last_status(self, order_id: int) -> OrderStatus:
        return [s for i, s, _ in self.statuses if i == order_id][-1]


def order(
    id: int,
    side: Side,
    qty: float,
    reduce_only: bool = False,
    stop: float | None = None,
) -> Order:
    kind = OrderType.STOP_MARKET if stop is not None else OrderType.MARKET
    purpose = "stop_loss_on_exchange" if stop is not None else ("exit" if reduce_only else "entry")
    return Order(
        id, BTC, side, kind, qty, stop, reduce_only or stop is not None, "live", 1, purpose
    )
