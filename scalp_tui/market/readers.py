"""Readers for scalp-tui JSON lines and tardis.dev CSV recordings.

Each reader yields `(receive time in µs, event)` so several files (a tardis book and
its trades) can be merged on the clock they were recorded on; `events` is then the
second item. Only one symbol is read (`keep`, the name as written in the file), and its
events carry `name` (the unified symbol the engine trades).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scalp_tui.engine.protocol import BookUpdate, Side, TradeTick
from scalp_tui.market.formats import RecordingError, iter_lines

Timed = tuple[int, BookUpdate | TradeTick]


@dataclass
class ReadStats:
    """What a reader dropped, so a replay can say it (nothing is skipped silently)."""

    before_snapshot: int = 0  # book messages before the symbol's first snapshot
    gaps: int = 0  # JSON lines whose prev_update_id broke the chain
    dropped_in_gap: int = 0  # diffs dropped while waiting for the snapshot after a gap
    other_symbols: set[str] = field(default_factory=set)


def _levels(raw: object) -> tuple[tuple[float, float], ...]:
    return tuple((float(p), float(q)) for p, q in raw)  # type: ignore[union-attr]


def _side(raw: str) -> Side:
    return Side.SELL if raw.lower() == "sell" else Side.BUY


def first_symbols(path: Path, fmt_jsonl: bool, limit: int = 5_000) -> list[str]:
    """The symbols named in the first `limit` records, in order of appearance."""
    seen: dict[str, None] = {}
    lines = iter_lines(path)
    if not fmt_jsonl:
        next(lines, None)  # the CSV header
    for n, line in enumerate(lines):
        if n >= limit:
            break
        try:
            sym = json.loads(line).get("symbol") if fmt_jsonl else line.split(",", 2)[1]
        except (ValueError, IndexError, AttributeError):
            continue
        if sym:
            seen.setdefault(str(sym), None)
    return list(seen)


def read_jsonl(path: Path, keep: str, name: str, stats: ReadStats) -> Iterator[Timed]:
    """scalp-tui JSON lines (docs/recording-formats.md section 2)."""
    has_book = False
    waiting = False  # a gap: diffs are dropped until the next snapshot
    last_id: int | None = None
    for lineno, line in enumerate(iter_lines(path), 1):
        try:
            rec = json.loads(line)
            kind = rec["kind"]
            if rec["symbol"] != keep:
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
                has_book, waiting = True, False
            elif not has_book:
                stats.before_snapshot += 1
                continue
            else:
                prev = rec.get("prev_update_id")
                if (
                    not waiting
                    and prev is not None
                    and last_id is not None
                    and int(prev) != last_id
                ):
                    stats.gaps += 1
                    waiting = True
                if waiting:
                    stats.dropped_in_gap += 1
                    continue
            last_id = uid
            bids, asks = _levels(rec.get("bids", ())), _levels(rec.get("asks", ()))
            yield t_us, BookUpdate(name, ts, bids, asks, snapshot=snapshot, update_id=uid)
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


def read_tardis_book(path: Path, keep: str, name: str, stats: ReadStats) -> Iterator[Timed]:
    """tardis.dev incremental_book_L2: rows sharing local_timestamp make one update; a
    run of is_snapshot rows is one snapshot (the book is replaced, so cleared)."""
    has_book = False
    group_us: int | None = None
    group_snapshot = False
    bids: list[tuple[float, float]] = []
    asks: list[tuple[float, float]] = []

    def flush() -> Timed:
        assert group_us is not None
        ts = group_us // 1_000
        update = BookUpdate(name, ts, tuple(bids), tuple(asks), snapshot=group_snapshot)
        bids.clear()
        asks.clear()
        return group_us, update

    for lineno, row in _csv_rows(path):
        if row[1] != keep:
            stats.other_symbols.add(row[1])
            continue
        try:
            local_us = int(row[3])
            snapshot = row[4].strip().lower() == "true"
            price, amount = float(row[6]), float(row[7])
        except ValueError as exc:
            raise RecordingError(f"{path.name} line {lineno}: {exc}") from None
        if group_us is not None:
            # A snapshot run stays one update even across receive times; otherwise a
            # new receive time or a switch between snapshot and diff rows ends it.
            same = snapshot == group_snapshot and (snapshot or local_us == group_us)
            if not same:
                yield flush()
                group_us = None
        if snapshot:
            has_book = True
        elif not has_book:
            stats.before_snapshot += 1
            continue
        if group_us is None:
            group_snapshot = snapshot
        group_us = local_us
        if snapshot and amount == 0.0:
            continue  # nothing to place in a fresh book
        (bids if row[5].strip().lower() == "bid" else asks).append((price, amount))
    if group_us is not None:
        yield flush()


def read_tardis_trades(path: Path, keep: str, name: str, stats: ReadStats) -> Iterator[Timed]:
    """tardis.dev trades: one TradeTick per row, side the taker's."""
    for lineno, row in _csv_rows(path):
        if row[1] != keep:
            stats.other_symbols.add(row[1])
            continue
        try:
            local_us = int(row[3])
            trade = TradeTick(name, local_us // 1_000, float(row[6]), float(row[7]), _side(row[5]))
        except ValueError as exc:
            raise RecordingError(f"{path.name} line {lineno}: {exc}") from None
        yield local_us, trade
