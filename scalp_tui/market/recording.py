"""Reading recorded Binance frames (`<receive_ns> <json>` per line, gzip or plain).

A recording holds combined-stream frames (`depth` diffs, `bookTicker`, `trade`) and a
REST depth snapshot (a line without "stream"). USD-M and spot diffs differ, and so do
their rules for rebuilding the book from the snapshot:

- USD-M (diffs carry `pu`): drop diffs with `u < lastUpdateId`; the first one kept must
  have `U <= lastUpdateId <= u` (or `pu == lastUpdateId`: the snapshot ended exactly on
  the previous diff); after it each diff's `pu` equals the previous `u`.
- spot (no `pu`): drop diffs with `u <= lastUpdateId`; the first one kept must have
  `U <= lastUpdateId + 1 <= u`; after it each `U` equals the previous `u + 1`.

Every event is stamped with the frame's receive time (ns -> ms), not the venue's event
time: a replay then runs on the recording's own clock, as the live session did.
bookTicker frames are skipped: the depth diffs already carry the touch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from scalp_tui.engine.protocol import BookUpdate, Side, TradeTick
from scalp_tui.market.formats import EXPECTED, RecordingError, iter_lines
from scalp_tui.market.symbols import unified_symbol

try:  # orjson parses these frames faster than json (same objects, same ValueError)
    import orjson

    _loads: Callable[[str], object] = orjson.loads
    _ORJSON_LOADS: Callable[[str], object] | None = orjson.loads
    JSON_PARSER = "orjson"
except ImportError:  # pragma: no cover - orjson is a dependency; json otherwise
    _loads = json.loads
    _ORJSON_LOADS = None
    JSON_PARSER = "json"


class RecordingGap(RecordingError):
    """A depth diff does not follow the previous one: the book can't be trusted."""


@dataclass(frozen=True, slots=True)
class RawInfo:
    """What a first read of a Binance recording found."""

    venue_symbol: str
    futures: bool  # USD-M diffs (with `pu`) rather than spot's
    exchange: str  # tardis.dev's name for the market: binance-futures or binance

    @property
    def symbol(self) -> str:
        return unified_symbol(self.venue_symbol, self.exchange)


def _levels(raw: list[list[str]]) -> tuple[tuple[float, float], ...]:
    if type(raw) is tuple:
        return raw  # built and checked by _numeric_depth (json never gives a tuple)
    # a list comprehension, not a generator: ~460k levels in 5.7 minutes of USD-M diffs
    return tuple([(float(p), float(q)) for p, q in raw])


_FLOAT = {float}


def _numeric_depth(payload: str) -> dict | None:
    """A depth diff parsed with its levels as numbers, or None to parse it as it is.

    Converting ~890k price and quantity strings one float() at a time was the reader's
    largest cost: here the quotes around the levels' strings go, each gets an `e0`
    (so the parser makes a float even of "5"), and the parser builds the floats. The
    result is used only when it can only mean what the frame said: "b" and "a" are the
    last fields, and every level is a pair of floats (float() of the same text gives
    the same number); anything else (a string that is no number, a field after the
    levels) is parsed again unchanged, so its errors read as before.
    """
    head, sep, tail = payload.partition('"b":[')
    if not sep:
        return None
    text = head + sep + tail.replace('["', "[").replace('","', "e0,").replace('"]', "e0]")
    try:
        frame = _loads(text)
        data = frame.get("data", frame)  # type: ignore[union-attr]
        if type(data) is not dict or list(data)[-2:] != ["b", "a"]:
            return None
        bids = tuple(map(tuple, data["b"]))
        asks = tuple(map(tuple, data["a"]))
    except (ValueError, TypeError, AttributeError):
        return None
    levels = bids + asks
    if set(map(len, levels)) - {2} or set(map(type, chain.from_iterable(levels))) - _FLOAT:
        return None
    data["b"] = bids
    data["a"] = asks
    return frame  # type: ignore[return-value]


def _frames(path: Path) -> Iterator[tuple[int, int, dict]]:
    """(line number, receive ms, frame) per line; bookTicker lines are skipped unparsed."""
    for lineno, line in enumerate(iter_lines(path), 1):
        head = line[:64]
        if "bookTicker" in head:
            continue  # two thirds of a recording, and the depth diffs carry the touch
        recv, _, payload = line.partition(" ")
        try:
            # numbers only pay with orjson: json's own number parsing is slower
            numeric = "depth" in head and _loads is _ORJSON_LOADS
            frame = _numeric_depth(payload) if numeric else None
            if frame is None:
                frame = _loads(payload)
            recv_ms = int(recv) // 1_000_000
        except ValueError:
            raise RecordingError(
                f"{path.name} line {lineno}: not a `<receive_ns> <json>` frame; {EXPECTED}"
            ) from None
        if not isinstance(frame, dict):
            raise RecordingError(f"{path.name} line {lineno}: a frame that is not a JSON object")
        yield lineno, recv_ms, frame


