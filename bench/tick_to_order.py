"""Tick to order: from the exchange sending the depth frame that makes the entry
signal true to the exchange receiving the order, in auto mode, live broker.

Everything runs on 127.0.0.1 against the Binance USD-M emulator in tests/emulator,
with the real ccxt.pro client, one process (the emulator shares the event loop, as
a co-located exchange gateway would share the machine). Each round: a balanced
book, then one ask-heavy diff; the order's arrival is timed; the short is closed.
Split: ccxt receiving and parsing the frame (frame sent -> book handed to the
engine), the engine deciding (-> order handed to the broker), ccxt sending the
order (-> the exchange has it).
Run:  python bench/tick_to_order.py [--rounds 200] [--console]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from emulator.binance_usdm import BinanceUsdmEmulator

from scalp_tui.config import load_config
from scalp_tui.engine.protocol import ClosePosition, SetBroker
from scalp_tui.live_session import LiveSession

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


async def run(rounds: int, console: bool) -> dict[str, list[float]]:
    emulator = BinanceUsdmEmulator()
    emulator.seed_book(
        "BTCUSDT",
        [(round(60_000.0 - 0.1 * i, 1), 2.0) for i in range(20)],
        [(round(60_000.1 + 0.1 * i, 1), 2.0) for i in range(20)],
    )
    await emulator.start()
    env = {
        "SCALP_TUI_API_KEY": "bench",
        "SCALP_TUI_API_SECRET": "bench",
        "SCALP_TUI_EXCHANGE__ID": "binanceusdm",
        "SCALP_TUI_EXCHANGE__REST_URL": emulator.rest_url,
        "SCALP_TUI_EXCHANGE__WS_URL": emulator.ws_url,
    }
    overrides = {
        "mode": "auto",
        "symbols": [SYMBOL],
        "max_daily_loss": 1e12,
        "proposal_cooldown_s": 0,
    }
    settings = load_config(None, overrides=overrides, env=env).settings
    session = await LiveSession.connect(settings)
    engine = session.engine
    assert engine.execute(SetBroker("live")).ok

    marks: dict[str, float] = {}
    on_book, submit = engine.on_book, session.live.submit  # type: ignore[union-attr]

    def timed_on_book(update: Any) -> None:
        marks.setdefault("engine", time.perf_counter())
        on_book(update)

    def timed_submit(order: Any) -> None:
        if order.purpose == "entry":
            marks.setdefault("broker", time.perf_counter())
        submit(order)

    engine.on_book = timed_on_book  # type: ignore[method-assign]
    session.live.submit = timed_submit  # type: ignore[union-attr,method-assign]
    arrivals: list[float] = []
    emulator.on_order_request = lambda: arrivals.append(time.perf_counter())

    async def rounds_loop() -> dict[str, list[float]]:
        figures: dict[str, list[float]] = {
            "total": [],
            "ccxt_ws": [],
            "engine": [],
            "ccxt_rest": [],
        }
        await until(lambda: engine.books[SYMBOL].best_bid is not None)
        for _ in range(rounds):
            await emulator.set_levels("BTCUSDT", *BALANCED)
            await asyncio.sleep(0.002)
            marks.clear()
            before = len(arrivals)
            sent = time.perf_counter()
            await emulator.set_levels("BTCUSDT", *ASK_HEAVY)
            await until(lambda before=before: len(arrivals) > before)
            got = arrivals[before]
            figures["total"].append(got - sent)
            figures["ccxt_ws"].append(marks["engine"] - sent)
            figures["engine"].append(marks["broker"] - marks["engine"])
            figures["ccxt_rest"].append(got - marks["broker"])
            await until(
                lambda: bool(engine.positions) and all(p.qty > 0 for p in engine.positions.values())
            )
            await emulator.set_levels("BTCUSDT", *BALANCED)
            for position in list(engine.positions.values()):
                engine.execute(ClosePosition(position.id))
            await until(lambda: not engine.positions)
        return figures

    runner = asyncio.create_task(session.run())
    try:
        if console:
            from scalp_tui.tui.app import ScalpApp

            app = ScalpApp(session, settings, autorun=False)
            async with app.run_test(size=(160, 48)):
                figures = await rounds_loop()
        else:
            figures = await rounds_loop()
    finally:
        session.stop()
        await runner
        await emulator.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--console", action="store_true")
    args = parser.parse_args()
    print(f"command: python {' '.join(sys.argv)}")
    figures = asyncio.run(run(args.rounds, args.console))
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
