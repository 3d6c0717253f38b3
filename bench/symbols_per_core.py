"""Symbols per core: the CPU share of one core the engine process takes to watch N
symbols at real message rates.

(a) sim: the simulated market (N symbols: BTC, ETH, SOL, then derived ones) paced in
    real time through the engine (book, candles, signal, gates, paper broker), one
    process; the generator's own work is included.
(b) emulator: the Binance USD-M emulator (tests/emulator/serve.py, a process of its
    own) plays the real BTCUSDT recording under N names at its recorded rate (~19 depth
    diffs and ~30-60 trades a second per name); this process runs the real ccxt.pro
    client, the live feed for Binance USD-M (market/binance_feed: the frames taken off
    ccxt.pro's socket, our own book sync) and the engine. Only this process's CPU is
    counted.
CPU share = process CPU seconds / wall seconds over the measured window (after a
warm-up). "lag" is how late a 10 ms heartbeat on the same loop woke (p99 / max): a
loop that keeps up wakes on time. Figures only; nothing is asserted.
Run:  python bench/symbols_per_core.py [--counts 10,30,100] [--seconds 20] [--only sim|emulator]
      [--profile N [--sort cumtime]]  (cProfile of the emulator run with N symbols)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from shared_data import default_recording  # noqa: E402

from scalp_tui.config import Settings  # noqa: E402
from scalp_tui.engine.clock import WallClock  # noqa: E402
from scalp_tui.engine.engine import Engine  # noqa: E402
from scalp_tui.engine.params import EngineParams  # noqa: E402
from scalp_tui.engine.protocol import BookUpdate  # noqa: E402
from scalp_tui.execution.paper import PaperBroker  # noqa: E402
from scalp_tui.market.live_feed import make_live_feed  # noqa: E402
from scalp_tui.market.sim_symbols import sim_symbol_names  # noqa: E402
from scalp_tui.runtime.session import Session  # noqa: E402
from scalp_tui.venue import make_exchange  # noqa: E402

WARMUP_S = 3.0


class Heartbeat:
    """How late a 10 ms sleep wakes on this loop."""

    def __init__(self) -> None:
        self.late_ms: list[float] = []

    async def run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            self.late_ms.append((time.perf_counter() - before) * 1000 - 10)

    def figures(self) -> str:
        late = sorted(self.late_ms) or [0.0]
        p99 = late[min(len(late) - 1, int(0.99 * len(late)))]
        return f"lag p99 {p99:5.1f} ms max {late[-1]:6.1f} ms"


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) another process has used, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb() -> float:
    """This process's peak resident memory (books of every symbol included)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def measure(
    seconds: float, counters: dict[str, int], heartbeat: Heartbeat, other_pid: int | None = None
) -> tuple[float, dict[str, float]]:
    """CPU share and per-second rates of `counters` (read before and after); the
    other process's CPU share as the rate "other_cpu"."""
    await asyncio.sleep(WARMUP_S)
    heartbeat.late_ms.clear()
    start = dict(counters)
    other0 = process_cpu_s(other_pid) if other_pid else 0.0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.sleep(seconds)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    rates = {k: (counters[k] - start[k]) / wall for k in counters}
    if other_pid:
        rates["other_cpu"] = (process_cpu_s(other_pid) - other0) / wall
    return cpu / wall, rates


