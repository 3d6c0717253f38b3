"""Replay throughput on the real recording, and ccxt.pro's book handling of the same frames.

Whole pipeline: file -> gunzip -> parse -> BookUpdate/TradeTick (market.recording) ->
engine (book, candles, signal, gates, positions, exits) -> paper broker, on the
recording's clock with the engine's timer every 250 ms, in auto mode. Stages are timed
cumulatively (each run repeats the ones before it) to give each one's share:
  gunzip   lines out of the file (the reader's line layer: inflate + split)
  parse    + the reader's json parsing of the depth and trade lines
  events   + the reader's Binance rules and BookUpdate/TradeTick building
  engine   + the engine and the paper broker
and, on its own, our book handling: the reader's events with each book update applied
to an OrderBook and nothing else (the work ccxt's handle_message does; the reader still
parses the trade lines, ccxt never sees them, so this errs against us).
ccxt.pro (bench/ccxt_handling.py): a real `ccxt.pro.binanceusdm` client, its book
seeded from the recording's REST snapshot, gets every depth frame through
`handle_message` (stub client, no socket): once with ccxt's own json parsing of each
frame (what its socket does), once on frames parsed beforehand, and once with the
trade frames too, in file order (the frames the whole pipeline reads: what a ccxt.pro
client watching the symbol's book and trades handles). Figures only; best of --repeat
rounds, each round running every measurement once (ours and ccxt's alike, under the
same load).
Run:  python bench/replay_throughput.py [--repeat N] [--file PATH] [--instructions]
Seconds move with other load on the machine; instructions do not. `--instructions`
(needs valgrind; a few minutes) also counts the instructions of the whole pipeline, of
our book handling alone and of ccxt's parse + handle_message, and prints their ratios.
It runs `--once STAGE`, which runs one stage once and prints nothing else, e.g.
  valgrind --tool=cachegrind --cache-sim=yes python bench/replay_throughput.py --once engine
minus the same with `--once none` (the imports and the first read of the file);
`--once ccxt` (or `ccxt-trades`) minus `--once ccxt-none` (the same client made and
seeded, no frame handled) is ccxt's side; `--once memory` is the engine alone on events held in
memory, `--once load` the loading of those events without the engine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import platform
import re
import shutil
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# ccxt's side and ours are timed by the one CLOCK
from ccxt_handling import BTC, CLOCK, ccxt_handling, read_frames
from shared_data import default_recording

from scalp_tui.config import load_config
from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.clock import ManualClock
from scalp_tui.engine.engine import Engine
from scalp_tui.engine.params import EngineParams
from scalp_tui.engine.protocol import BookUpdate, MarketInfo, TradeTick
from scalp_tui.execution.paper import PaperBroker
from scalp_tui.market import formats, recording
from scalp_tui.market.feed import TIMER_MS

BTC_INFO = MarketInfo(BTC, tick_size=0.1, lot_size=0.001, min_qty=0.001)


def best(runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = CLOCK()
        result = fn()
        times.append(CLOCK() - start)
    return min(times), result


# -- our pipeline -----------------------------------------------------------------


def stage_gunzip(path: Path) -> int:
    return sum(len(block.splitlines()) for block in formats.iter_blocks(path))


def stage_parse(path: Path) -> int:
    return sum(1 for _ in recording._frames(path))


def stage_events(path: Path) -> int:
    return sum(1 for _ in recording.read_recording(path, BTC))


def stage_book(path: Path) -> int:
    """File -> parse -> our book: the work ccxt's handle_message does for a depth frame
    (the reader parses the trade lines too; they are simply not applied)."""
    book = OrderBook(BTC)
    apply = book.apply
    n = 0
    for event in recording.read_recording(path, BTC):
        if type(event) is BookUpdate:
            apply(event.bids, event.asks, event.ts_ms, event.snapshot)
            n += 1
    return n


def make_engine(start_ms: int) -> tuple[Engine, ManualClock]:
    overrides = {"mode": "auto", "max_daily_loss": 1e7, "symbols": [BTC]}
    settings = load_config(None, overrides=overrides, env={}).settings
    clock = ManualClock(start_ms)
    paper = PaperBroker(settings.taker_fee, settings.maker_fee)
    engine = Engine(EngineParams.from_settings(settings), clock, {BTC: BTC_INFO}, {"paper": paper})
    return engine, clock


def feed_engine(events: Any, engine: Engine, clock: ManualClock) -> int:
    on_book, on_trade, on_timer = engine.on_book, engine.on_trade, engine.on_timer
    next_timer: int | None = None
    n = 0
    for event in events:
        ts = event.ts_ms
        if next_timer is None:
            next_timer = ts + TIMER_MS
        while ts >= next_timer:
            clock.set(next_timer)
            on_timer()
            next_timer += TIMER_MS
        if ts > clock.now_ms():
            clock.set(ts)
        if type(event) is BookUpdate:
            on_book(event)
        elif type(event) is TradeTick:
            on_trade(event)
        else:  # a gap's resync (none in the shared recording)
            engine.on_feed_status(event.status)
        n += 1
    return n


def engine_only(path: Path, start_ms: int, repeat: int) -> float:
    events = list(recording.read_recording(path, BTC))
    return min(
        best(1, lambda: feed_engine(events, *make_engine(start_ms)))[0] for _ in range(repeat)
    )


def stage_engine(path: Path, start_ms: int) -> tuple[int, dict]:
    engine, clock = make_engine(start_ms)
    n = feed_engine(recording.read_recording(path, BTC), engine, clock)
    return n, engine.summary()


def _levels_stdlib(raw: list[list[str]]) -> tuple[tuple[float, float], ...]:
    return tuple((float(p), float(q)) for p, q in raw)  # the reader's before orjson/isal


@contextlib.contextmanager
def stdlib_reader() -> Iterator[None]:
    """The reader without its speed-ups: zlib's inflate, json, levels from a generator."""
    swaps = [
        (formats, "_decompressobj", zlib.decompressobj),
        (recording, "_loads", json.loads),
        (recording, "_levels", _levels_stdlib),
    ]
    old = [getattr(module, name) for module, name, _ in swaps]
    for module, name, value in swaps:
        setattr(module, name, value)
    try:
        yield
    finally:
        for (module, name, _), value in zip(swaps, old, strict=True):
            setattr(module, name, value)


