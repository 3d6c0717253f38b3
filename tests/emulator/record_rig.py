"""`record()` running against an emulator for a test, and a book rebuilt from what
a recording holds."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from feed_sink import until

from scalp_tui.engine.protocol import BookUpdate, TradeTick
from scalp_tui.market.recorder import RecordWriter
from scalp_tui.record import record
from scalp_tui.venue import make_exchange

BTC = "BTC/USDT:USDT"


class Recording:
    """record() of `symbol` running in this loop until the block ends; entering waits
    for ccxt's first book (`wait_for_book`: venues that snapshot only after a diff)."""

    def __init__(
        self, venue: str, emulator: Any, out: Path, symbol: str = BTC, wait_for_book: bool = True
    ) -> None:
        self.wait_for_book = wait_for_book
        self.exchange = make_exchange(venue, rest_url=emulator.rest_url, ws_url=emulator.ws_url)
        self.out = out
        self.symbol = symbol
        self.stop = asyncio.Event()
        self.writer: RecordWriter | None = None

    def _keep(self, writer: RecordWriter) -> None:
        self.writer = writer

    async def __aenter__(self) -> Recording:
        self.task = asyncio.create_task(
            record(self.exchange, [self.symbol], self.out, stop=self.stop, on_writer=self._keep)
        )
        if self.wait_for_book:
            await until(lambda: self.task.done() or self.book_top() is not None, timeout=20)
        if self.task.done():
            self.task.result()  # a failed start says why
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.stop.set()
        self.summary = await self.task

    def book_top(self) -> tuple[list, list] | None:
        book = self.exchange.orderbooks.get(self.symbol)
        if book is None or not len(book["bids"]) or not len(book["asks"]):
            return None
        return list(book["bids"][0][:2]), list(book["asks"][0][:2])


def apply(book: dict, levels) -> None:
    for price, size in levels:
        if size:
            book[price] = size
        else:
            book.pop(price, None)


class Rebuilt:
    """The book and trades a replay of a recording gives (events of one symbol)."""

    def __init__(self, events) -> None:
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.trades: list[tuple[float, float, str]] = []
        self.snapshots = 0
        self.updates = 0
        self.update_ids: list[int | None] = []
        for event in events:
            if isinstance(event, TradeTick):
                self.trades.append((event.price, event.qty, event.taker_side.value))
                continue
            assert isinstance(event, BookUpdate)
            self.updates += 1
            self.update_ids.append(event.update_id)
            if event.snapshot:
                self.snapshots += 1
                self.bids.clear()
                self.asks.clear()
            apply(self.bids, event.bids)
            apply(self.asks, event.asks)

    def top(self, depth: int) -> tuple[list, list]:
        bids = sorted(self.bids.items(), reverse=True)[:depth]
        return bids, sorted(self.asks.items())[:depth]
