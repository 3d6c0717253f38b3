"""Replaying a recording into the engine through the same path as the live feed.

`ReplaySource` is an `EventSource` (see feed.py): `PacedFeed(source, clock, speed)`
plays it with the recorded receive times as the engine's clock, as fast as possible
(speed 0) or `speed` times real time. The backtest iterates `events()` directly.

    source = ReplaySource([Path("btcusdt.jsonl.gz")])   # or several files, merged
    source.symbol        # the unified symbol the events carry ("BTC/USDT:USDT")
    source.start_ms      # receive time of the first event
    for event in source.events(): ...                   # BookUpdate | TradeTick

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


def _binance_timed(path: Path, name: str) -> Iterator[Timed]:
    for event in read_recording(path, name):
        yield event.ts_ms * 1_000, event


class ReplaySource:
    """One symbol's book updates and trades from one or more recordings, in receive order.

    `symbol`: with a recording of one symbol, the name to replay it as (default: the
    unified form of the recorded name); with several, which one to replay (its venue or
    unified name; default the first seen in the first file).
    """

    def __init__(self, paths: Sequence[Path] | Path, symbol: str | None = None) -> None:
        self.paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
        if not self.paths:
            raise RecordingError("no recording given")
        self.formats = [sniff(p) for p in self.paths]
        self.stats = ReadStats()
        self._keep: dict[Path, str] = {}
        self.symbol = self._choose(symbol)
        first = next(self.events(), None)
        if first is None:
            names = ", ".join(p.name for p in self.paths)
            raise RecordingError(f"{names}: no book updates or trades for {self.symbol}")
        self.start_ms = first.ts_ms
        self.stats = ReadStats()  # counted afresh by the run that follows

    def _choose(self, wanted: str | None) -> str:
        """Pick the recorded symbol to read in each file and the name it is replayed as."""
        names: dict[str, str] = {}  # unified -> as written, in order of appearance
        per_file: list[tuple[Path, dict[str, str]]] = []
        for path, fmt in zip(self.paths, self.formats, strict=True):
            if fmt == BINANCE_RAW:
                info = probe_binance(path)
                found = {info.symbol: info.venue_symbol}
            else:
                found = {}
                exchange = _tardis_exchange(path) if fmt != JSONL else ""
                for raw in first_symbols(path, fmt == JSONL):
                    found.setdefault(unified_symbol(raw, exchange) if exchange else raw, raw)
            if not found:
                raise RecordingError(f"{path.name}: no records with a symbol")
            per_file.append((path, found))
            for uni, raw in found.items():
                names.setdefault(uni, raw)
        chosen = next(iter(names))
        name = chosen
        if wanted is not None:
            match = [u for u, raw in names.items() if wanted in (u, raw) or wanted.upper() == raw]
            if match:
                chosen = name = match[0]
            elif len(names) == 1:
                name = wanted  # one symbol: replay it under the name asked for
            else:
                raise RecordingError(f"no {wanted} in the recording; it holds {', '.join(names)}")
        for path, found in per_file:
            if chosen in found:
                self._keep[path] = found[chosen]
            else:
                raise RecordingError(f"{path.name}: no {chosen} in it")
        return name

    def initial_books(self) -> list[BookUpdate]:
        # A recording's first book is one of its events (a snapshot), at its own time.
        return []

    def events(self) -> Iterator[BookUpdate | TradeTick]:
        """A fresh pass over the recording(s), merged by receive time."""
        streams: list[Iterator[Timed]] = []
        for path, fmt in zip(self.paths, self.formats, strict=True):
            keep = self._keep[path]
            if fmt == BINANCE_RAW:
                streams.append(_binance_timed(path, self.symbol))
            elif fmt == JSONL:
                streams.append(read_jsonl(path, keep, self.symbol, self.stats))
            elif fmt == TARDIS_BOOK:
                streams.append(read_tardis_book(path, keep, self.symbol, self.stats))
            elif fmt == TARDIS_TRADES:
                streams.append(read_tardis_trades(path, keep, self.symbol, self.stats))
        if len(streams) == 1:
            return (event for _, event in streams[0])
        # Equal times keep file order (heapq.merge is stable): a book before its trades.
        return (event for _, event in heapq.merge(*streams, key=lambda timed: timed[0]))

    def market_info(self) -> MarketInfo:
        """Tick and lot size read off the first snapshot (a recording holds no venue
        metadata): the smallest price step between its levels and the finest size."""
        first = next((e for e in self.events() if type(e) is BookUpdate and e.snapshot), None)
        if first is None:
            raise RecordingError(f"{self.describe()}: no book snapshot to start from")
        return MarketInfo(
            self.symbol,
            _step(first.bids + first.asks),
            _lot(first.bids + first.asks),
            _lot(first.bids + first.asks),
        )

    @property
    def feed_detail(self) -> str:
        return f"replay: {', '.join(p.name for p in self.paths)}"

    def describe(self) -> str:
        """One line for the console and the summary: what is being replayed."""
        files = ", ".join(f"{p.name} ({f})" for p, f in zip(self.paths, self.formats, strict=True))
        return f"replay of {self.symbol} from {files}"

    def dropped(self) -> str:
        """What the readers skipped so far, in one line ('' when nothing)."""
        s = self.stats
        parts = []
        if s.before_snapshot:
            parts.append(f"{s.before_snapshot} book messages before the first snapshot")
        if s.gaps:
            parts.append(f"{s.gaps} gaps ({s.dropped_in_gap} diffs dropped until a snapshot)")
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