def rounds(
    path: Path, start_ms: int, repeat: int, ccxt: dict[str, Callable[[], float]]
) -> dict[str, dict[str, float]]:
    """Best of `repeat` rounds; each round times every stage of both readers (the
    stdlib one and the fast one) and ccxt's runs once, so that load from elsewhere on
    the shared cores falls on all of them alike and the ratios compare like with like."""
    stages: dict[str, Callable[[], Any]] = {
        "gunzip": lambda: stage_gunzip(path),
        "parse": lambda: stage_parse(path),
        "events": lambda: stage_events(path),
        "engine": lambda: stage_engine(path, start_ms),
        "book": lambda: stage_book(path),
    }
    times: dict[str, dict[str, float]] = {"stdlib": {}, "fast": {}, "ccxt": {}}
    for _ in range(repeat):
        for name, fn in stages.items():
            for mode in ("fast",) if name == "book" else ("stdlib", "fast"):
                with stdlib_reader() if mode == "stdlib" else contextlib.nullcontext():
                    took = best(1, fn)[0]
                times[mode][name] = min(took, times[mode].get(name, took))
        for name, run in ccxt.items():
            took = run()
            times["ccxt"][name] = min(took, times["ccxt"].get(name, took))
    return times


ONCE = ("gunzip", "parse", "events", "engine", "book", "ccxt", "ccxt-trades", "ccxt-none")


