"""Exchanges through ccxt.pro: which ones can run this console, and building a client.

Facts checked against ccxt 4.5.90: ccxt.pro has no bitmart, bitvavo is spot only (no
shorting). What a venue needs beyond new hosts when pointed at a custom endpoint is in
its traits (execution/venues/).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scalp_tui.execution.venues import traits_for

SUPPORTED = ("binanceusdm", "okx", "bybit", "gate", "kucoinfutures", "bitget", "htx")
NOT_SUPPORTED = {
    "bitmart": "bitmart is not in ccxt.pro: no live order book or order streams for it",
    "bitvavo": "bitvavo is a spot exchange: it cannot short perpetual futures",
}


# What the console cannot work without. cancelAllOrders is optional: without it the
# kill switch cancels open orders one by one.
REQUIRED = ("swap", "watchOrderBook", "watchTrades", "createOrder", "cancelOrder", "fetchOrder")


class VenueError(Exception):
    """One clear line for the user; the CLI exits with code 2."""


def check_capabilities(exchange_id: str) -> None:
    if exchange_id in NOT_SUPPORTED:
        raise VenueError(f"exchange {exchange_id!r} refused: {NOT_SUPPORTED[exchange_id]}")
    if exchange_id not in SUPPORTED:
        raise VenueError(
            f"exchange {exchange_id!r} is not supported; use one of {', '.join(SUPPORTED)}"
        )
    import ccxt.pro

    if not hasattr(ccxt.pro, exchange_id):
        raise VenueError(f"exchange {exchange_id!r} is missing from the installed ccxt.pro")
    has = getattr(ccxt.pro, exchange_id)().has
    missing = [need for need in REQUIRED if not has.get(need)]
    if missing:
        raise VenueError(f"exchange {exchange_id!r} refused: ccxt lacks {', '.join(missing)}")


def _with_origin(url: str, origin: str) -> str:
    """`url` with its scheme, host and port replaced by those of `origin`."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return origin.rstrip("/") + path


def _override(node: Any, origin: str, scheme: str, skip: str = "") -> Any:
    """Every `scheme` address in a (nested) ccxt URL table moved to `origin`, each
    keeping its path; the `skip` branch is left as it is."""
    if isinstance(node, dict):
        return {
            k: (v if k == skip else _override(v, origin, scheme, skip)) for k, v in node.items()
        }
    if isinstance(node, str) and node.startswith(scheme):
        return _with_origin(node, origin)
    return node


def make_exchange(
    exchange_id: str,
    *,
    api_key: str | None = None,
    secret: str | None = None,
    password: str | None = None,
    sandbox: bool = False,
    rest_url: str | None = None,
    ws_url: str | None = None,
) -> Any:
    """A ccxt.pro client for perpetual swaps, pointed at custom endpoints if given."""
    check_capabilities(exchange_id)
    import ccxt.pro

    custom = bool(rest_url or ws_url)
    config: dict[str, Any] = {
        # on loopback (emulator, proxy) client-side throttling only adds latency
        "enableRateLimit": not custom,
        "options": {"defaultType": "swap"},
    }
    if api_key and secret:
        config.update(apiKey=api_key, secret=secret)
        if password:
            config["password"] = password
    exchange = getattr(ccxt.pro, exchange_id)(config)
    traits = traits_for(exchange_id)
    traits.configure(exchange)
    if sandbox and not custom:
        exchange.set_sandbox_mode(True)  # after overriding URLs it would replace them
    if rest_url:
        exchange.urls["api"] = _override(exchange.urls["api"], rest_url, "http", skip="ws")
    placed = traits.custom_endpoint(exchange, ws_url) if custom else False
    if ws_url and not placed:
        ws = exchange.urls["api"].get("ws")
        if isinstance(ws, dict):
            # nested by access and market type on some venues (bybit: public.linear,
            # private.contract): every address keeps its path on the new host
            exchange.urls["api"]["ws"] = _override(ws, ws_url, "ws")
        elif isinstance(ws, str):
            exchange.urls["api"]["ws"] = ws_url
        # some venues keep socket addresses by market type, outside "ws" (gate:
        # swap.usdt): left there, a client aimed at an emulator would still dial out
        exchange.urls["api"] = _override(exchange.urls["api"], ws_url, "ws", skip="ws")
    if custom:
        exchange.options["fetchCurrencies"] = False  # a signed sapi call otherwise
    return exchange
