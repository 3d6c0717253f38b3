"""Readers for scalp-tui JSON lines and tardis.dev CSV recordings.

Each reader yields `(receive time in µs, event)` so several files (a tardis book and
its trades) can be merged on the clock they were recorded on; `events` is then the
second item. The symbols read are `keep`'s keys (the names as written in the file);
their events carry its values (the unified symbols the engine trades), each symbol
with its own book. Records of other symbols are counted and skipped.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scalp_tui.engine.protocol import BookUpdate, FeedState, FeedStatus, Side, TradeTick
from scalp_tui.market.feed import StatusAt
from scalp_tui.market.formats import RecordingError, iter_lines

Timed = tuple[int, BookUpdate | TradeTick | StatusAt]


@dataclass
class ReadStats:
    """What the readers dropped, and which books are broken, so a replay says it
    (nothing is skipped silently) and blocks entries as a live feed does."""

    before_snapshot: int = 0  # book messages before the symbol's first snapshot
    gaps: int = 0  # diffs that broke their symbol's update-id chain
    dropped_in_gap: int = 0  # diffs dropped while waiting for the snapshot after a gap
    other_symbols: set[str] = field(default_factory=set)
    broken: dict[str, str] = field(default_factory=dict)  # symbol -> the gap, until resynced

    def gap(self, ts_ms: int, symbol: str, reason: str) -> StatusAt:
        """A symbol's book broke: the feed is resyncing (entries off) until its next
        snapshot, as when a live feed finds a gap and fetches a new one."""
        self.gaps += 1
        self.broken[symbol] = reason
        detail = f"{symbol} {reason}: resyncing at the next snapshot in the recording"
        return StatusAt(ts_ms, FeedStatus(FeedState.RESYNCING, None, detail, self.gaps))

    def resynced(self, ts_ms: int, symbol: str) -> StatusAt | None:
        """A snapshot arrived: None unless it ends a gap; the feed is live again when
        no other symbol's book is still waiting."""
        if self.broken.pop(symbol, None) is None:
            return None
        if self.broken:
            detail = f"{symbol} resynced; still resyncing: {', '.join(sorted(self.broken))}"
            return StatusAt(ts_ms, FeedStatus(FeedState.RESYNCING, None, detail, self.gaps))
        detail = f"{symbol} resynced from a snapshot in the recording"
        return StatusAt(ts_ms, FeedStatus(FeedState.LIVE, None, detail, self.gaps))


def _levels(raw: object) -> tuple[tuple[float, float], ...]:
    return tuple((float(p), float(q)) for p, q in raw)  # type: ignore[union-attr]


def _side(raw: str) -> Side:
    return Side.SELL if raw.lower() == "sell" else Side.BUY


def first_symbols(path: Path, fmt_jsonl: bool, limit: int = 5_000) -> dict[str, bool]:
    """The symbols named in the first `limit` records, in order of appearance, each
    with whether a book snapshot of it was among them (always true in a tardis file:
    its book rows are for the book, its trades rows name what a book file holds)."""
    seen: dict[str, bool] = {}
    lines = iter_lines(path)
    if not fmt_jsonl:
        next(lines, None)  # the CSV header
    for n, line in enumerate(lines):
        if n >= limit:
            break
        try:
            if fmt_jsonl:
                rec = json.loads(line)
                sym, book = rec.get("symbol"), rec.get("kind") == "snapshot"
            else:
                sym, book = line.split(",", 2)[1], True
        except (ValueError, IndexError, AttributeError):
            continue
        if sym:
            seen[str(sym)] = seen.get(str(sym), False) or book
    return seen


