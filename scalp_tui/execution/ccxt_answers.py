"""Reading what ccxt answers about orders, the same on every venue: unified
statuses, and which errors are answers about the request. What differs per venue
(a stop's own record, duplicate ids, fees) is in venues/."""

from __future__ import annotations

from scalp_tui.engine.protocol import OrderStatus

STATUS = {
    "open": OrderStatus.ACCEPTED,
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}


def endpoint_missing(exc: BaseException) -> bool:
    """ccxt reports an HTTP 404 as ExchangeNotAvailable; for a request that reached
    the venue it means the call does not exist there."""
    return " 404 " in str(exc)


def error_text(exc: BaseException) -> str:
    """The error class and the exchange's own message (code and text)."""
    return f"{type(exc).__name__}: {exc}"
