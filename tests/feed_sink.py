"""What a market feed hands the engine, kept for a test to look at, and a wait for a
condition the feed's tasks make true."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.protocol import BookUpdate, FeedStatus, Level, TradeTick


class Sink:
    """Every update the feed hands over, and each symbol's book built from them as the
    engine builds its own (a snapshot replaces it, a delta changes it)."""

    def __init__(self) -> None:
        self.books: list[BookUpdate] = []
        self.applied: dict[str, OrderBook] = {}
        self.trades: list[TradeTick] = []
        self.statuses: list[FeedStatus] = []

    def on_book(self, update: BookUpdate) -> None:
        self.books.append(update)
        book = self.applied.setdefault(update.symbol, OrderBook(update.symbol))
        book.apply(update.bids, update.asks, update.ts_ms, update.snapshot)

    def top(self, symbol: str, depth: int = 20) -> tuple[tuple[Level, ...], tuple[Level, ...]]:
        """The top `depth` levels a side of the book the updates built."""
        book = self.applied[symbol]
        return book.bids.levels(depth), book.asks.levels(depth)

    def on_trade(self, trade: TradeTick) -> None:
        self.trades.append(trade)

    def on_feed_status(self, status: FeedStatus) -> None:
        self.statuses.append(status)

    def on_timer(self) -> None:
        pass


async def until(condition: Callable[[], object], timeout: float = 10.0, step: float = 0.01) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)
