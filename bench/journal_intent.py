"""What the journal costs on the order path: each entry or exit intent is appended to
the intent log before the order is sent (SQLite follows with the writer thread). Runs
the engine on the simulated market as fast as it goes, auto mode, journal attached,
and times every intent write (the writer thread busy with the other events meanwhile).

Run:  python bench/journal_intent.py [--seconds 3600] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from scalp_tui.config import load_config
from scalp_tui.runtime.recovery import attach
from scalp_tui.runtime.session import Session
from scalp_tui.store.journal import Journal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3600, help="simulated seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    settings = load_config(None, overrides={"mode": "auto"}, env={}).settings
    session = Session.simulated(settings, seed=args.seed, speed=0)
    with tempfile.TemporaryDirectory() as tmp:
        journal = Journal(Path(tmp) / "journal.sqlite", session="bench")
        attach(session, journal)
        timings: list[float] = []
        record = journal.record

        def timed(event):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            failure = record(event)
            timings.append((time.perf_counter() - start) * 1e6)
            return failure

        session.engine.recorder = timed
        wall = time.perf_counter()
        asyncio.run(session.run(args.seconds))
        wall = time.perf_counter() - wall
        journal.close()
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    timings.sort()
    summary = session.engine.summary()
    print(f"{len(timings)} intents ({summary['entries']} entries), {wall:.1f} s wall")
    print(
        f"intent write: p50 {statistics.median(timings):.0f} us, "
        f"p99 {timings[int(len(timings) * 0.99)]:.0f} us, max {timings[-1]:.0f} us"
    )
    print(f"journal size after the run: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
