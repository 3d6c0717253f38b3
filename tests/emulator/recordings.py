"""A recording played as an emulator's own market: its first depth snapshot to start
the book from, then its diffs and trades, paced to their receive times (or as fast as
possible). Each emulator turns them into its own frames."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

# the project's reader is imported when a recording is played, as before: the
# emulators themselves do not depend on the project


def first_snapshot(path: Path) -> Any:
    """The recording's first depth snapshot (a BookUpdate), or None."""
    from scalp_tui.engine.protocol import BookUpdate
    from scalp_tui.market.recording import read_recording

    for event in read_recording(path):
        if isinstance(event, BookUpdate) and event.snapshot:
            return event
    return None


async def paced(path: Path, speed: float = 0.0, limit: int | None = None) -> AsyncIterator[Any]:
    """The recorded diffs and trades (BookUpdate, TradeTick) after the snapshot, at
    most `limit` of them; `speed` 0 hands them over as fast as they are taken, N at N
    times real time."""
    from scalp_tui.engine.protocol import BookUpdate
    from scalp_tui.market.recording import read_recording

    played = 0
    first_ts: int | None = None
    start = time.perf_counter()
    for event in read_recording(path):
        if limit is not None and played >= limit:
            return
        if isinstance(event, BookUpdate) and event.snapshot:
            continue
        first_ts = event.ts_ms if first_ts is None else first_ts
        if speed > 0:
            delay = start + (event.ts_ms - first_ts) / 1000 / speed - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        yield event
        played += 1
