"""Wire helpers shared by the emulator's modules: number formatting, error bodies,
request parameters and a send that tolerates vanished clients."""

from __future__ import annotations

import contextlib

from aiohttp import web


def fmt(value: float) -> str:
    """Binance sends numbers as strings without trailing zeros."""
    return f"{value:.8f}".rstrip("0").rstrip(".")


def error(code: int, msg: str, status: int = 400) -> web.Response:
    """Binance's error body: `{"code": -2013, "msg": "..."}` with an HTTP status."""
    return web.json_response({"code": code, "msg": msg}, status=status)


def rate_limited() -> web.Response:
    """What Binance answers once the request weight is spent (ccxt: DDoSProtection)."""
    response = error(-1003, "Too many requests; current limit is 2400 requests per minute.", 429)
    response.headers["Retry-After"] = "1"
    return response


def answer_lost() -> web.Response:
    """The gateway gave up waiting for the matching engine: the order may exist."""
    return error(-1007, "Timeout waiting for response from backend server.", 503)


async def params(request: web.Request) -> dict[str, str]:
    """ccxt signs GET/DELETE parameters into the query and POST ones into a form body."""
    merged = dict(request.query)
    if request.body_exists:  # post() caches: a middleware may have read it already
        merged.update({k: str(v) for k, v in (await request.post()).items()})
    return merged


async def send(ws: web.WebSocketResponse, text: str) -> None:
    """A client that vanished (killed, say) costs the exchange nothing."""
    if ws.closed:
        return
    with contextlib.suppress(ConnectionError):
        await ws.send_str(text)


def exchange_symbol(symbol: str) -> str:
    """`BTC/USDT:USDT` or `BTCUSDT` -> `BTCUSDT`, so tests can pass the journal's symbols."""
    return symbol.split(":")[0].replace("/", "").upper()
