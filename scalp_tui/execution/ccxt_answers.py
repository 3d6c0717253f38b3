"""Reading what ccxt answers about orders: statuses, a stop's own record versus the
order its trigger placed, and which errors are answers about the request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scalp_tui.engine.protocol import OrderStatus

STATUS = {
    "open": OrderStatus.ACCEPTED,
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}


TRIGGER_KEYS = ("algoId", "aid", "actualOrderId", "algoStatus")


def is_trigger_record(response: Mapping[str, Any]) -> bool:
    """An answer about the resting stop itself (Binance's algo order), as opposed to
    the order its trigger placed."""
    info = response.get("info")
    return isinstance(info, dict) and any(key in info for key in TRIGGER_KEYS)


def child_id(response: Mapping[str, Any]) -> str:
    """The id of the order a triggered stop placed (Binance: actualOrderId)."""
    info = response.get("info") or {}
    return str(info.get("actualOrderId") or info.get("ai") or "") if isinstance(info, dict) else ""


def endpoint_missing(exc: BaseException) -> bool:
    """ccxt reports an HTTP 404 as ExchangeNotAvailable; for a request that reached
    the venue it means the call does not exist there."""
    return " 404 " in str(exc)


def duplicate_id(exc: BaseException) -> bool:
    """The venue already has an order with this client id."""
    import ccxt

    duplicate = getattr(ccxt, "DuplicateOrderId", None)
    return (duplicate is not None and isinstance(exc, duplicate)) or "-4015" in str(exc)


def error_text(exc: BaseException) -> str:
    """The error class and the exchange's own message (code and text)."""
    return f"{type(exc).__name__}: {exc}"
