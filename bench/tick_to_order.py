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
Run:  python bench/tick_to_order.py [--rounds 200] [--console] [--no-journal]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--console", action="store_true")
    parser.add_argument(
        "--no-journal", action="store_true", help="without the journal (for comparison)"
    )
    args = parser.parse_args()
    print(f"command: python {' '.join(sys.argv)}")
    figures = asyncio.run(run(args.rounds, args.console, not args.no_journal))
    print(f"{args.rounds} entries, console {'rendering' if args.console else 'off'}")
    print(f"{'stage':<34}{'p50 ms':>9}{'p99 ms':>9}")
    names = {
        "total": "frame sent -> order received",
        "ccxt_ws": "  ccxt: frame -> book to engine",
        "engine": "  engine: book -> order to broker",
        "ccxt_rest": "  ccxt: order -> exchange has it",
    }
    for key, name in names.items():
        values = figures[key]
        print(f"{name:<34}{1000 * statistics.median(values):>9.3f}{1000 * pct(values, 0.99):>9.3f}")
    print("target: total p99 <= 5 ms on loopback")


if __name__ == "__main__":
    main()
