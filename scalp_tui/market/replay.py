"""Replaying a recording into the engine through the same path as the live feed.

`ReplaySource` is an `EventSource` (see feed.py): `PacedFeed(source, clock, speed)`
plays it with the recorded receive times as the engine's clock, as fast as possible
(speed 0) or `speed` times real time. The backtest iterates `events()` directly.

    source = ReplaySource([Path("btcusdt.jsonl.gz")])   # or several files, merged
    source.symbols       # the unified symbols the events carry (["BTC/USDT:USDT"])
    source.start_ms      # receive time of the first event
    for event in source.events(): ...   # BookUpdate | TradeTick | StatusAt (a gap, a resync)

Formats (told from content, see formats.py and docs/recording-formats.md): Binance
frames as received, scalp-tui JSON lines, tardis.dev incremental_book_L2 and trades CSV.
Every problem with a file is a RecordingError whose str() is one line.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path

from scalp_tui.engine.protocol import BookUpdate, MarketInfo, TradeTick
from scalp_tui.market.feed import StatusAt
from scalp_tui.market.formats import (
    BINANCE_RAW,
    JSONL,
    TARDIS_BOOK,
    TARDIS_TRADES,
    RecordingError,
    iter_lines,
    sniff,
)
from scalp_tui.market.readers import (
    ReadStats,
    Timed,
    first_symbols,
    read_jsonl,
    read_tardis_book,
    read_tardis_trades,
)
from scalp_tui.market.recording import probe_binance, read_recording
from scalp_tui.market.symbols import unified_symbol

__all__ = ["RecordingError", "ReplaySource", "detect"]


def detect(path: Path) -> str:
    """The format of one file: binance-raw, scalp-jsonl, tardis-book or tardis-trades."""
    return sniff(Path(path))


SYMBOL_SCAN = 20_000  # records read at the start of a file to list its symbols


def _binance_timed(path: Path, name: str, stats: ReadStats) -> Iterator[Timed]:
    for event in read_recording(path, name, stats):
        yield event.ts_ms * 1_000, event


class ReplaySource:
    """Book updates and trades from one or more recordings, in receive order, for every
    symbol they hold (each its own book) or the one asked for.

    `symbol`: with a recording of one symbol, the name to replay it as (default: the
    unified form of the recorded name); with several, which one to replay (its venue
    or unified name; default all of them). A file's symbols are those named in its
    first SYMBOL_SCAN records; one first seen later is skipped and said so.
    """

    def __init__(self, paths: Sequence[Path] | Path, symbol: str | None = None) -> None:
        self.paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
        if not self.paths:
            raise RecordingError("no recording given")
        self.formats = [sniff(p) for p in self.paths]
        self.stats = ReadStats()
        self._keep: dict[Path, dict[str, str]] = {}  # per file: as written -> replayed as
        self.renamed: dict[str, str] = {}  # recorded (unified) -> the name asked for
        self.symbols = self._choose(symbol)
        self.symbol = self.symbols[0]
        first = next(self.events(ReadStats()), None)
        if first is None:
            names = ", ".join(p.name for p in self.paths)
            raise RecordingError(f"{names}: no book updates or trades for {self.symbol}")
        self.start_ms = first.ts_ms

    def _choose(self, wanted: str | None) -> list[str]:
        """Pick the recorded symbols to read in each file and the names they replay as."""
        names: dict[str, str] = {}  # unified -> as written, in order of appearance
        booked: set[str] = set()  # the ones with a book snapshot: all that can trade
        per_file: list[tuple[Path, dict[str, str]]] = []
        for path, fmt in zip(self.paths, self.formats, strict=True):
            if fmt == BINANCE_RAW:
                info = probe_binance(path)
                found = {info.symbol: info.venue_symbol}
                booked.add(info.symbol)
            else:
                found = {}
                exchange = _tardis_exchange(path) if fmt != JSONL else ""
                for raw, book in first_symbols(path, fmt == JSONL, SYMBOL_SCAN).items():
                    uni = unified_symbol(raw, exchange) if exchange else raw
                    found.setdefault(uni, raw)
                    if book:
                        booked.add(uni)
            if not found:
                raise RecordingError(f"{path.name}: no records with a symbol")
            per_file.append((path, found))
            for uni, raw in found.items():
                names.setdefault(uni, raw)
        # by default every symbol with a book; trades alone are nothing to trade on
        chosen = [u for u in names if u in booked] or list(names)
        if wanted is not None:
            match = [u for u, raw in names.items() if wanted in (u, raw) or wanted.upper() == raw]
            if match:
                chosen = match[:1]
            elif len(names) == 1:
                self.renamed[chosen[0]] = wanted  # one symbol: replay it under the name asked for
            else:
                raise RecordingError(f"no {wanted} in the recording; it holds {', '.join(names)}")
        for path, found in per_file:
            keep = {found[u]: self.renamed.get(u, u) for u in chosen if u in found}
            if not keep:
                raise RecordingError(f"{path.name}: no {', '.join(chosen)} in it")
            self._keep[path] = keep
        return [self.renamed.get(u, u) for u in chosen]

    def initial_books(self) -> list[BookUpdate]:
        # A recording's first book is one of its events (a snapshot), at its own time.
        return []

    def events(self, stats: ReadStats | None = None) -> Iterator[BookUpdate | TradeTick | StatusAt]:
        """A fresh pass over the recording(s), merged by receive time; what it drops is
        counted in `stats` (by default the source's own, counted afresh for this pass,
        which `dropped` reports)."""
        if stats is None:
            self.stats = stats = ReadStats()
        if len(self.paths) == 1 and self.formats[0] == BINANCE_RAW:
            # one file of Binance frames: its events as the reader yields them, without
            # the receive-time keys a merge needs (two generator hops an event fewer)
            return read_recording(
                self.paths[0], next(iter(self._keep[self.paths[0]].values())), stats
            )
        streams: list[Iterator[Timed]] = []
        for path, fmt in zip(self.paths, self.formats, strict=True):
            keep = self._keep[path]
            if fmt == BINANCE_RAW:
                streams.append(_binance_timed(path, next(iter(keep.values())), stats))
            elif fmt == JSONL:
                streams.append(read_jsonl(path, keep, stats))
            elif fmt == TARDIS_BOOK:
                streams.append(read_tardis_book(path, keep, stats))
            elif fmt == TARDIS_TRADES:
                streams.append(read_tardis_trades(path, keep, stats))
        if len(streams) == 1:
            return (event for _, event in streams[0])
        # Equal times keep file order (heapq.merge is stable): a book before its trades.
        return (event for _, event in heapq.merge(*streams, key=lambda timed: timed[0]))

    def market_infos(self) -> dict[str, MarketInfo]:
        """Each symbol's tick and lot size, read off its first snapshot (a recording
        holds no venue metadata): the smallest price step between its levels and the
        finest size."""
        firsts: dict[str, BookUpdate] = {}
        for event in self.events(ReadStats()):
            if type(event) is BookUpdate and event.snapshot and event.symbol not in firsts:
                firsts[event.symbol] = event
                if len(firsts) == len(self.symbols):
                    break
        missing = [s for s in self.symbols if s not in firsts]
        if missing:
            names = ", ".join(p.name for p in self.paths)
            raise RecordingError(f"{names}: no book snapshot to start {', '.join(missing)} from")
        infos = {}
        for symbol in self.symbols:
            levels = tuple(firsts[symbol].bids) + tuple(firsts[symbol].asks)
            infos[symbol] = MarketInfo(symbol, _step(levels), _lot(levels), _lot(levels))
        return infos

    def market_info(self) -> MarketInfo:
        """The first symbol's (see market_infos)."""
        return self.market_infos()[self.symbol]

    @property
    def feed_detail(self) -> str:
        return f"replay: {', '.join(p.name for p in self.paths)}"

    def describe(self) -> str:
        """One line for the console and the summary: what is being replayed."""
        files = ", ".join(f"{p.name} ({f})" for p, f in zip(self.paths, self.formats, strict=True))
        renamed = "".join(f" (recorded as {was})" for was in self.renamed)
        return f"replay of {', '.join(self.symbols)}{renamed} from {files}"

    def dropped(self) -> str:
        """What the readers skipped so far, in one line ('' when nothing)."""
        s = self.stats
        parts = []
        if s.before_snapshot:
            parts.append(f"{s.before_snapshot} book messages before the first snapshot")
        if s.gaps:
            gaps = f"{s.gaps} gap{'s' if s.gaps > 1 else ''} in the depth updates"
            parts.append(f"{gaps} ({s.dropped_in_gap} diffs dropped until a snapshot)")
        if s.broken:
            parts.append(
                f"no snapshot after the last gap of {', '.join(sorted(s.broken))}: "
                "its book stayed down (no entries) to the end"
            )
        if s.other_symbols:
            parts.append(f"other symbols skipped: {', '.join(sorted(s.other_symbols))}")
        return "; ".join(parts)


def _tardis_exchange(path: Path) -> str:
    """The `exchange` column of a tardis.dev file's first row."""
    lines = iter_lines(path)
    next(lines, None)
    row = next(lines, "")
    return row.split(",", 1)[0] if "," in row else ""


def _decimals(x: float) -> int:
    text = repr(x)
    if "e-" in text:
        return int(text.split("e-")[1])
    return len(text.partition(".")[2].rstrip("0"))


def _step(levels: tuple[tuple[float, float], ...]) -> float:
    """The price tick: the finest decimal place written in the prices, or the smallest
    gap between levels when every gap is a multiple of it (a 0.5 tick)."""
    prices = sorted({p for p, _ in levels[:200]})
    places = max((_decimals(p) for p in prices), default=0)
    tick = 10.0**-places
    gaps = [round(b - a, places) for a, b in itertools.pairwise(prices)]
    smallest = min((g for g in gaps if g > 0), default=tick)
    if smallest > tick and all(abs(g / smallest - round(g / smallest)) < 1e-6 for g in gaps):
        return smallest
    return tick


def _lot(levels: tuple[tuple[float, float], ...]) -> float:
    return 10.0 ** -max((_decimals(q) for _, q in levels[:400]), default=0)
