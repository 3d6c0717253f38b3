"""Book updates per second through the whole engine on the simulated market.

Whole engine = book, candles, entry signal, gates, positions and exits, paper
broker, in auto mode so entries and exits really happen. Two figures:
- engine only: events generated beforehand, then fed as fast as possible;
- end to end: the simulated market generating while the engine consumes.
One core, one process. Run:  python bench/engine_throughput.py [--updates N] [--seed S]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import platform
import sys
import time

from scalp_tui.config import load_config
from scalp_tui.engine.protocol import BookUpdate
from scalp_tui.market.feed import TIMER_MS
from scalp_tui.runtime.session import Session


def make_session(seed: int) -> Session:
    # No daily loss limit here: positions keep opening and closing for the whole run.
    overrides = {"mode": "auto", "max_daily_loss": 1e7}
    settings = load_config(None, overrides=overrides, env={}).settings
    return Session.simulated(settings, seed=seed, speed=0)


def engine_only(updates: int, seed: int) -> tuple[float, dict]:
    session = make_session(seed)
    session.start()
    source = session.feed._events
    events = []
    books = 0
    for event in source:
        events.append(event)
        books += type(event) is BookUpdate
        if books >= updates:
            break
    engine, clock = session.engine, session.engine.clock
    on_book, on_trade, on_timer = engine.on_book, engine.on_trade, engine.on_timer
    next_timer = clock.now_ms() + TIMER_MS
    start = time.perf_counter()
    for event in events:
        ts = event.ts_ms
        while ts >= next_timer:
            clock.set(next_timer)
            on_timer()
            next_timer += TIMER_MS
        clock.set(ts)
        if type(event) is BookUpdate:
            on_book(event)
        else:
            on_trade(event)
    elapsed = time.perf_counter() - start
    return books / elapsed, engine.summary()


def end_to_end(updates: int, seed: int) -> tuple[float, float, dict]:
    session = make_session(seed)
    engine = session.engine
    # Find the simulated duration that holds `updates` book updates, then run it.
    probe = make_session(seed)
    probe.start()
    start_ms = probe.engine.clock.now_ms()
    books = 0
    last_ts = start_ms
    for event in itertools.islice(probe.feed._events, updates * 10):
        books += type(event) is BookUpdate
        last_ts = event.ts_ms
        if books >= updates:
            break
    duration_s = (last_ts - start_ms) / 1000
    start = time.perf_counter()
    asyncio.run(session.run(duration_s))
    elapsed = time.perf_counter() - start
    return engine.book_updates / elapsed, duration_s, engine.summary()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"command: python {' '.join(sys.argv)}")
    print(f"python {platform.python_version()} on {platform.machine()}, one core")
    rate, summary = engine_only(args.updates, args.seed)
    print(f"engine only : {rate:,.0f} book updates/s over {args.updates:,} updates")
    print(f"              entries {summary['entries']}, exits {summary['exits']}")
    rate, sim_s, summary = end_to_end(args.updates, args.seed)
    print(
        f"end to end  : {rate:,.0f} book updates/s "
        f"(sim generating + engine, {sim_s:,.0f} simulated seconds)"
    )
    print(f"              entries {summary['entries']}, exits {summary['exits']}")
    print("target      : 50,000 book updates/s")


if __name__ == "__main__":
    main()