class Counting:
    """The engine as the feed's sink, counting what reaches it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.counts = {"books": 0, "trades": 0}
        self.seen: set[str] = set()  # symbols whose book arrived

    def on_book(self, update: BookUpdate) -> None:
        self.counts["books"] += 1
        self.seen.add(update.symbol)
        self.engine.on_book(update)

    def on_trade(self, trade: object) -> None:
        self.counts["trades"] += 1
        self.engine.on_trade(trade)  # type: ignore[arg-type]

    def on_feed_status(self, status: object) -> None:
        self.engine.on_feed_status(status)  # type: ignore[arg-type]

    def on_timer(self) -> None:
        self.engine.on_timer()


async def sim_run(count: int, seconds: float) -> str:
    settings = Settings(symbols=sim_symbol_names(count))
    session = Session.simulated(settings, seed=1, speed=1.0)
    feed = session.feed
    heartbeat = Heartbeat()
    beat = asyncio.create_task(heartbeat.run())
    running = asyncio.create_task(session.run())
    counters = {"events": 0}

    async def read_count() -> None:
        while True:
            counters["events"] = feed.events_delivered
            await asyncio.sleep(0.05)

    counting = asyncio.create_task(read_count())
    share, rates = await measure(seconds, counters, heartbeat)
    session.stop()
    for task in (beat, counting):
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    per_symbol = rates["events"] / count
    return (
        f"sim       {count:4d} symbols: CPU {share * 100:5.1f} % of one core, "
        f"{rates['events']:7.0f} events/s ({per_symbol:.1f}/symbol), {heartbeat.figures()}"
    )


async def start_emulator(count: int) -> tuple[subprocess.Popen[str], str]:
    serve = ROOT / "tests" / "emulator" / "serve.py"
    recording = str(default_recording())
    process = subprocess.Popen(
        [
            sys.executable,
            str(serve),
            "--port",
            "0",
            "--recording",
            recording,
            "--symbols",
            str(count),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    line = await asyncio.to_thread(process.stdout.readline)
    if not line.startswith("listening on "):
        process.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    await asyncio.to_thread(process.stdout.readline)  # the environment line
    return process, line.split()[-1]


async def emulator_run(count: int, seconds: float) -> str:
    process, url = await start_emulator(count)
    port = url.rsplit(":", 1)[1]
    exchange = make_exchange("binanceusdm", rest_url=url, ws_url=f"ws://127.0.0.1:{port}/ws")
    names = sim_symbol_names(count)
    # every name carries BTCUSDT's book: the entry rule's volume and spread pass often,
    # so the engine's work per update is the real one
    feed = make_live_feed(exchange, names, WallClock(), depth=50, seed=1)
    try:
        markets = await feed.load_markets()
        settings = Settings(symbols=names, mode="confirm")
        engine = Engine(
            EngineParams.from_settings(settings),
            WallClock(),
            markets,
            {"paper": PaperBroker(settings.taker_fee, settings.maker_fee)},
        )
        sink = Counting(engine)
        stop = asyncio.Event()
        heartbeat = Heartbeat()
        beat = asyncio.create_task(heartbeat.run())
        running = asyncio.create_task(feed.run(sink, stop))
        assert process.stdout is not None
        await asyncio.to_thread(process.stdout.readline)  # "playing under N names"
        synced_from = time.perf_counter()
        # measured once every book is synced (ccxt fetches a 1,000-level snapshot each)
        deadline = time.perf_counter() + 120
        while sink.seen != set(names) and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
        synced = time.perf_counter() - synced_from
        share, rates = await measure(seconds, sink.counts, heartbeat, process.pid)
        stop.set()
        beat.cancel()
        await running
    finally:
        await feed.close()
        process.terminate()
        process.wait(10)
    return (
        f"emulator  {count:4d} symbols: CPU {share * 100:5.1f} % of one core, "
        f"{rates['books']:6.0f} books/s {rates['trades']:6.0f} trades/s "
        f"({(rates['books'] + rates['trades']) / count:.1f}/symbol), resyncs {feed.resyncs}, "
        f"synced in {synced:.1f} s, emulator CPU {rates['other_cpu'] * 100:.0f} %, "
        f"{heartbeat.figures()}, peak RSS {peak_rss_mb():.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="10,30,100")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--only", choices=("sim", "emulator"))
    parser.add_argument("--profile", type=int, metavar="N")
    parser.add_argument("--sort", default="tottime", help="profile order (tottime, cumtime)")
    args = parser.parse_args()
    try:
        counts = [int(c) for c in args.counts.split(",")]
    except ValueError:
        sys.exit("error: --counts takes numbers separated by commas, e.g. 10,30,100")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        print(asyncio.run(emulator_run(args.profile, args.seconds)))
        profile.disable()
        pstats.Stats(profile).sort_stats(args.sort).print_stats(30)
        return
    if not default_recording().is_file():
        sys.exit(f"error: the recording is not at {default_recording()}")
    print(f"{args.seconds:g} s per run after {WARMUP_S:g} s of warm-up; 2-core machine, shared")
    for count in counts:
        if args.only != "emulator":
            print(asyncio.run(sim_run(count, args.seconds)), flush=True)
        if args.only != "sim":
            print(asyncio.run(emulator_run(count, args.seconds)), flush=True)


if __name__ == "__main__":
    main()
