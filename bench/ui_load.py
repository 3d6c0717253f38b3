"""The console under load: frames/s, CPU, event-loop lag, and the engine's own latency.

Runs the real console (headless Textual driver) at 160x48 on the simulated market,
paced to about 100 book updates per second, in auto mode so the engine trades.
Measures, over `--seconds` of wall time:
- ladder frames/s: the console's 20 Hz ladder ticks that ran (each brings the ladder
  up to date with the book), and of them the ones whose picture changed (only those
  are repainted, and only their changed rows; a quiet book changes less often),
- CPU as a share of one core (process CPU time / wall time),
- event-loop lag: how late a 5 ms timer fires (p50/p99),
- tick-to-decision: wall time the engine spends handling one book update, including
  any entry or exit it decides (p50/p99), while the console renders.
--attached measures the console as plain `scalp-tui` runs it: the engine in a process
of its own (`scalp-tui engine`, simulated market at the same rate), the console
attached to it here; CPU is then the console's alone (the engine's is printed beside
it, from /proc), and tick-to-decision is not measured here.
Run:  python bench/ui_load.py [--seconds 20] [--rate 100] [--attached]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scalp_tui.config import load_config
from scalp_tui.runtime.recovery import attach
from scalp_tui.runtime.session import Session
from scalp_tui.store.journal import Journal
from scalp_tui.tui.app import ScalpApp
from scalp_tui.tui.widgets.lines import Line

SIM_UPDATES_PER_S = 58.0  # three symbols at ~19.3 depth updates/s each (market_stats)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def measure(seconds: float, rate: float) -> dict[str, float]:
    # a daily loss limit the run never reaches (the largest the configuration takes)
    overrides = {"mode": "auto", "max_daily_loss": 1e7}
    settings = load_config(None, overrides=overrides, env={}).settings
    session = Session.simulated(settings, seed=1, speed=rate / SIM_UPDATES_PER_S)
    # journaled, as the command runs it
    journal = Journal(Path(tempfile.mkdtemp()) / "journal.sqlite", session="bench")
    attach(session, journal)
    app = ScalpApp(session, settings)

    decisions: list[float] = []
    engine = session.engine
    on_book = engine.on_book

    def timed_on_book(update):  # the engine's own work for one market message
        start = time.perf_counter()
        on_book(update)
        decisions.append(time.perf_counter() - start)

    engine.on_book = timed_on_book  # type: ignore[method-assign]

    lags: list[float] = []

    async def lag_probe() -> None:
        interval = 0.005
        while True:
            start = time.perf_counter()
            await asyncio.sleep(interval)
            lags.append(time.perf_counter() - start - interval)

    async with app.run_test(size=(160, 48)) as pilot:
        frames = LadderFrames(app)
        await pilot.pause(1.0)  # warm up
        decisions.clear()
        lags.clear()
        frames.reset()
        updates0 = engine.book_updates
        probe = asyncio.create_task(lag_probe())
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        probe.cancel()
        updates = engine.book_updates - updates0
    journal.close()
    return {
        "book updates/s": updates / wall,
        "ladder frames/s": frames.ticks / wall,
        "  of which changed": frames.changed / wall,
        "cpu % of one core": 100 * cpu / wall,
        "loop lag p50 ms": 1000 * statistics.median(lags),
        "loop lag p99 ms": 1000 * pct(lags, 0.99),
        "tick-to-decision p50 us": 1e6 * statistics.median(decisions),
        "tick-to-decision p99 us": 1e6 * pct(decisions, 0.99),
        "entries": float(engine.summary()["entries"]),
    }


class LadderFrames:
    """Counts the ladder's ticks, and those that changed what it shows."""

    def __init__(self, app: ScalpApp) -> None:
        self.ticks = self.changed = 0
        set_lines = app.ladder.set_lines  # called once a tick

        def counted(lines: list[Line], dimmed: bool = False) -> bool:
            changed = set_lines(lines, dimmed)
            self.ticks += 1
            self.changed += changed
            return changed

        app.ladder.set_lines = counted  # type: ignore[method-assign]

    def reset(self) -> None:
        self.ticks = self.changed = 0


def _process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process `pid` (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure_attached(seconds: float, rate: float) -> dict[str, float]:
    from scalp_tui.service.remote import RemoteSession
    from scalp_tui.tui.attached import AttachedApp

    work = Path(tempfile.mkdtemp(prefix="uiload", dir="/tmp"))
    (work / "rt").mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(work / "rt"), "SCALP_TUI_MAX_DAILY_LOSS": "1e7"}
    command = [sys.executable, "-m", "scalp_tui.cli", "engine", "--mode", "auto"]
    command += ["--seed", "1", "--speed", str(rate / SIM_UPDATES_PER_S)]
    command += ["--journal", str(work / "journal.sqlite")]
    with (work / "engine.log").open("w") as log:
        engine = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    socket = work / "rt" / "scalp-tui" / "engine.sock"
    try:
        deadline = time.monotonic() + 60
        while not socket.exists():
            if engine.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the engine did not start: {(work / 'engine.log').read_text()}")
            await asyncio.sleep(0.1)
        session = RemoteSession.open(socket)
        settings = load_config(None, overrides=session.welcome.settings, env={}).settings
        app = AttachedApp(session, settings, keys=settings.keys)
        lags: list[float] = []

        async def lag_probe() -> None:
            interval = 0.005
            while True:
                start = time.perf_counter()
                await asyncio.sleep(interval)
                lags.append(time.perf_counter() - start - interval)

        async with app.run_test(size=(160, 48)) as pilot:
            frames = LadderFrames(app)
            await pilot.pause(2.0)  # warm up
            lags.clear()
            frames.reset()
            probe = asyncio.create_task(lag_probe())
            engine_cpu0 = _process_cpu_s(engine.pid)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            await asyncio.sleep(seconds)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            engine_cpu = _process_cpu_s(engine.pid) - engine_cpu0
            probe.cancel()
        return {
            "ladder frames/s": frames.ticks / wall,
            "  of which changed": frames.changed / wall,
            "console cpu % of one core": 100 * cpu / wall,
            "engine cpu % of one core": 100 * engine_cpu / wall,
            "loop lag p50 ms": 1000 * statistics.median(lags),
            "loop lag p99 ms": 1000 * pct(lags, 0.99),
        }
    finally:
        engine.send_signal(signal.SIGTERM)
        engine.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=100.0, help="book updates per second")
    parser.add_argument(
        "--attached", action="store_true", help="the console attached to an engine process"
    )
    args = parser.parse_args()
    print(f"command: python {' '.join(sys.argv)}")
    run = measure_attached if args.attached else measure
    figures = asyncio.run(run(args.seconds, args.rate))
    for name, value in figures.items():
        print(f"{name:<26}{value:>12.2f}")
    print("targets: ladder >= 20 fps, cpu <= 25 %, loop lag p99 <= 10 ms")


if __name__ == "__main__":
    main()
