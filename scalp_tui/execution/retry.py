"""One retrier for every venue call: throttling and network errors back off with
jitter, a bounded number of times, then the caller is told (and says so loudly).

What may be retried depends on the call: a read, a cancel or a position check may
be repeated on any network error; an order creation only on throttling (the venue
refused it unprocessed), since after a timeout it may exist, and is looked up by
its client id instead of being sent twice.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from scalp_tui.engine.backoff import backoff

T = TypeVar("T")

BASE_S = 0.25
CAP_S = 5.0
ATTEMPTS = 6  # ~ 0.25 + 0.5 + 1 + 2 + 4 s at most between them


def throttled_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean "refused, not processed: ask again later"."""
    import ccxt

    return (ccxt.DDoSProtection, ccxt.RateLimitExceeded)


def transient_errors() -> tuple[type[BaseException], ...]:
    """Throttling, timeouts, unreachable venue, maintenance: worth another try."""
    import ccxt

    return (ccxt.NetworkError,)  # DDoSProtection, RequestTimeout, ExchangeNotAvailable …


def backoff_s(attempt: int, rng: random.Random, base: float = BASE_S, cap: float = CAP_S) -> float:
    """A venue call's backoff: jittered, so that clients throttled together do not
    come back together."""
    return backoff(attempt, base, cap, rng)


class RetriesExhausted(Exception):
    """A venue call failed on every attempt: the last error is the cause."""

    def __init__(self, what: str, attempts: int, last: BaseException) -> None:
        super().__init__(f"{what} failed {attempts} times: {type(last).__name__}: {last}")
        self.what = what
        self.last = last


@dataclass
class Retrier:
    """Shared by a venue's calls, so the figures are the venue's."""

    attempts: int = ATTEMPTS
    # throttling may be waited out longer than an unreachable venue (None: the same)
    throttled_attempts: int | None = None
    base_s: float = BASE_S
    cap_s: float = CAP_S
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    throttled: int = 0  # throttling answers seen
    retried: int = 0  # calls sent again
    exhausted: int = 0  # calls given up

    async def call(
        self,
        what: str,
        fn: Callable[[], Awaitable[T]],
        retry_on: tuple[type[BaseException], ...] | None = None,
        attempts: int | None = None,
    ) -> T:
        """`await fn()`, again after a backoff on `retry_on` errors (default: every
        transient error), at most `attempts` times; then `RetriesExhausted`."""
        retry_on = transient_errors() if retry_on is None else retry_on
        limit = attempts or self.attempts
        throttled_limit = max(limit, self.throttled_attempts or limit)
        throttled = throttled_errors()
        attempt = 0
        while True:
            try:
                return await fn()
            except retry_on as exc:
                is_throttled = isinstance(exc, throttled)
                self.throttled += is_throttled
                attempt += 1
                if attempt >= (throttled_limit if is_throttled else limit):
                    self.exhausted += 1
                    raise RetriesExhausted(what, attempt, exc) from exc
                self.retried += 1
                await self.sleep(backoff_s(attempt - 1, self.rng, self.base_s, self.cap_s))
