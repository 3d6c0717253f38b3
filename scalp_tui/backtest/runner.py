"""One backtest run: the engine over one source, through the paper session's path.

Nothing here trades differently from a paper session: the same Engine, PaperBroker
and PacedFeed (at speed 0, as fast as possible) on a ManualClock that the feed moves
to each event's recorded time, in auto mode since nobody is there to confirm. The run
only *watches*: trades come from the engine's PositionClosed events, and the optional
extras (signal lines, price samples, progress) sit in a thin sink between the feed and
the engine that is left out entirely when none is asked for, so a plain run hands the
feed the engine itself and pays nothing for them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from scalp_tui.backtest.report import END_OF_DATA, Trade, short_profit_ratio
from scalp_tui.backtest.sources import OpenedSource
from scalp_tui.engine.engine import Engine
from scalp_tui.engine.protocol import BookUpdate, ClosePosition, ErrorEvent, Event, PositionClosed
from scalp_tui.market.feed import PacedFeed

SAMPLE_MS = 1_000  # price samples for the plot, and progress reports, per market second
MAX_NOTES = 20

Progress = Callable[[int], None]  # told the market time now and then


@dataclass
class RunResult:
    """Plain data, so it crosses process and Ray boundaries unchanged."""

    label: str
    trades: list[Trade]
    recorded_s: float
    wall_s: float
    book_updates: int
    open_at_end: int
    symbols: list[str] = field(default_factory=list)  # what the engine traded
    notes: list[str] = field(default_factory=list)  # the engine's errors, first few
    prices: dict[str, list[tuple[int, float]]] = field(default_factory=dict)


class _Trades:
    """Listens for closed trades (and the engine's error messages)."""

    def __init__(self, label: str, leverage: float) -> None:
        self.label = label
        self.leverage = leverage
        self.trades: list[Trade] = []
        self.notes: list[str] = []
        self.closing_at_end: set[int] = set()

    def __call__(self, event: Event) -> None:
        if type(event) is PositionClosed:
            p = event.position
            pnl = p.realised_pnl or 0.0
            reason = END_OF_DATA if p.id in self.closing_at_end else str(p.exit_reason)
            self.trades.append(
                Trade(
                    source=self.label,
                    position_id=p.id,
                    symbol=p.symbol,
                    entry_ms=p.opened_ms if p.opened_ms is not None else event.ts_ms,
                    exit_ms=event.ts_ms,
                    entry_price=p.entry_price,
                    exit_price=p.exit_price or 0.0,
                    qty=p.qty,
                    reason=reason,
                    profit_ratio=short_profit_ratio(
                        pnl, p.qty, p.entry_price, p.entry_fee, self.leverage
                    ),
                    pnl=pnl,
                    fees=p.fees,
                )
            )
        elif type(event) is ErrorEvent and len(self.notes) < MAX_NOTES:
            self.notes.append(event.message)


class _Watcher:
    """Between the feed and the engine: passes everything on, then looks."""

    def __init__(
        self,
        engine: Engine,
        signals: TextIO | None,
        progress: Progress | None,
        prices: dict[str, list[tuple[int, float]]] | None,
    ) -> None:
        self.engine = engine
        self.signals = signals
        self.progress = progress
        self.prices = prices
        self.on_trade = engine.on_trade
        self.on_feed_status = engine.on_feed_status
        self.on_book = self._book_and_signal if signals is not None else engine.on_book
        self._next_sample = 0

    def _book_and_signal(self, update: BookUpdate) -> None:
        engine = self.engine
        engine.on_book(update)
        book = engine.books.get(update.symbol)
        if book is None:
            return  # a symbol the engine does not trade: nothing was applied
        # the rule's own view: its volume is the last whole closed candle's, its
        # imbalance the window's mean (the instantaneous one when the window is 0)
        state = engine.signal_state(update.symbol)
        values = {c.name: c.value for c in state.conditions}
        line = {
            "t": update.ts_ms,
            "symbol": update.symbol,
            "update_id": getattr(update, "update_id", None),
            "best_bid": book.best_bid,
            "best_ask": book.best_ask,
            "spread": book.spread,
            "imbalance": book.imbalance,
            "imbalance_avg": values.get("imbalance"),
            "volume": values.get("volume"),
            "conditions": {c.name: c.passed for c in state.conditions},
            "signal": state.signal,
            "blocked_by": state.blocked_by,
        }
        self.signals.write(json.dumps(line) + "\n")  # type: ignore[union-attr]

    def on_timer(self) -> None:
        engine = self.engine
        engine.on_timer()
        now = engine.clock.now_ms()
        if now < self._next_sample:
            return
        self._next_sample = now + SAMPLE_MS
        if self.prices is not None:
            for symbol, book in engine.books.items():
                mid = book.mid
                if mid is not None:
                    self.prices.setdefault(symbol, []).append((now, mid))
        if self.progress is not None:
            self.progress(now)


def run_backtest(
    opened: OpenedSource,
    signals: TextIO | None = None,
    progress: Progress | None = None,
    sample_prices: bool = False,
) -> RunResult:
    """Play `opened` to its end (or its duration) and collect the trades."""
    session = opened.session
    engine: Engine = session.engine
    feed: PacedFeed = session.feed
    start_ms = feed.source.start_ms
    collected = _Trades(opened.label, float(engine.params.leverage))
    engine.subscribe(collected)
    prices: dict[str, list[tuple[int, float]]] | None = {} if sample_prices else None
    watching = signals is not None or progress is not None or prices is not None
    sink: Any = _Watcher(engine, signals, progress, prices) if watching else engine

    wall0 = time.perf_counter()
    # what Session.run does, with the sink in the engine's place
    feed.start(sink)
    asyncio.run(feed.run(sink, opened.duration_ms))
    # A short still open when the data ends is closed at the last book, as the trader
    # would close it by hand (the same command the console's close key sends); its
    # trade is marked end_of_data rather than manual_exit.
    for position in list(engine.positions.values()):
        collected.closing_at_end.add(position.id)
        engine.execute(ClosePosition(position.id))
    wall_s = time.perf_counter() - wall0
    # a one-symbol recording replayed under another name (--symbol) is said first:
    # BTC's book traded as ETH's gives ETH's figures on BTC's prices
    renamed = getattr(feed.source, "renamed", {})
    notes = [f"recording: {was} replayed as {now} (--symbol)" for was, now in renamed.items()]
    notes += collected.notes + _never_whole(engine)
    dropped = getattr(feed.source, "dropped", None)  # a recording's gaps and skips
    if dropped is not None and dropped():
        notes.append(f"recording: {dropped()}")
    return RunResult(
        label=opened.label,
        trades=collected.trades,
        recorded_s=(engine.clock.now_ms() - start_ms) / 1000,
        wall_s=wall_s,
        book_updates=engine.book_updates,
        open_at_end=len(engine.positions),
        symbols=list(engine.markets),
        notes=notes,
        prices=prices or {},
    )


def _never_whole(engine: Engine) -> list[str]:
    """Why a run may have no trade at all: no whole candle closed, so the volume
    condition could never pass (a recording shorter than two candles, say)."""
    timeframe = engine.params.timeframe
    return [
        f"{symbol}: no whole {timeframe} candle closed in the recording, so the volume "
        f"condition never passed (try a longer recording or --sweep timeframe=1m)"
        for symbol, candles in engine.candles.items()
        if candles.last_closed_volume is None
    ]