def run_once(path: Path, stage: str) -> None:
    """One stage, once, for an instruction counter (see the module's docstring)."""
    if stage.startswith("ccxt"):  # ccxt-none: the same client made and seeded, no frame
        frames = read_frames(path)
        texts = {"ccxt": frames.depth, "ccxt-trades": frames.depth_and_trades}.get(stage, [])
        asyncio.run(ccxt_handling(frames.snapshot, texts, True))
        return
    first_ms = next(iter(recording.read_recording(path, BTC))).ts_ms
    if stage in ("load", "memory"):
        events = list(recording.read_recording(path, BTC))
        if stage == "memory":
            feed_engine(events, *make_engine(first_ms))
    elif stage == "engine":
        stage_engine(path, first_ms)
    elif stage != "none":
        stages = {"gunzip": stage_gunzip, "parse": stage_parse, "events": stage_events}
        stages["book"] = stage_book
        stages[stage](path)


COUNTED = {  # what is counted: a stage's run minus the run that does all but it
    "whole pipeline": ("engine", "none"),
    "our book handling alone": ("book", "none"),
    "ccxt.pro json parse + handle_message": ("ccxt", "ccxt-none"),
    "ccxt.pro the same, depth and trades": ("ccxt-trades", "ccxt-none"),
}


def instructions(path: Path) -> dict[str, int]:
    """Instructions each of COUNTED executes, counted by valgrind's cachegrind: unlike
    seconds, the count does not move with other load on the machine (each run is
    ~50x slower than the stage itself)."""
    runs: dict[str, int] = {}
    for stage in sorted({stage for pair in COUNTED.values() for stage in pair}):
        command = ["valgrind", "--tool=cachegrind", "--cache-sim=no"]
        command += ["--cachegrind-out-file=/dev/null", sys.executable, __file__]
        command += ["--once", stage, "--file", str(path)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        refs = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        assert refs is not None, f"no instruction count from valgrind: {done.stderr[-300:]}"
        runs[stage] = int(refs.group(1).replace(",", ""))
    return {name: runs[stage] - runs[base] for name, (stage, base) in COUNTED.items()}


def print_instructions(path: Path) -> None:
    counts = instructions(path)
    print()
    print("instructions (valgrind cachegrind, one run each; other load does not move them):")
    for name, count in counts.items():
        print(f"  {name:<37}: {count / 1e9:6.3f} billion")
    ccxt = counts["ccxt.pro json parse + handle_message"]
    for name in ("whole pipeline", "our book handling alone"):
        print(f"ratio in instructions, {name} vs ccxt's parse + handling: "
              f"{ccxt / counts[name]:.2f}x")  # fmt: skip
    both = counts["ccxt.pro the same, depth and trades"]
    print("ratio in instructions, whole pipeline vs ccxt's parse + handling of the depth "
          f"and trade frames: {both / counts['whole pipeline']:.2f}x")  # fmt: skip


# -- report -----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--file", type=Path, default=default_recording())
    parser.add_argument("--once", choices=[*ONCE, "none", "load", "memory"])
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions with valgrind (minutes) and print their ratios",
    )
    args = parser.parse_args()
    path: Path = args.file
    if not path.is_file():
        sys.exit(f"recording not found: {path}")
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions counts with valgrind, which is not on PATH")
    if args.once is not None:
        run_once(path, args.once)
        return
    print(f"command: python {' '.join(sys.argv)}")
    print(f"python {platform.python_version()} on {platform.machine()}, one core; {path.name}")
    decompressor = getattr(formats, "DECOMPRESSOR", "gzip (zlib)")
    json_parser = getattr(recording, "JSON_PARSER", "json")

    # streamed, never held: a list of every event alive during the timed stages
    # makes each full garbage collection walk a million objects
    first_ms = last_ms = None
    books = trades = 0
    for event in recording.read_recording(path, BTC):
        first_ms = event.ts_ms if first_ms is None else first_ms
        last_ms = event.ts_ms
        if type(event) is BookUpdate:
            books += 1
        elif type(event) is TradeTick:
            trades += 1
    assert first_ms is not None and last_ms is not None
    span_s = (last_ms - first_ms) / 1000
    lines = stage_gunzip(path)
    print(
        f"recording: {lines:,} lines, {books:,} book updates + {trades:,} trades "
        f"= {books + trades:,} events over {span_s:,.1f} s; CPU seconds, best of {args.repeat}"
    )

    frames = read_frames(path)
    snapshot, texts = frames.snapshot, frames.depth
    nonce = asyncio.run(ccxt_handling(snapshot, texts, True))[1]
    # the frames for "handle" are parsed afresh for each run (untimed) and dropped
    # after it: ~1.3M parsed objects held through our stages would slow every full
    # garbage collection there
    ccxt = {
        "parse": lambda: asyncio.run(ccxt_handling(snapshot, texts, True))[0],
        "handle": lambda: asyncio.run(
            ccxt_handling(snapshot, [json.loads(t) for t in texts], False)
        )[0],
        "trades": lambda: asyncio.run(ccxt_handling(snapshot, frames.depth_and_trades, True))[0],
    }
    times = rounds(path, first_ms, args.repeat, ccxt)
    n, summary = stage_engine(path, first_ms)
    for mode in ("stdlib", "fast"):
        t = times[mode]
        t_all = t["engine"]
        print()
        label = "zlib + json" if mode == "stdlib" else f"{decompressor} + {json_parser}"
        print(f"{mode} ({label}):")
        print(f"  whole pipeline : {n / t_all:,.0f} events/s, {span_s / t_all:,.0f}x real time "
              f"({t_all:.3f} s)")  # fmt: skip
        for name, cost in (
            ("gunzip + lines", t["gunzip"]),
            ("json parsing", t["parse"] - t["gunzip"]),
            ("reader rules + events", t["events"] - t["parse"]),
            ("engine + paper", t["engine"] - t["events"]),
        ):
            print(f"    {name:<22} {cost:7.3f} s  {100 * cost / t_all:5.1f} %")
    t_engine_only = engine_only(path, first_ms, args.repeat)
    print(f"  (engine + paper alone, events in memory: {t_engine_only:.3f} s; "
          f"entries {summary['entries']}, exits {summary['exits']})")  # fmt: skip
    t = times["fast"]
    t_all = t["engine"]
    t_ccxt, t_ccxt_pre = times["ccxt"]["parse"], times["ccxt"]["handle"]
    print()
    print(f"ccxt.pro binanceusdm, {len(texts):,} depth frames (its book ends at nonce {nonce}):")
    print(f"  json parse + handle_message : {t_ccxt:.3f} s, {span_s / t_ccxt:,.0f}x real time")
    print(
        f"  handle_message only         : {t_ccxt_pre:.3f} s, {span_s / t_ccxt_pre:,.0f}x real time"
    )
    t_both = times["ccxt"]["trades"]
    print(f"  the same with the {frames.trades:,} trade frames too (json parse + handle_message): "
          f"{t_both:.3f} s, {span_s / t_both:,.0f}x real time")  # fmt: skip
    t_book = t["book"]
    print()
    print("ours, book handling alone (file -> gunzip -> parse -> our book, no engine): "
          f"{t_book:.3f} s, {span_s / t_book:,.0f}x real time")  # fmt: skip
    print()
    print(f"ratio, whole pipeline vs ccxt's parse + book handling     : {t_ccxt / t_all:.2f}x")
    print(f"ratio, our book handling alone vs ccxt's parse + handling : {t_ccxt / t_book:.2f}x")
    print(f"ratio, whole pipeline vs ccxt's handling of depth + trades: {t_both / t_all:.2f}x")
    if args.instructions:
        print_instructions(path)
    print("targets: >= 200x real time for the whole pipeline; >= 3x ccxt.pro on the same")
    print("frames (whole pipeline vs its depth + trades handling; docs/backtest.md says why)")


if __name__ == "__main__":
    main()
