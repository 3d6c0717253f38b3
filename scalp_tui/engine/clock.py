"""Clocks. Engine code never reads the wall clock; it is handed one of these."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int: ...


class WallClock:
    """Real time, for live feeds."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ManualClock:
    """Time that moves only when told: tests, replays and the simulated market."""

    def __init__(self, start_ms: int = 0) -> None:
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def set(self, ts_ms: int) -> None:
        # Market data from several sources may arrive slightly out of order; time
        # never runs backwards for the engine.
        if ts_ms > self._now:
            self._now = ts_ms

    def advance(self, ms: int) -> None:
        self._now += ms
