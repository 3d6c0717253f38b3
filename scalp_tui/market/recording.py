"""Reading recorded Binance frames (`<receive_ns> <json>` per line, gzip or plain).

A recording holds combined-stream frames (`depth` diffs, `bookTicker`, `trade`) and a
REST depth snapshot (a line without "stream"). USD-M and spot diffs differ, and so do
their rules for rebuilding the book from the snapshot:

- USD-M (diffs carry `pu`): drop diffs with `u < lastUpdateId`; the first one kept must
  have `U <= lastUpdateId <= u` (or `pu == lastUpdateId`: the snapshot ended exactly on
  the previous diff); after it each diff's `pu` equals the previous `u`.
- spot (no `pu`): drop diffs with `u <= lastUpdateId`; the first one kept must have
  `U <= lastUpdateId + 1 <= u`; after it each `U` equals the previous `u + 1`.

A diff that breaks the chain (a lost frame) breaks the book as it does live: the feed
resyncs, and the next snapshot line rebuilds the book by the same rule.

A partial book stream (`btcusdt@depth20@100ms`) is read as what it is: each frame a
whole top-N book (BookUpdate snapshot=True), with no REST snapshot needed (one in
the file is a whole book too); a file that mixes it with diffs is refused.

Every event is stamped with the frame's receive time (ns -> ms), not the venue's event
time: a replay then runs on the recording's own clock, as the live session did.
bookTicker frames are skipped: the depth diffs already carry the touch.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import msgspec

from scalp_tui.engine.protocol import BookUpdate, FlatLevels, Side, TradeTick
from scalp_tui.engine.protocol.market import book_diff, trade_tick
from scalp_tui.market.binance_frames import bridges, is_top_book, numeric_depth, top_book
from scalp_tui.market.feed import StatusAt
from scalp_tui.market.formats import EXPECTED, RecordingError, iter_blocks
from scalp_tui.market.readers import ReadStats
from scalp_tui.market.symbols import unified_symbol

PENDING_DIFFS = 20_000  # diffs held for a snapshot: minutes of them at Binance's rates

try:  # orjson parses these frames faster than json (same objects, same ValueError)
    import orjson

    _loads: Callable[[str], object] = orjson.loads
    _ORJSON_LOADS: Callable[[str], object] | None = orjson.loads
    JSON_PARSER = "orjson"
except ImportError:  # pragma: no cover - orjson is a dependency; json otherwise
    _loads = json.loads
    _ORJSON_LOADS = None
    JSON_PARSER = "json"


@dataclass(frozen=True, slots=True)
class RawInfo:
    """What a first read of a Binance recording found."""

    venue_symbol: str
    futures: bool  # USD-M diffs (with `pu`) rather than spot's
    exchange: str  # tardis.dev's name for the market: binance-futures or binance
    top_books: bool = False  # a partial book stream: whole top-N books, no diffs

    @property
    def symbol(self) -> str:
        return unified_symbol(self.venue_symbol, self.exchange)


def _levels(raw: list) -> Sequence[tuple[float, float]]:
    if type(raw) is FlatLevels:
        return raw  # numbers already, checked by _numeric_depth
    # a list comprehension, not a generator: ~460k levels in 5.7 minutes of USD-M diffs
    return [(float(p), float(q)) for p, q in raw]


class _TradeData(msgspec.Struct):
    e: Literal["trade"]
    p: float  # the frame's price string, read as float() reads it
    q: float
    m: Any  # taken for its truth, as the frame's value is on the general path


class _TradeFrame(msgspec.Struct, forbid_unknown_fields=True):
    """A combined-stream trade frame, parsed by its type: a third of a recording's
    parsed lines, and its price and quantity come out as floats without a dict of
    every field built and looked up first."""

    stream: str
    data: _TradeData


_decode_trade = msgspec.json.Decoder(_TradeFrame, strict=False).decode


def _typed_trade(payload: bytes) -> _TradeFrame | None:
    """The trade, or None to parse the frame as it is: anything that is not exactly
    `{"stream": ..., "data": {"e": "trade", "p": <number>, "q": <number>, "m": ...}}`
    goes the general way, so its errors read as before."""
    try:
        frame = _decode_trade(payload)
    except msgspec.MsgspecError:
        return None
    # msgspec reads an integer "-0" as 0.0 where float() keeps the sign: a zero price or
    # quantity (never a real trade's) goes the general way
    return frame if frame.data.p and frame.data.q else None


def _frames(path: Path) -> Iterator[tuple[int, int, dict]]:
    """(line number, receive ms, frame) per line; bookTicker lines are skipped unparsed.

    A line is a bookTicker line when "bookTicker" is in its first 64 bytes. Lines of
    one stream put it at the same place, so that place is tried first: one slice and
    one comparison per line for two thirds of a recording, where a `find` costs an
    argument tuple and its parsing on every call (a bytes `in` test is no better: it
    tries the needle as an int first and makes and drops a TypeError on every line).
    """
    lineno = 0
    numeric = _loads is _ORJSON_LOADS  # numbers only pay with orjson: json's are slower
    ticker_at = 0  # where the last bookTicker line had it: always within its first 64 bytes
    for block in iter_blocks(path):
        if block.find(b"\r") >= 0:  # CR or CRLF line ends: the lines splitlines would see
            block = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = block.split(b"\n")
        if not lines[-1]:
            lines.pop()  # the block's last newline ends its last line; it starts none
        for line in lines:
            lineno += 1
            if line[ticker_at : ticker_at + 10] == b"bookTicker":
                continue  # two thirds of a recording, and the depth diffs carry the touch
            at = line.find(b"bookTicker", 0, 64)
            if at >= 0:
                ticker_at = at
                continue
            recv, _, payload = line.partition(b" ")
            try:
                frame = None
                if not numeric:
                    pass  # the reader without its speed-ups (json's numbers are slower)
                elif line.find(b"depth", 0, 64) >= 0:
                    frame = numeric_depth(payload, _loads)
                elif line.find(b"@trade", 0, 64) >= 0:
                    frame = _typed_trade(payload)  # type: ignore[assignment]
                if frame is None:
                    frame = _loads(payload)
                recv_ms = int(recv) // 1_000_000
            except ValueError:
                if line.isspace() or not line:
                    continue  # a blank line
                raise RecordingError(
                    f"{path.name} line {lineno}: not a `<receive_ns> <json>` frame; {EXPECTED}"
                ) from None
            if not isinstance(frame, dict) and type(frame) is not _TradeFrame:
                reason = f"{path.name} line {lineno}: a frame that is not a JSON object"
                raise RecordingError(reason)
            yield lineno, recv_ms, frame


def _kind(frame: dict) -> tuple[str, dict]:
    """("snapshot" | "diff" | "top" | "trade" | "other", payload) for a combined or bare
    frame ("top": a partial book stream's frame, returned whole for its stream name)."""
    if type(frame) is _TradeFrame:
        return "trade", frame
    if is_top_book(frame):
        return "top", frame
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
        if kind == "top":  # a whole book: nothing else is needed
            try:
                top = top_book(data)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise RecordingError(f"{path.name}: a partial book frame without {exc}") from None
            exchange = "binance-futures" if top.futures else "binance"
            return RawInfo(top.venue_symbol, top.futures, exchange, top_books=True)
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


def read_recording(
    path: Path, symbol: str | None = None, stats: ReadStats | None = None
) -> Iterator[BookUpdate | TradeTick | StatusAt]:
    """The snapshot as BookUpdate(snapshot=True), then diffs and trades in file order.

    `symbol` defaults to the unified form of the recorded one (`BTCUSDT` on USD-M ->
    `BTC/USDT:USDT`). Diffs received before the snapshot are held and applied right
    after it, stamped with its receive time (the book is known only from then on);
    trades before it are yielded as they come (they need no book). A later snapshot
    line starts the book again.

    A diff that doesn't follow the previous one (a gap) breaks the book, as it does
    live: a StatusAt(RESYNCING) is yielded, the diffs after it are held (not applied)
    until the next snapshot line, which resyncs the book by the same rule as the first
    and yields StatusAt(LIVE). With no snapshot after it the book stays broken to the
    end. `stats` counts the gaps and the diffs dropped. Raises RecordingError (one
    line) for a file that can't rebuild a book.
    """
    info = probe_binance(path)
    sym = symbol or info.symbol
    stats = stats if stats is not None else ReadStats()
    futures = info.futures
    snapshot_id: int | None = None
    # diffs waiting for a snapshot (before the first, or after a gap); the oldest go
    # when it is long in coming: a snapshot needs only the diffs just before it
    pending: deque[tuple[int, dict]] = deque(maxlen=PENDING_DIFFS)
    last_u: int | None = None

    def one_symbol(venue_symbol: str, lineno: int) -> None:
        if venue_symbol != info.venue_symbol:
            raise RecordingError(
                f"{path.name} line {lineno}: a second symbol {venue_symbol} "
                f"(after {info.venue_symbol}): one symbol per recording"
            )

    def diff(data: dict, ts: int, lineno: int) -> BookUpdate | str | None:
        """The update, None for a diff older than the snapshot, or why it breaks."""
        nonlocal last_u
        assert snapshot_id is not None
        first, final = data["U"], data["u"]
        if last_u is None:
            if futures:
                if final < snapshot_id:
                    return None  # older than the snapshot
                ok = bridges(data, snapshot_id)
            else:
                if final <= snapshot_id:
                    return None
                ok = first <= snapshot_id + 1 <= final
            if not ok:
                return (
                    f"depth gap at {path.name} line {lineno}: first diff {first}..{final} "
                    f"after the snapshot doesn't cover its lastUpdateId {snapshot_id}"
                )
        elif futures and data["pu"] != last_u:
            return f"depth gap at {path.name} line {lineno}: diff pu={data['pu']} after u={last_u}"
        elif not futures and first != last_u + 1:
            return f"depth gap at {path.name} line {lineno}: diff U={first} after u={last_u}"
        last_u = final
        return book_diff(sym, ts, _levels(data["b"]), _levels(data["a"]), final)

    def broken(ts: int, reason: str, held: list[tuple[int, dict]]) -> StatusAt:
        """The book can't go on: `held` (the diff that broke it and any after it)
        wait for the next snapshot."""
        nonlocal snapshot_id, last_u
        snapshot_id = last_u = None
        pending.clear()
        pending.extend(held)
        return stats.gap(ts, sym, reason)

    def hold(lineno: int, data: dict) -> None:
        if len(pending) == pending.maxlen and sym in stats.broken:
            stats.dropped_in_gap += 1  # the oldest goes: never to be applied
        pending.append((lineno, data))

    for lineno, ts, frame in _frames(path):
        if type(frame) is _TradeFrame:  # parsed by its type: numbers already
            trade = frame.data  # type: ignore[attr-defined]
            yield trade_tick(sym, ts, trade.p, trade.q, Side.SELL if trade.m else Side.BUY)
            continue
        kind, data = _kind(frame)
        if (kind == "top" and not info.top_books) or (kind == "diff" and info.top_books):
            raise RecordingError(
                f"{path.name} line {lineno}: partial book frames (whole top-N books) and "
                "depth diffs in one file; replay one of them"
            )
        try:
            if kind == "top":
                top = top_book(data)
                one_symbol(top.venue_symbol, lineno)
                yield BookUpdate(
                    sym,
                    ts,
                    _levels(top.bids),
                    _levels(top.asks),
                    snapshot=True,
                    update_id=top.update_id,
                )
            elif kind == "snapshot":
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
                held = list(pending)
                pending.clear()
                resync = sym in stats.broken
                for i, (held_line, held_data) in enumerate(held):
                    update = diff(held_data, ts, held_line)
                    if type(update) is str:
                        yield broken(ts, update, held[i:])
                        break
                    if update is not None:
                        yield update  # type: ignore[misc]
                    elif resync:
                        stats.dropped_in_gap += 1  # came after the gap, older than this
                else:
                    status = stats.resynced(ts, sym)
                    if status is not None:
                        yield status
            elif kind == "diff":
                one_symbol(data.get("s", info.venue_symbol), lineno)
                if snapshot_id is None:
                    hold(lineno, data)
                else:
                    update = diff(data, ts, lineno)
                    if type(update) is str:
                        yield broken(ts, update, [(lineno, data)])
                    elif update is not None:
                        yield update  # type: ignore[misc]
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
    if sym in stats.broken:
        stats.dropped_in_gap += len(pending)  # no snapshot came after the gap
