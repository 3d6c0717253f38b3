"""Venue symbols to the unified symbols the engine uses (ccxt's `BASE/QUOTE:SETTLE`).

Recordings carry the venue's own spelling (`BTCUSDT`, `BTC-USDT-SWAP`, `XBTUSD`) and a
venue or tardis.dev exchange name; the engine and the configs speak ccxt's unified
form, so a recording replays into the same symbol a live session would trade.
Anything not recognised is kept as written (a replay can override it with --symbol).
"""

from __future__ import annotations

# Longest first, so "FDUSD" wins over "USD" and "USDT" over "USD".
_QUOTES = ("FDUSD", "USDT", "USDC", "BUSD", "USD", "EUR", "TRY", "BTC", "ETH", "BNB")
# Exchange names as tardis.dev and our recorder write them -> market kind.
_KINDS = {
    "binance-futures": "swap",
    "binance-usdm": "swap",
    "binance-delivery": "inverse",
    "binance": "spot",
    "binance-spot": "spot",
    "bybit": "swap",
    "bybit-spot": "spot",
    "okex-swap": "swap",
    "okx-swap": "swap",
    "okx": "swap",
    "okex": "spot",
    "bitmex": "inverse",
    "deribit": "inverse",
}
_RENAMES = {"XBT": "BTC"}  # BitMEX


def _split(joined: str) -> tuple[str, str] | None:
    for quote in _QUOTES:
        if joined.endswith(quote) and len(joined) > len(quote):
            return _RENAMES.get(joined[: -len(quote)], joined[: -len(quote)]), quote
    return None


def _swap(base: str, quote: str) -> str:
    # Stablecoin-quoted perpetuals settle in the quote; USD-quoted ones are inverse.
    settle = base if quote == "USD" else quote
    return f"{base}/{quote}:{settle}"


def unified_symbol(venue_symbol: str, exchange: str = "binance-futures") -> str:
    """`BTCUSDT` on binance-futures -> `BTC/USDT:USDT`; on binance (spot) -> `BTC/USDT`."""
    sym = venue_symbol.strip().upper()
    if "/" in venue_symbol:
        return venue_symbol  # already unified
    kind = _KINDS.get(exchange.lower(), "swap")
    if sym.endswith("-PERPETUAL"):  # Deribit: BTC-PERPETUAL, ETH_USDC-PERPETUAL
        base, _, quote = sym[: -len("-PERPETUAL")].partition("_")
        return _swap(base, quote or "USD")
    if "-" in sym:  # OKX: BTC-USDT-SWAP (perpetual) or BTC-USDT (spot)
        parts = sym.split("-")
        if len(parts) == 3 and parts[2] == "SWAP":
            return _swap(parts[0], parts[1])
        if len(parts) == 2:
            return f"{parts[0]}/{parts[1]}"
        return venue_symbol
    if sym.endswith("_PERP"):  # Binance COIN-M: BTCUSD_PERP
        sym = sym[: -len("_PERP")]
        kind = "swap"
    pair = _split(sym)
    if pair is None:
        return venue_symbol
    base, quote = pair
    if kind == "spot":
        return f"{base}/{quote}"
    return _swap(base, quote)
