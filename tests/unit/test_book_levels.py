"""The book keeps only the levels near the touch in price order; every read must still
equal a plain computation over all the levels, however deep the book, however many
levels near the touch a diff takes away, and however far a walk goes."""

import random
from collections.abc import Callable, Sequence

import pytest

from scalp_tui.engine.book import SORTED_LEVELS, OrderBook
from scalp_tui.engine.protocol import FlatLevels, Level

TICK = 0.5


def plain(levels: dict[float, float], best_first_desc: bool) -> list[tuple[float, float]]:
    return sorted(levels.items(), reverse=best_first_desc)


def plain_walk(levels: list[tuple[float, float]], qty: float) -> tuple[float, float, float]:
    remaining, cost, last = qty, 0.0, 0.0
    for price, size in levels:
        last = price
        take = min(size, remaining)
        cost += take * price
        remaining -= take
        if remaining <= 1e-12:
            remaining = 0.0
            break
    filled = qty - remaining
    return filled, (cost / filled if filled > 0 else 0.0), last


def flat(levels: Sequence[Level]) -> FlatLevels:
    """The levels as a recording's parser hands them over: one flat list of floats."""
    return FlatLevels([number for level in levels for number in level])


@pytest.mark.parametrize("given_as", [tuple, flat], ids=["pairs", "flat"])
def test_every_read_equals_the_whole_book_read_plainly(
    given_as: Callable[[Sequence[Level]], Sequence[Level]],
) -> None:
    rng = random.Random(7)
    book = OrderBook("X/USDT:USDT", depth=10)
    bids: dict[float, float] = {}
    asks: dict[float, float] = {}
    mid = 10_000.0
    refills_forced = 0
    for step in range(3_000):
        if step % 1_000 == 0:  # a snapshot ~3,000 levels deep a side
            bids = {mid - TICK * i: float(rng.randint(1, 9)) for i in range(1, 3_000)}
            asks = {mid + TICK * i: float(rng.randint(1, 9)) for i in range(1, 3_000)}
            book.apply(given_as(list(bids.items())), given_as(list(asks.items())), step, True)
        else:
            mid += TICK * rng.choice((-3, -1, 0, 1, 3))
            diff_b, diff_a = [], []
            for _ in range(rng.randint(1, 60)):
                # most changes near the touch, some anywhere in the book
                depth = rng.randint(1, 40) if rng.random() < 0.8 else rng.randint(1, 3_500)
                size = 0.0 if rng.random() < 0.4 else float(rng.randint(1, 9))
                diff_b.append((mid - TICK * depth, size))
                diff_a.append((mid + TICK * depth, size))
            if step % 97 == 0:  # a sweep: the best ~300 bids gone at once
                top = sorted(bids, reverse=True)[: 2 * SORTED_LEVELS + 50]
                diff_b += [(p, 0.0) for p in top]
                refills_forced += 1
            for side, diff in ((bids, diff_b), (asks, diff_a)):
                for price, size in diff:
                    if size > 0:
                        side[price] = size
                    else:
                        side.pop(price, None)
            book.apply(given_as(diff_b), given_as(diff_a), step, snapshot=False)
        # bids and asks kept uncrossed by the test's own mid, so compare each side
        plain_bids, plain_asks = plain(bids, True), plain(asks, False)
        assert book.bids.levels(20) == tuple(plain_bids[:20])
        assert book.asks.levels(20) == tuple(plain_asks[:20])
        assert book.best_bid == plain_bids[0][0] and book.best_ask == plain_asks[0][0]
        assert book.bids.depth_qty(10) == sum(q for _, q in plain_bids[:10])
        assert len(book.bids) == len(bids) and len(book.asks) == len(asks)
        if step % 50 == 0:  # walks and reads far past the sorted levels
            qty = float(rng.randint(1, 5_000))
            assert book.asks.walk(qty) == plain_walk(plain_asks, qty)
            assert book.bids.levels(2_000) == tuple(plain_bids[:2_000])
            keys, sizes = book.asks.raw()
            assert list(zip(keys, sizes, strict=True)) == plain_asks
    assert refills_forced > 20
