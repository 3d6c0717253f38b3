"""Binance depth frames read fast, and Binance's rule for the first diff on a snapshot:
shared by the live Binance feed and the replay of a recording, so both build the
book from the same numbers by the same rule. Also the partial book streams
(`<symbol>@depth20@100ms`), whose frames are whole top-N books, not changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scalp_tui.engine.protocol import FlatLevels

try:  # orjson parses these frames faster than json (same objects, same ValueError)
    import orjson

    _LOADS: Callable[[bytes], object] = orjson.loads
except ImportError:  # pragma: no cover - orjson is a dependency; json otherwise
    _LOADS = json.loads


# a partial book stream: each frame is the whole top 5, 10 or 20 levels a side. USD-M
# sends it in a diff's shape (`depthUpdate`, U/u/pu), so only the stream name tells
# it apart: applied as a diff, a level that left the top would stay in the book.
_TOP_STREAM = re.compile(r"@depth(5|10|20)(@|$)")


def is_top_book(frame: dict) -> bool:
    stream = frame.get("stream")
    return type(stream) is str and _TOP_STREAM.search(stream) is not None


@dataclass(frozen=True, slots=True)
class TopBook:
    venue_symbol: str
    futures: bool
    bids: Any  # as parsed: FlatLevels, or [["price", "qty"], ...]
    asks: Any
    update_id: int


def top_book(frame: dict) -> TopBook:
    """A partial book frame's levels: USD-M's shape (`b`, `a`, `u`, `s`) or spot's
    (`bids`, `asks`, `lastUpdateId`; its symbol only in the stream name). Raises
    KeyError, TypeError or ValueError for a frame without them."""
    data = frame["data"]
    symbol = frame["stream"].split("@", 1)[0].upper()
    if "b" in data:
        return TopBook(
            str(data.get("s", symbol)), "pu" in data, data["b"], data["a"], int(data["u"])
        )
    return TopBook(symbol, False, data["bids"], data["asks"], int(data["lastUpdateId"]))


def bridges(diff: dict, snapshot_id: int) -> bool:
    """USD-M: may `diff` be the first applied on a snapshot ending at `snapshot_id`?
    It must cover it (`U <= lastUpdateId <= u`), or follow it exactly (`pu ==
    lastUpdateId`: the snapshot ended on the previous diff's `u`; ccxt accepts it the
    same way)."""
    return diff["U"] <= snapshot_id <= diff["u"] or diff.get("pu") == snapshot_id


_DIGITS = b"0123456789"
_LEVEL_SHAPE = b'[".","."]'  # a level with its digits taken out
# the shape of up to 1,024 levels, each 9 bytes and a comma; a diff's shape is a prefix
_LEVEL_SHAPES = b",".join([_LEVEL_SHAPE] * 1024)


def _flat_levels(inner: bytes) -> tuple[bytes, int] | None:
    """The inside of a levels array, `["p","q"],["p","q"]`, as `p,q,p,q`, and its count
    of levels; None unless every level is a pair of strings of digits with one decimal
    point each (or past 1,024 levels). One pass checks both: the digits taken out, the
    shape is all that may remain (a sign or an exponent, never in Binance's levels,
    sends the frame the general way, to the same numbers)."""
    shape = inner.translate(None, _DIGITS)
    count = (len(shape) + 1) // 10
    if len(shape) != max(10 * count - 1, 0) or not _LEVEL_SHAPES.startswith(shape):
        return None
    return inner.translate(None, b'"[]'), count


def numeric_depth(payload: bytes, loads: Callable[[bytes], object] = _LOADS) -> dict | None:
    """A depth diff parsed with its levels as numbers, or None to parse it as it is.

    Converting ~890k price and quantity strings one float() at a time was the reader's
    largest cost, and building a list per level the next: here the quotes and the
    levels' brackets are deleted, so the parser builds the floats, in one flat list a
    side. The result is used only when it can only mean what the frame said: each
    level was a pair of strings of digits with one decimal point (checked on the
    text), "b" and "a" are the last fields and the parser took every string for a
    number (one that isn't valid JSON, "5." or "01.5", fails to parse), so each is a
    float, the one float() of the same text gives. Anything else is parsed again
    unchanged, so its errors read as before.
    """
    head, sep, tail = payload.partition(b'"b":[')
    bid_inner, a_sep, rest = tail.partition(b'],"a":[')
    if not a_sep:
        return None
    ask_inner, close, end = rest.rpartition(b"]")
    bids = _flat_levels(bid_inner)
    asks = _flat_levels(ask_inner)
    if bids is None or asks is None:
        return None
    try:
        frame = loads(b"".join((head, sep, bids[0], a_sep, asks[0], close, end)))
        data = frame.get("data", frame)  # type: ignore[union-attr]
        if type(data) is not dict or list(data)[-2:] != ["b", "a"]:
            return None
        flat_bids, flat_asks = data["b"], data["a"]
        if len(flat_bids) != 2 * bids[1] or len(flat_asks) != 2 * asks[1]:
            return None
    except (ValueError, TypeError, AttributeError):
        return None
    data["b"], data["a"] = FlatLevels(flat_bids), FlatLevels(flat_asks)
    return frame  # type: ignore[return-value]
