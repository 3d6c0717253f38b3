"""Tick to order: from the exchange sending the depth frame that makes the entry
signal true to the exchange receiving the order, in auto mode, live broker.

Everything runs on 127.0.0.1 against the Binance USD-M emulator in tests/emulator,
with the real ccxt.pro client, in one process: the emulator on a thread and loop of
its own, the engine on its own (as the console runs it), the console, when asked
for, on the main thread. Each round: a balanced
book, then one ask-heavy diff; the order's arrival is timed; the short is closed.
Split: ccxt receiving and parsing the frame (frame sent -> book handed to the
engine), the engine deciding and journaling the intent (-> order handed to the
broker), ccxt sending the order (-> the exchange has it).

--service adds, in the same run, the engine in its own process (`scalp-tui engine
--live` on the emulator, as plain scalp-tui runs it), first with no console, then with
a console (`scalp-tui attach`) attached and rendering in a terminal of its own (tmux,
needed): the total is timed from here, the engine's own share (book update -> entry
order to the broker, and of it the intent's journal commit) inside its process
(bench/timed_engine.py).
Run:  python bench/tick_to_order.py [--rounds 200] [--console] [--no-journal] [--service]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from emulator.binance_usdm import BinanceUsdmEmulator

from scalp_tui.config import load_config
from scalp_tui.engine.protocol import ClosePosition, SetBroker
from scalp_tui.runtime.engine_thread import ThreadedSession
from scalp_tui.runtime.live_session import LiveSession
from scalp_tui.runtime.recovery import attach_live
from scalp_tui.store.journal import Journal

SYMBOL = "BTC/USDT:USDT"
BALANCED = ([(60_000.0, 2.0)], [(60_000.1, 2.0)])
ASK_HEAVY = ([(60_000.0, 2.0)], [(60_000.1, 60.0)])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def until(condition: Any, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.0005)


class EmulatorThread:
    """The exchange on a thread and loop of its own, like a separate machine."""

    def __init__(self) -> None:
        self.emulator = BinanceUsdmEmulator()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> BinanceUsdmEmulator:
        self.thread.start()
        self.emulator.seed_book(
            "BTCUSDT",
            [(round(60_000.0 - 0.1 * i, 1), 2.0) for i in range(20)],
            [(round(60_000.1 + 0.1 * i, 1), 2.0) for i in range(20)],
        )
        self.call(self.emulator.start())
        return self.emulator

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def __exit__(self, *exc: object) -> None:
        self.call(self.emulator.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)


async def run(rounds: int, console: bool, journaled: bool = True) -> dict[str, list[float]]:
    exchange_side = EmulatorThread()
    with exchange_side as emulator:
        env = {
            "SCALP_TUI_API_KEY": "bench",
            "SCALP_TUI_API_SECRET": "bench",
            "SCALP_TUI_EXCHANGE__ID": "binanceusdm",
            "SCALP_TUI_EXCHANGE__REST_URL": emulator.rest_url,
            "SCALP_TUI_EXCHANGE__WS_URL": emulator.ws_url,
        }
        # a small volume threshold met by the trade printed each round: a 5 m candle
        # closing mid-run would otherwise have no volume and stop the entries
        overrides = {
            "mode": "auto",
            "symbols": [SYMBOL],
            "max_daily_loss": 1e7,
            "short_scalp_min_volume": 0.001,
            # the instantaneous imbalance: one ask-heavy diff is the tick that enters
            "short_scalp_imbalance_window_s": 0,
        }
        settings = load_config(None, overrides=overrides, env=env).settings
        marks: dict[str, float] = {}

        journal = Journal(Path(tempfile.mkdtemp()) / "journal.sqlite", "bench", "binanceusdm")

        async def make_session() -> LiveSession:
            session = await LiveSession.connect(settings)
            # journaled as the command runs it: every intent is committed before sending
            if journaled:
                await attach_live(session, journal, "cancel")
            engine, broker = session.engine, session.live
            assert broker is not None and engine.execute(SetBroker("live")).ok
            on_book, submit = engine.on_book, broker.submit

            def timed_on_book(update: Any) -> None:
                marks.setdefault("engine", time.perf_counter())
                on_book(update)

            def timed_submit(order: Any) -> None:
                if order.purpose == "entry":
                    marks.setdefault("broker", time.perf_counter())
                submit(order)

            engine.on_book = timed_on_book  # type: ignore[method-assign]
            broker.submit = timed_submit  # type: ignore[method-assign]
            return session

        host = ThreadedSession(make_session)
        host.start()
        arrivals: list[float] = []
        emulator.on_order_request = lambda: arrivals.append(time.perf_counter())
        exchange = exchange_side.call

        async def rounds_loop() -> dict[str, list[float]]:
            figures: dict[str, list[float]] = {
                "total": [],
                "ccxt_ws": [],
                "engine": [],
                "ccxt_rest": [],
            }
            await until(lambda: host.snapshot(1).symbols[0].best_bid is not None)
            for _ in range(rounds):
                exchange(emulator.set_levels("BTCUSDT", *BALANCED))
                exchange(emulator.trade("BTCUSDT", 60_000.0, 0.01, True))
                await asyncio.sleep(0.002)
                marks.clear()
                before = len(arrivals)
                sent = time.perf_counter()
                exchange(emulator.set_levels("BTCUSDT", *ASK_HEAVY))
                await until(lambda before=before: len(arrivals) > before)
                got = arrivals[before]
                figures["total"].append(got - sent)
                figures["ccxt_ws"].append(marks["engine"] - sent)
                figures["engine"].append(marks["broker"] - marks["engine"])
                figures["ccxt_rest"].append(got - marks["broker"])
                await until(lambda: any(p.qty > 0 for p in host.snapshot(1).positions))
                exchange(emulator.set_levels("BTCUSDT", *BALANCED))
                for position in host.snapshot(1).positions:
                    host.execute(ClosePosition(position.id))
                await until(lambda: not host.snapshot(1).positions)
            return figures

        try:
            if console:
                from scalp_tui.tui.app import ScalpApp

                app = ScalpApp(host, settings, autorun=False)  # type: ignore[arg-type]
                async with app.run_test(size=(160, 48)):
                    return await rounds_loop()
            return await rounds_loop()
        finally:
            host.stop()
            journal.close()


async def run_service(rounds: int, console: bool) -> tuple[dict[str, list[float]], str]:
    """The engine as `scalp-tui engine --live` in its own process on the emulator, an
    attached console rendering in tmux (or none); frame sent -> order received."""
    import os
    import signal
    import subprocess

    from scalp_tui.service.launch import answers
    from scalp_tui.service.remote import RemoteSession

    exchange_side = EmulatorThread()
    with exchange_side as emulator:
        work = Path(tempfile.mkdtemp(prefix="t2o", dir="/tmp"))
        (work / "rt").mkdir(mode=0o700)
        env = {
            **os.environ,
            "XDG_RUNTIME_DIR": str(work / "rt"),
            "SCALP_TUI_API_KEY": "bench",
            "SCALP_TUI_API_SECRET": "bench",
            "SCALP_TUI_EXCHANGE__REST_URL": emulator.rest_url,
            "SCALP_TUI_EXCHANGE__WS_URL": emulator.ws_url,
            "SCALP_TUI_MAX_DAILY_LOSS": "1e7",
            "SCALP_TUI_SHORT_SCALP_MIN_VOLUME": "0.001",
            "SCALP_TUI_SHORT_SCALP_IMBALANCE_WINDOW_S": "0",
        }
        # the engine command, its own share of each entry timed inside its process
        timed = os.environ.get("T2O_ENGINE") or str(Path(__file__).with_name("timed_engine.py"))
        command = [sys.executable, timed]
        command += ["--exchange", "binanceusdm"]
        command += ["--live", "--mode", "auto", "--symbol", SYMBOL]
        command += ["--journal", str(work / "journal.sqlite")]
        with (work / "engine.log").open("w") as log:
            engine = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        socket_path = work / "rt" / "scalp-tui" / "engine.sock"
        arrivals: list[float] = []
        emulator.on_order_request = lambda: arrivals.append(time.perf_counter())
        exchange = exchange_side.call
        try:
            await until(lambda: answers(socket_path) or engine.poll() is not None, 60)
            if engine.poll() is not None:
                raise SystemExit(f"the engine did not start: {(work / 'engine.log').read_text()}")
            # the console in a terminal of its own (tmux), as a trader runs it: drawing
            # in this process would share a GIL with the emulator and time the exchange
            tmux_session = f"t2o-{os.getpid()}"
            attach = f"XDG_RUNTIME_DIR={work / 'rt'} {sys.executable} -m scalp_tui.cli attach"
            size = ["-x", "160", "-y", "48"]
            if console:
                command = ["tmux", "new-session", "-d", "-s", tmux_session, *size, attach]
                subprocess.run(command, check=True)
            # this process steers the rounds through a client of its own that never draws
            session = RemoteSession.open(socket_path)
            steering = asyncio.create_task(session.run())
            totals: list[float] = []
            try:
                await until(lambda: session.snapshot(1).symbols[0].best_bid is not None, 30)
                if console:
                    await until(lambda: "order book" in _screen(tmux_session), 30)
                for _ in range(rounds):
                    exchange(emulator.set_levels("BTCUSDT", *BALANCED))
                    exchange(emulator.trade("BTCUSDT", 60_000.0, 0.01, True))
                    await asyncio.sleep(0.002)
                    before = len(arrivals)
                    sent = time.perf_counter()
                    exchange(emulator.set_levels("BTCUSDT", *ASK_HEAVY))
                    await until(lambda before=before: len(arrivals) > before)
                    totals.append(arrivals[before] - sent)
                    await until(lambda: any(p.qty > 0 for p in session.snapshot(1).positions))
                    exchange(emulator.set_levels("BTCUSDT", *BALANCED))
                    for position in session.snapshot(1).positions:
                        session.execute(ClosePosition(position.id))
                    await until(lambda: not session.snapshot(1).positions)
                if console and "ENGINE LOST" in _screen(tmux_session):
                    raise SystemExit("the attached console lost the engine during the run")
            finally:
                session.stop()
                await steering
                subprocess.run(["tmux", "kill-session", "-t", tmux_session], capture_output=True)
        finally:
            if engine.poll() is None:
                engine.send_signal(signal.SIGTERM)
                engine.wait(30)
            engine_row = _engine_side((work / "engine.log").read_text())
        return {"total": totals}, engine_row


def _engine_side(log: str) -> str:
    """The engine process's own figure (bench/timed_engine.py), as a table row."""
    import re

    rows = []
    names = {"engine book": "  engine: book -> order", "of which": "    of which the journal"}
    for key, label in names.items():
        pattern = rf"timed: {key}.* n=(\d+) p50_ms=(\S+) p99_ms=(\S+) max_ms=(\S+)"
        found = re.search(pattern, log)
        if found is None:
            return "(the engine process printed no timing)"
        n, p50, p99, top = found.groups()
        name = f"{label} ({n} timed)"
        rows.append(f"{name:<34}{float(p50):>9.3f}{float(p99):>9.3f}{float(top):>9.3f}")
    return "\n".join(rows)


