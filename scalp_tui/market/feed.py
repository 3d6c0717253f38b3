"""Feeding the engine from the simulated market, paced by a speed factor.

The simulated market is a pure generator of timestamped events. This runner owns
simulated time: it moves the engine's ManualClock to each event's timestamp, fires
the engine timer every `TIMER_MS` of simulated time, and, when `speed` > 0, sleeps
so that simulated time runs `speed` times faster than the wall clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from scalp_tui.engine.clock import ManualClock
from scalp_tui.engine.protocol import BookUpdate, FeedState, FeedStatus, TradeTick

TIMER_MS = 250
# At full speed, hand the event loop back this often so commands and the UI run.
YIELD_EVERY = 2_000


class MarketSink(Protocol):
    def on_book(self, update: BookUpdate) -> None: ...

    def on_trade(self, trade: TradeTick) -> None: ...

    def on_feed_status(self, status: FeedStatus) -> None: ...

    def on_timer(self) -> None: ...


@dataclass(frozen=True, slots=True)
class StatusAt:
    """A change of the feed's state at a point of a recording (a depth gap: the book
    is resyncing until a snapshot), delivered in order with the market events."""

    ts_ms: int
    status: FeedStatus


class EventSource(Protocol):
    start_ms: int

    def initial_books(self) -> list[BookUpdate]: ...

    def events(self) -> Iterator[BookUpdate | TradeTick | StatusAt]: ...


class PacedFeed:
    def __init__(self, source: EventSource, clock: ManualClock, speed: float = 1.0) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0 (0 means as fast as possible)")
        self.source = source
        self.clock = clock
        self.speed = speed
        self.events_delivered = 0
        self.ended = False  # a finite source (a recording) has no more events
        self._events = source.events()
        self._held: BookUpdate | TradeTick | StatusAt | None = None

    def start(self, sink: MarketSink) -> None:
        self.clock.set(self.source.start_ms)
        detail = getattr(self.source, "feed_detail", "simulated market")
        sink.on_feed_status(FeedStatus(FeedState.LIVE, detail=detail))
        for update in self.source.initial_books():
            sink.on_book(update)

    async def run(
        self,
        sink: MarketSink,
        duration_ms: int | None = None,
        stop: asyncio.Event | None = None,
    ) -> None:
        """Deliver events until `duration_ms` of simulated time has passed or `stop`."""
        start = self.clock.now_ms()
        end = None if duration_ms is None else start + duration_ms
        next_timer = start + TIMER_MS
        wall0 = time.perf_counter()
        on_book, on_trade, on_timer = sink.on_book, sink.on_trade, sink.on_timer
        clock_set = self.clock.set
        since_yield = 0
        events = self._events
        while True:
            if self._held is not None:
                event, self._held = self._held, None
            else:
                event = next(events, None)
                if event is None:  # a finite source (a recording) has ended
                    self.ended = True
                    break
            ts = event.ts_ms
            if end is not None and ts > end:
                self._held = event  # not due yet: it comes first on the next run
                break
            while ts >= next_timer:
                clock_set(next_timer)
                on_timer()
                next_timer += TIMER_MS
            if self.speed > 0:
                delay = wall0 + (ts - start) / 1000.0 / self.speed - time.perf_counter()
                if delay > 0.001:
                    await asyncio.sleep(delay)
                    since_yield = 0
                    if stop is not None and stop.is_set():
                        return
            clock_set(ts)
            if type(event) is BookUpdate:
                on_book(event)
            elif type(event) is TradeTick:
                on_trade(event)
            else:
                sink.on_feed_status(event.status)  # type: ignore[union-attr]
            self.events_delivered += 1
            since_yield += 1
            if since_yield >= YIELD_EVERY:
                since_yield = 0
                await asyncio.sleep(0)
                if stop is not None and stop.is_set():
                    return
        if end is not None:
            while next_timer <= end:
                clock_set(next_timer)
                on_timer()
                next_timer += TIMER_MS
            clock_set(end)
