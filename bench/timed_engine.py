"""`scalp-tui engine` with the engine's own share of tick-to-order timed in its
process: from a book update reaching the engine to the entry order handed to the
broker, for each entry decided inside that update. Printed on the engine's stdout
when it stops, for bench/tick_to_order.py --service to read.

Run:  python bench/timed_engine.py <scalp-tui engine options>
"""

from __future__ import annotations

import atexit
import statistics
import sys
import time
from typing import Any

from scalp_tui.engine.engine import Engine
from scalp_tui.execution.ccxt_broker import CcxtBroker
from scalp_tui.store.journal import Journal

samples: list[float] = []
journaled: list[float] = []  # of each timed sample, the time spent committing its intent
in_journal: list[float] = [0.0]
outside: list[int] = [0]  # entries handed over outside a book update (not timed)
current: list[float | None] = [None]  # when the book update being handled arrived

on_book, submit, record = Engine.on_book, CcxtBroker.submit, Journal.record


def timed_record(self: Journal, event: Any) -> Any:
    started = time.perf_counter()
    try:
        return record(self, event)
    finally:
        in_journal[0] += time.perf_counter() - started


def timed_on_book(self: Engine, update: Any) -> None:
    current[0] = time.perf_counter()
    in_journal[0] = 0.0
    try:
        on_book(self, update)
    finally:
        current[0] = None


def timed_submit(self: CcxtBroker, order: Any) -> None:
    if order.purpose == "entry":
        if current[0] is None:
            outside[0] += 1
        else:
            samples.append(time.perf_counter() - current[0])
            journaled.append(in_journal[0])
    submit(self, order)


def _figures(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (
        f"p50_ms={1000 * statistics.median(values):.3f} p99_ms={1000 * p99:.3f} "
        f"max_ms={1000 * max(values):.3f}"
    )


def report() -> None:
    if samples:
        print(
            f"timed: engine book -> order to broker n={len(samples)} {_figures(samples)} "
            f"untimed={outside[0]}",
            flush=True,
        )
        print(f"timed: of which the intent journaled n={len(journaled)} {_figures(journaled)}")


Engine.on_book = timed_on_book  # type: ignore[method-assign]
CcxtBroker.submit = timed_submit  # type: ignore[method-assign]
Journal.record = timed_record  # type: ignore[method-assign]
atexit.register(report)

if __name__ == "__main__":
    from scalp_tui.cli import main

    main(["engine", *sys.argv[1:]])