def _kind(frame: dict) -> tuple[str, dict]:
    """("snapshot" | "diff" | "trade" | "other", payload) for a combined or bare frame."""
    if "lastUpdateId" in frame and "bids" in frame:
        return "snapshot", frame
    data = frame.get("data", frame)
    event = data.get("e") if isinstance(data, dict) else None
    if event == "depthUpdate":
        return "diff", data
    if event == "trade":
        return "trade", data
    return "other", data


def probe_binance(path: Path) -> RawInfo:
    """Check the file can rebuild a book: one symbol's diffs and a REST snapshot.

    Reads until both a diff and a snapshot have been seen (the whole file when the
    snapshot is missing, which is what a spot recording without one needs to be told).
    """
    diff: dict | None = None
    has_snapshot = False
    for _, _, frame in _frames(path):
        kind, data = _kind(frame)
        if kind == "snapshot":
            has_snapshot = True
        elif kind == "diff" and diff is None:
            diff = data
        if diff is not None and has_snapshot:
            break
    if diff is None:
        raise RecordingError(
            f"{path.name}: Binance frames but no depth diffs: the engine needs a book to replay"
        )
    futures = "pu" in diff
    info = RawInfo(str(diff.get("s", "")), futures, "binance-futures" if futures else "binance")
    if not has_snapshot:
        market = "USD-M" if futures else "spot"
        raise RecordingError(
            f"{path.name}: Binance {market} {info.venue_symbol} frames with no REST depth "
            "snapshot line, so a full book can't be rebuilt (diffs only change levels, "
            "trades and bookTicker hold no depth); the engine needs a book to replay"
        )
    return info


def read_recording(path: Path, symbol: str | None = None) -> Iterator[BookUpdate | TradeTick]:
    """The snapshot as BookUpdate(snapshot=True), then diffs and trades in file order.

    `symbol` defaults to the unified form of the recorded one (`BTCUSDT` on USD-M ->
    `BTC/USDT:USDT`). Diffs received before the snapshot are held and applied right
    after it, stamped with its receive time (the book is known only from then on);
    trades before it are yielded as they come (they need no book). A later snapshot
    line starts the book again. Raises RecordingError (one line) for a file that can't
    rebuild a book, RecordingGap when a diff doesn't follow the previous one.
    """
    info = probe_binance(path)
    sym = symbol or info.symbol
    futures = info.futures
    snapshot_id: int | None = None
    pending: list[tuple[int, dict]] = []
    last_u: int | None = None

    def diff(data: dict, ts: int, lineno: int) -> BookUpdate | None:
        nonlocal last_u
        assert snapshot_id is not None
        first, final = data["U"], data["u"]
        if last_u is None:
            if futures:
                if final < snapshot_id:
                    return None  # older than the snapshot
                # or the diff right after a snapshot that ended exactly on a diff's
                # `u` (ccxt accepts it the same way; the emulator's snapshots do this)
                ok = first <= snapshot_id <= final or data.get("pu") == snapshot_id
            else:
                if final <= snapshot_id:
                    return None
                ok = first <= snapshot_id + 1 <= final
            if not ok:
                raise RecordingGap(
                    f"{path.name} line {lineno}: first diff {first}..{final} after the "
                    f"snapshot doesn't cover its lastUpdateId {snapshot_id}"
                )
        elif futures and data["pu"] != last_u:
            raise RecordingGap(f"{path.name} line {lineno}: diff pu={data['pu']} after u={last_u}")
        elif not futures and first != last_u + 1:
            raise RecordingGap(f"{path.name} line {lineno}: diff U={first} after u={last_u}")
        last_u = final
        return BookUpdate(sym, ts, _levels(data["b"]), _levels(data["a"]), update_id=final)

    for lineno, ts, frame in _frames(path):
        kind, data = _kind(frame)
        try:
            if kind == "snapshot":
                snapshot_id = int(data["lastUpdateId"])
                last_u = None
                yield BookUpdate(
                    sym,
                    ts,
                    _levels(data["bids"]),
                    _levels(data["asks"]),
                    snapshot=True,
                    update_id=snapshot_id,
                )
                for held_line, held in pending:
                    update = diff(held, ts, held_line)
                    if update is not None:
                        yield update
                pending.clear()
            elif kind == "diff":
                if data.get("s", info.venue_symbol) != info.venue_symbol:
                    raise RecordingError(
                        f"{path.name} line {lineno}: a second symbol {data['s']} "
                        f"(after {info.venue_symbol}): one symbol per recording"
                    )
                if snapshot_id is None:
                    pending.append((lineno, data))
                else:
                    update = diff(data, ts, lineno)
                    if update is not None:
                        yield update
            elif kind == "trade":
                yield TradeTick(
                    sym,
                    ts,
                    float(data["p"]),
                    float(data["q"]),
                    Side.SELL if data["m"] else Side.BUY,  # m: the buyer made, a seller took
                )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, RecordingError):
                raise
            raise RecordingError(
                f"{path.name} line {lineno}: a {kind} frame missing or mangling {exc}"
            ) from None
