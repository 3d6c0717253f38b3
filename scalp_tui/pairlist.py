"""Symbols from the pairlist and blacklist files freqtrade users already keep.

Reads freqtrade's JSON dialect (// comments, trailing commas) and resolves the
`pairlists` chain through ccxt: VolumePairList (by quoteVolume), SpreadFilter,
PriceFilter and the blacklist regexes. A step that cannot be computed here is
reported in `notes`, never skipped in silence.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scalp_tui.input_files import MAX_PAIRLIST_BYTES, InputFileError, read_jsonc_object


class PairlistError(Exception):
    """One line naming the file and the problem."""


def load_jsonc(path: Path) -> dict[str, Any]:
    try:
        return read_jsonc_object(path, "the file", MAX_PAIRLIST_BYTES)
    except InputFileError as exc:
        raise PairlistError(str(exc)) from None


def read_pairlist(path: Path) -> list[dict[str, Any]]:
    steps = load_jsonc(path).get("pairlists")
    if not isinstance(steps, list) or not steps:
        raise PairlistError(f'{path}: no "pairlists" list')
    for number, step in enumerate(steps, 1):
        _check_step(path, number, step)
    return steps


# the numbers a step may carry: checked when the file is read, not at the exchange
STEP_NUMBERS = (
    "number_assets",
    "min_value",
    "max_spread_ratio",
    "low_price_ratio",
    "min_price",
    "max_price",
)


def _check_step(path: Path, number: int, step: Any) -> None:
    where = f"{path}: pairlists[{number}]"
    if not isinstance(step, dict) or not isinstance(step.get("method"), str):
        raise PairlistError(f'{where}: expected an object with a "method" name')
    for key in STEP_NUMBERS:
        value = step.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PairlistError(f"{where}.{key} = {value!r}: must be a number")
        if not math.isfinite(value) or value < 0:
            raise PairlistError(f"{where}.{key} = {value!r}: must be a finite number >= 0")
    if "number_assets" in step and (
        not isinstance(step["number_assets"], int) or not 1 <= step["number_assets"] <= 10_000
    ):
        raise PairlistError(f"{where}.number_assets: must be a whole number from 1 to 10000")


def read_blacklist(path: Path) -> list[re.Pattern[str]]:
    data = load_jsonc(path)
    patterns = (data.get("exchange") or {}).get("pair_blacklist", data.get("pair_blacklist"))
    if not isinstance(patterns, list):
        raise PairlistError(f"{path}: no exchange.pair_blacklist list")
    compiled = []
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise PairlistError(f"{path}: blacklist entry {pattern!r} is not a regex string")
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise PairlistError(f"{path}: bad blacklist regex {pattern!r}: {exc}") from None
    return compiled


@dataclass
class Resolution:
    pairs: list[str]
    notes: list[str] = field(default_factory=list)


NOT_COMPUTED = {
    "FullTradesFilter": "not applicable: it reacts to freqtrade's open trade count",
    "AgeFilter": "not computed: needs daily candles for every pair",
    "RangeStabilityFilter": "not computed: needs daily candles for every pair",
    "VolatilityFilter": "not computed: needs daily candles for every pair",
    "ShuffleFilter": "not applied: the console keeps a stable order",
    "PerformanceFilter": "not computed: needs freqtrade's trade history",
}


async def resolve(
    exchange: Any,
    steps: list[dict[str, Any]],
    blacklist: list[re.Pattern[str]] | None = None,
    quote: str = "USDT",
) -> Resolution:
    """The pairs the chain selects on `exchange`, with a note per step."""
    markets = await exchange.load_markets()
    pairs = sorted(
        m["symbol"]
        for m in markets.values()
        if m.get("swap")
        and m.get("linear")
        and m.get("active", True) is not False
        and m.get("quote") == quote
        and m.get("settle") == quote
    )
    notes = [f"{len(pairs)} active {quote} linear perpetuals on {exchange.id}"]
    if blacklist:
        kept = [p for p in pairs if not any(rx.fullmatch(p) for rx in blacklist)]
        notes.append(f"blacklist: removed {len(pairs) - len(kept)}")
        pairs = kept
    tickers: dict[str, Any] | None = None
    books: dict[str, Any] | None = None
    for step in steps:
        method = step.get("method")
        before = len(pairs)
        if method == "VolumePairList":
            if step.get("sort_key", "quoteVolume") != "quoteVolume":
                notes.append(f"VolumePairList: sort_key {step.get('sort_key')!r} not supported")
                continue
            tickers = tickers or await exchange.fetch_tickers()
            volume = {p: float((tickers.get(p) or {}).get("quoteVolume") or 0.0) for p in pairs}
            number = int(step.get("number_assets", 30))
            pairs = sorted(pairs, key=lambda p: volume[p], reverse=True)[:number]
            minimum = float(step.get("min_value", 0) or 0)
            pairs = [p for p in pairs if volume[p] >= minimum]
            notes.append(f"VolumePairList({number}, quoteVolume): {before} -> {len(pairs)}")
        elif method == "SpreadFilter":
            books = books or await _bids_asks(exchange)
            if books is None:
                notes.append("SpreadFilter: not computed: the exchange gives no bid/ask tickers")
                continue
            limit = float(step.get("max_spread_ratio", 0.005))
            pairs = [
                p
                for p in pairs
                if _spread(books.get(p)) is not None and _spread(books.get(p)) <= limit
            ]
            notes.append(f"SpreadFilter({limit:g}): {before} -> {len(pairs)}")
        elif method == "PriceFilter":
            tickers = tickers or await exchange.fetch_tickers()
            pairs = [p for p in pairs if _price_ok(step, markets[p], tickers.get(p))]
            notes.append(f"PriceFilter: {before} -> {len(pairs)}")
        elif method == "StaticPairList":
            notes.append("StaticPairList: using the pairs found on the exchange")
        else:
            notes.append(f"{method}: {NOT_COMPUTED.get(method, 'not supported')}")
    return Resolution(pairs, notes)


async def _bids_asks(exchange: Any) -> dict[str, Any] | None:
    if exchange.has.get("fetchBidsAsks"):
        return await exchange.fetch_bids_asks()
    tickers = await exchange.fetch_tickers()
    if any(t.get("bid") and t.get("ask") for t in tickers.values()):
        return tickers
    return None


def _spread(ticker: dict[str, Any] | None) -> float | None:
    if not ticker or not ticker.get("bid") or not ticker.get("ask"):
        return None
    return 1.0 - float(ticker["bid"]) / float(ticker["ask"])


def _price_ok(step: dict[str, Any], market: dict[str, Any], ticker: dict[str, Any] | None) -> bool:
    price = float((ticker or {}).get("last") or 0.0)
    if price <= 0:
        return False
    ratio = step.get("low_price_ratio")
    tick = float((market.get("precision") or {}).get("price") or 0.0)
    if ratio is not None and tick / price > float(ratio):
        return False  # one tick is too large a move at this price
    if step.get("min_price") is not None and price < float(step["min_price"]):
        return False
    return not (step.get("max_price") is not None and price > float(step["max_price"]))