def _screen(tmux_session: str) -> str:
    import subprocess

    done = subprocess.run(["tmux", "capture-pane", "-p", "-t", tmux_session], capture_output=True)
    return done.stdout.decode(errors="replace")


def print_figures(title: str, figures: dict[str, list[float]]) -> None:
    print(title)
    print(f"{'stage':<34}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    names = {
        "total": "frame sent -> order received",
        "ccxt_ws": "  ccxt: frame -> book to engine",
        "engine": "  engine: book -> order to broker",
        "ccxt_rest": "  ccxt: order -> exchange has it",
    }
    for key, name in names.items():
        values = figures.get(key)
        if values:
            p50, p99, top = statistics.median(values), pct(values, 0.99), max(values)
            print(f"{name:<34}{1000 * p50:>9.3f}{1000 * p99:>9.3f}{1000 * top:>9.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--console", action="store_true")
    parser.add_argument(
        "--no-journal", action="store_true", help="without the journal (for comparison)"
    )
    parser.add_argument(
        "--service",
        action="store_true",
        help="also the engine in its own process with an attached console rendering",
    )
    args = parser.parse_args()
    print(f"command: python {' '.join(sys.argv)}")
    figures = asyncio.run(run(args.rounds, args.console, not args.no_journal))
    console = "rendering in the same process" if args.console else "off"
    print_figures(f"{args.rounds} entries, one process, console {console}", figures)
    if args.service:
        for console_attached in (False, True):
            service, engine_rows = asyncio.run(run_service(args.rounds, console_attached))
            attached = "a console attached and rendering" if console_attached else "no console"
            print_figures(f"{args.rounds} entries, engine in its own process, {attached}", service)
            print(engine_rows)
    print("target: total p99 <= 5 ms on loopback")


if __name__ == "__main__":
    main()