def read_jsonl(path: Path, keep: dict[str, str], stats: ReadStats) -> Iterator[Timed]:
    """scalp-tui JSON lines (docs/recording-formats.md section 2), every symbol in
    `keep` (as written -> the name it is replayed as), each with its own book state."""
    has_book: set[str] = set()
    last_id: dict[str, int | None] = {}  # the update id each symbol's chain ended on
    for lineno, line in enumerate(iter_lines(path), 1):
        try:
            rec = json.loads(line)
            kind = rec["kind"]
            name = keep.get(rec["symbol"])
            if name is None:
                stats.other_symbols.add(str(rec["symbol"]))
                continue
            t_us = int(rec["t"]) // 1_000
            ts = t_us // 1_000
            if kind == "trade":
                trade = TradeTick(
                    name, ts, float(rec["price"]), float(rec["size"]), _side(rec["side"])
                )
                yield t_us, trade
                continue
            if kind not in ("snapshot", "diff"):
                continue  # kinds this reader doesn't know are for people, not the book
            uid = rec.get("update_id")
            uid = None if uid is None else int(uid)
            snapshot = kind == "snapshot"
            if snapshot:
                has_book.add(name)
            elif name not in has_book:
                stats.before_snapshot += 1
                continue
            elif name in stats.broken:
                stats.dropped_in_gap += 1  # waiting for the next snapshot
                continue
            else:
                prev = rec.get("prev_update_id")
                last = last_id.get(name)
                if prev is not None and last is not None and int(prev) != last:
                    stats.dropped_in_gap += 1
                    reason = f"update id gap at {path.name} line {lineno}: prev {prev} after {last}"
                    yield t_us, stats.gap(ts, name, reason)
                    continue
            last_id[name] = uid
            bids, asks = _levels(rec.get("bids", ())), _levels(rec.get("asks", ()))
            yield t_us, BookUpdate(name, ts, bids, asks, snapshot=snapshot, update_id=uid)
            if snapshot:
                status = stats.resynced(ts, name)
                if status is not None:
                    yield t_us, status
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordingError(
                f"{path.name} line {lineno}: not a valid record ({exc!r})"
            ) from None


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    lines = iter_lines(path)
    header = next(lines, "")
    for lineno, row in enumerate(csv.reader(lines), 2):
        if len(row) < 8:
            raise RecordingError(f"{path.name} line {lineno}: {len(row)} columns, not 8 ({header})")
        yield lineno, row


def read_tardis_book(path: Path, keep: dict[str, str], stats: ReadStats) -> Iterator[Timed]:
    """tardis.dev incremental_book_L2, every symbol in `keep`: a symbol's rows sharing
    local_timestamp make one update; a run of its is_snapshot rows is one snapshot (the
    book is replaced, so cleared), even when another symbol's rows come between."""
    has_book: set[str] = set()
    in_snapshot: dict[str, bool] = {}  # the symbol's last row was a snapshot row
    group: str | None = None  # the symbol of the update being gathered
    group_us = 0
    group_snapshot = False  # gathering snapshot rows
    group_clears = False  # ... that start a new book (not the rest of a run)
    bids: list[tuple[float, float]] = []
    asks: list[tuple[float, float]] = []

    def flush() -> Timed:
        assert group is not None
        update = BookUpdate(
            group, group_us // 1_000, tuple(bids), tuple(asks), snapshot=group_clears
        )
        bids.clear()
        asks.clear()
        return group_us, update

    for lineno, row in _csv_rows(path):
        name = keep.get(row[1])
        if name is None:
            stats.other_symbols.add(row[1])
            continue
        try:
            local_us = int(row[3])
            snapshot = row[4].strip().lower() == "true"
            price, amount = float(row[6]), float(row[7])
        except ValueError as exc:
            raise RecordingError(f"{path.name} line {lineno}: {exc}") from None
        if group is not None:
            # A snapshot run stays one update even across receive times; otherwise a
            # new receive time, another symbol or a switch between snapshot and diff
            # rows ends it.
            same = (
                name == group and snapshot == group_snapshot and (snapshot or local_us == group_us)
            )
            if not same:
                yield flush()
                group = None
        continues = in_snapshot.get(name, False)
        in_snapshot[name] = snapshot
        if snapshot:
            has_book.add(name)
        elif name not in has_book:
            stats.before_snapshot += 1
            continue
        if group is None:
            group, group_snapshot = name, snapshot
            group_clears = snapshot and not continues
        group_us = local_us
        if snapshot and amount == 0.0:
            continue  # nothing to place in a fresh book
        (bids if row[5].strip().lower() == "bid" else asks).append((price, amount))
    if group is not None:
        yield flush()


def read_tardis_trades(path: Path, keep: dict[str, str], stats: ReadStats) -> Iterator[Timed]:
    """tardis.dev trades of every symbol in `keep`: one TradeTick per row, side the
    taker's."""
    for lineno, row in _csv_rows(path):
        name = keep.get(row[1])
        if name is None:
            stats.other_symbols.add(row[1])
            continue
        try:
            local_us = int(row[3])
            trade = TradeTick(name, local_us // 1_000, float(row[6]), float(row[7]), _side(row[5]))
        except ValueError as exc:
            raise RecordingError(f"{path.name} line {lineno}: {exc}") from None
        yield local_us, trade
