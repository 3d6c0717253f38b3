"""The live feed for an exchange: Binance USD-M's own (binance_feed), CcxtFeed for
every other venue."""

from __future__ import annotations

from typing import Any

from scalp_tui.engine.clock import Clock
from scalp_tui.market import binance_feed
from scalp_tui.market.ccxt_feed import CcxtFeed


def make_live_feed(exchange: Any, symbols: list[str], clock: Clock, **options: Any) -> CcxtFeed:
    """The feed watching `symbols` on `exchange`; `options` as CcxtFeed takes them."""
    if binance_feed.handles(exchange):
        return binance_feed.BinanceUsdmFeed(exchange, symbols, clock, **options)
    return CcxtFeed(exchange, symbols, clock, **options)
