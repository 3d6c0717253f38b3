"""Faster equivalents of ccxt.pro's per-level book handling, on one exchange instance.

A Binance USD-M depth diff carries dozens of levels, and with many symbols the client
applies tens of thousands of them a second. ccxt 4.5.90 applies each through
`handle_delta`: two `safe_float` look-ups and a `store` wrapper per level before the
book side's own `storeArray`. Binance sends every level as `[price, quantity]`
strings, so `float()` of each is what `safe_float` returns; the replacement calls
`storeArray` directly and leaves ccxt's book, its sequence checks (U/u/pu) and its
resync logic exactly as they were. Wrapped per instance, like book_integrity's
checks: instance attributes shadow the class methods that `handle_message` calls.
"""

from __future__ import annotations

from typing import Any

# ccxt ids whose depth diffs are lists of [price, quantity] handled by handle_deltas
_BINANCE_FAMILY = {"binance", "binanceusdm", "binancecoinm"}


def store_levels(bookside: Any, deltas: list[Any]) -> None:
    """ccxt's `handle_deltas` for `[price, quantity]` levels, without its per-level
    look-ups: the same book."""
    store = bookside.storeArray
    for price, amount in deltas:
        store([float(price), float(amount)])


def install(exchange: Any) -> bool:
    """Replace the per-level handler where the venue's levels fit; say whether it was."""
    if str(getattr(exchange, "id", "")) not in _BINANCE_FAMILY:
        return False
    if not hasattr(exchange, "handle_deltas"):
        return False
    exchange.handle_deltas = store_levels
    return True
