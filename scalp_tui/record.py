"""`scalp-tui record`: the live feed's books and trades, written as received.

The real feed (CcxtFeed: reconnects, resyncs, book checks) runs with a sink that
keeps nothing; a tap on the exchange queues every message ccxt receives (see
market.record_formats) and a writer thread writes them (market.recorder). The run
ends after `duration_s` or when `stop` is set (SIGINT/SIGTERM in the command): the
queue is written out, files closed, and the summary returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from scalp_tui.engine.clock import WallClock
from scalp_tui.engine.protocol import BookUpdate, FeedStatus, TradeTick
from scalp_tui.market.ccxt_feed import CcxtFeed
from scalp_tui.market.record_formats import Tap
from scalp_tui.market.record_venues import REST_SNAPSHOTS, make_format
from scalp_tui.market.recorder import DEFAULT_CAPACITY, RecordSummary, RecordWriter


class _Counting:
    """The feed's sink: counts, keeps nothing; feed states go to stderr."""

    def __init__(self, err: TextIO | None) -> None:
        self.books = 0
        self.trades = 0
        self.err = err

    def on_book(self, update: BookUpdate) -> None:
        self.books += 1

    def on_trade(self, trade: TradeTick) -> None:
        self.trades += 1

    def on_feed_status(self, status: FeedStatus) -> None:
        if self.err is not None:
            print(f"feed: {status.state.value} {status.detail}", file=self.err, flush=True)

    def on_timer(self) -> None:
        pass


async def record(
    exchange: Any,
    symbols: list[str],
    out_dir: Path,
    *,
    duration_s: float | None = None,
    stop: asyncio.Event | None = None,
    capacity: int = DEFAULT_CAPACITY,
    time_ns: Callable[[], int] = time.time_ns,
    report_every_s: float = 10.0,
    err: TextIO | None = None,
    on_writer: Callable[[RecordWriter], None] | None = None,
) -> RecordSummary:
    """Record until `duration_s` has passed or `stop` is set; the exchange is closed."""
    stop = stop or asyncio.Event()
    feed = CcxtFeed(exchange, symbols, WallClock(), depth=1, seed=None)
    writer: RecordWriter | None = None
    try:
        await feed.load_markets()  # REST only: no socket exists before the tap
        writer = RecordWriter(
            out_dir,
            exchange.id,
            make_format(exchange, symbols),
            capacity=capacity,
            report_every_s=report_every_s,
            err=err,
        )
        if on_writer is not None:
            on_writer(writer)
        Tap(exchange, writer, symbols, time_ns, rest_snapshots=exchange.id in REST_SNAPSHOTS)
        writer.start()
        task = asyncio.create_task(feed.run(_Counting(err), stop))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(stop.wait()), duration_s)
        stop.set()
        await task
    finally:
        await feed.close()
    return writer.close()


async def run_command(settings: Any, out_dir: Path, duration_s: float | None, err: TextIO) -> str:
    """The command: the configured venue (its endpoints and sandbox flag; no keys are
    needed or used), SIGINT/SIGTERM to stop, the summary line returned."""
    import signal

    from scalp_tui.venue import make_exchange

    ex = settings.exchange
    exchange = make_exchange(ex.id, sandbox=ex.sandbox, rest_url=ex.rest_url, ws_url=ex.ws_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        summary = await record(
            exchange, list(settings.symbols), out_dir, duration_s=duration_s, stop=stop, err=err
        )
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return summary.line()
