"""The one retrier: bounded backoff with jitter on transient errors, then it says so."""

import asyncio
import random

import ccxt
import pytest

from scalp_tui.execution.retry import Retrier, RetriesExhausted, backoff_s


def failing(errors: list[BaseException], result: str = "ok"):  # type: ignore[no-untyped-def]
    calls = []

    async def call() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return result

    return call, calls


def retrier(**kw: object) -> tuple[Retrier, list[float]]:
    slept: list[float] = []

    async def sleep(s: float) -> None:
        slept.append(s)

    return Retrier(rng=random.Random(1), sleep=sleep, **kw), slept  # type: ignore[arg-type]


def test_throttling_and_network_errors_are_retried_with_growing_jittered_waits() -> None:
    r, slept = retrier()
    errors = [ccxt.RateLimitExceeded("429"), ccxt.DDoSProtection("418"), ccxt.RequestTimeout("t")]
    call, calls = failing(errors)
    assert asyncio.run(r.call("markets", call)) == "ok"
    assert len(calls) == 4 and r.throttled == 2 and r.retried == 3
    for attempt, wait in enumerate(slept):
        assert 0.5 * min(5.0, 0.25 * 2**attempt) <= wait <= min(5.0, 0.25 * 2**attempt)


def test_it_gives_up_after_its_bound_and_says_what_failed() -> None:
    r, slept = retrier(attempts=3)
    call, calls = failing([ccxt.ExchangeNotAvailable("down")] * 10)
    with pytest.raises(RetriesExhausted, match="position check failed 3 times: Exchange"):
        asyncio.run(r.call("position check", call))
    assert len(calls) == 3 and len(slept) == 2 and r.exhausted == 1


def test_an_answer_about_the_request_is_not_retried() -> None:
    r, _ = retrier()
    call, calls = failing([ccxt.InsufficientFunds("margin")])
    with pytest.raises(ccxt.InsufficientFunds):
        asyncio.run(r.call("order", call))
    assert len(calls) == 1


def test_an_order_is_retried_on_throttling_only() -> None:
    r, _ = retrier()
    call, calls = failing([ccxt.RequestTimeout("no answer")])
    with pytest.raises(ccxt.RequestTimeout):  # it may exist: looked up, never resent
        asyncio.run(r.call("order", call, retry_on=(ccxt.DDoSProtection,)))
    assert len(calls) == 1


def test_throttling_can_be_waited_out_longer_than_an_unreachable_venue() -> None:
    r, _ = retrier(attempts=3, throttled_attempts=8)
    call, calls = failing([ccxt.RateLimitExceeded("429")] * 7)
    assert asyncio.run(r.call("markets", call)) == "ok"
    assert len(calls) == 8
    call, calls = failing([ccxt.NetworkError("refused")] * 7)
    with pytest.raises(RetriesExhausted):
        asyncio.run(r.call("markets", call))
    assert len(calls) == 3


def test_backoff_is_capped() -> None:
    assert backoff_s(30, random.Random(0)) <= 5.0
