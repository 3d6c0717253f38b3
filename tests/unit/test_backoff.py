"""The one backoff rule behind the exit retries, the venue-call retrier and the feed's
resubscriptions."""

from __future__ import annotations

import random

from scalp_tui.engine.backoff import backoff


def test_doubles_from_the_first_delay_up_to_the_cap() -> None:
    assert [backoff(n, 500, 30_000) for n in range(8)] == [
        500, 1000, 2000, 4000, 8000, 16000, 30_000, 30_000,
    ]  # fmt: skip


def test_without_a_cap_it_keeps_doubling() -> None:
    assert backoff(10, 0.5) == 512.0


def test_jitter_stays_between_half_and_all_of_the_delay_and_varies() -> None:
    rng = random.Random(7)
    delays = [backoff(3, 0.25, 30.0, rng) for _ in range(200)]
    assert all(1.0 <= d <= 2.0 for d in delays)
    assert len({round(d, 6) for d in delays}) > 100  # clients do not come back together
    assert max(backoff(40, 0.25, 30.0, rng) for _ in range(50)) <= 30.0
