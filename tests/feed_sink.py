"""What a market feed hands the engine, kept for a test to look at, and a wait for a
condition the feed's tasks make true."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from scalp_tui.engine.protocol import BookUpdate, FeedStatus, TradeTick


class Sink:
    def __init__(self) -> None:
        self.books: list[BookUpdate] = []
        self.trades: list[TradeTick] = []
        self.statuses: list[FeedStatus] = []

    def on_book(self, update: BookUpdate) -> None:
        self.books.append(update)

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
