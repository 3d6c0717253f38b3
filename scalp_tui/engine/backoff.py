"""The one backoff rule: exponential from `first`, doubling per attempt, capped.

With `rng`, each delay is drawn between half and all of that, so clients that failed
together (throttled by the same venue, dropped by the same outage) do not come back
together; without it the delay is exact, as the engine's own retries must be for
replays and tests to repeat.
"""

from __future__ import annotations

import random


def backoff(
    attempt: int, first: float, cap: float = float("inf"), rng: random.Random | None = None
) -> float:
    """The delay before retry number `attempt + 1` (`attempt` 0: the first retry)."""
    delay = min(cap, first * 2**attempt)
    return delay if rng is None else rng.uniform(0.5, 1.0) * delay
