"""The feed's deltas: applied to the engine's book, they keep it equal to the top of
ccxt's live book, level for level."""

import random

from ccxt.async_support.base.ws.order_book_side import Asks, Bids

from scalp_tui.engine.book import OrderBook
from scalp_tui.market.book_delta import SideTop


def top(side, depth: int) -> tuple:
    return tuple((p, q) for p, q in side[:depth])


def test_deltas_keep_the_engines_book_equal_to_ccxts_top_over_a_random_walk() -> None:
    rng = random.Random(4)
    bids, asks = Bids(), Asks()
    for i in range(200):  # a deep book: levels below the top move into it later
        bids.store(round(100.0 - 0.1 * i, 1), 1.0 + i % 7)
        asks.store(round(100.1 + 0.1 * i, 1), 1.0 + i % 5)
    bid_top, ask_top = SideTop(20, descending=True), SideTop(20, descending=False)
    book = OrderBook("X")
    book.apply(bid_top.snapshot(bids, 1.0), ask_top.snapshot(asks, 1.0), 0, snapshot=True)
    sizes = []
    for t in range(1, 3_000):
        for _ in range(rng.randint(1, 12)):  # a frame: changes, new levels, removals
            price = round(rng.choice((100.0, 98.0)) + rng.randint(-30, 30) * 0.1, 1)
            qty = rng.choice((0.0, 0.0, 0.5, 2.0, 3.25))
            (bids if price < 100.05 else asks).store(price, qty)
        b, a = bid_top.changes(bids, 1.0), ask_top.changes(asks, 1.0)
        book.apply(b, a, t, snapshot=False)
        sizes.append(len(b) + len(a))
        assert book.bids.levels(20) == top(bids, 20)
        assert book.asks.levels(20) == top(asks, 20)
    assert max(sizes) <= 24 + 40 and sum(sizes) / len(sizes) < 10  # a few levels, not 40


def test_a_frame_that_changes_nothing_on_top_hands_over_nothing() -> None:
    bids = Bids([[100.0, 1.0], [99.9, 2.0], [99.8, 3.0]])
    side = SideTop(2, descending=True)
    side.snapshot(bids, 1.0)
    bids.store(99.8, 9.0)  # below the top 2
    assert side.changes(bids, 1.0) == ()


def test_levels_leaving_the_top_are_removed_and_sizes_are_in_base_units() -> None:
    asks = Asks([[10.0, 3.0], [10.1, 1.0], [10.2, 4.0]])
    side = SideTop(2, descending=False)
    assert side.snapshot(asks, 0.1) == ((10.0, 0.3), (10.1, 0.1))  # contracts of 0.1
    asks.store(9.9, 2.0)  # a better ask pushes 10.1 out of the top 2
    assert side.changes(asks, 0.1) == ((9.9, 0.2), (10.1, 0.0))
