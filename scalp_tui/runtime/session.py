"""One running engine with its feed and brokers: the simulated market or a recording
replayed, with the paper broker (an exchange's: live_session.py).

Frontends talk to a session only through `EngineSession` (interface.py):
`execute(Command)`, `snapshot()`, events delivered to `subscribe`d callbacks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from scalp_tui.config import Settings
from scalp_tui.engine.candles import TIMEFRAME_MS
from scalp_tui.engine.clock import ManualClock, WallClock
from scalp_tui.engine.engine import Engine
from scalp_tui.engine.params import EngineParams
from scalp_tui.engine.protocol import (
    Command,
    CommandResult,
    Event,
    FeedState,
    FeedStatus,
    Snapshot,
)
from scalp_tui.execution.paper import PaperBroker
from scalp_tui.market.feed import PacedFeed
from scalp_tui.market.replay import ReplaySource
from scalp_tui.market.sim import DEFAULT_START_MS, SimMarket

HISTORY_CANDLES = 24


def human_clock(speed: float) -> WallClock | None:
    """What a proposal's countdown runs on: wall time when the market is paced (at
    --speed 10 a 10 s proposal still gives the trader 10 s); the market's own clock
    at speed 0, where nobody watches and runs must repeat exactly."""
    return WallClock() if speed > 0 else None


class SessionBase:
    """The `EngineSession` surface over an engine on this thread's loop: Commands in,
    Events and Snapshots out."""

    engine: Engine
    stop_event: asyncio.Event
    notes: list[str]  # said once at start: how symbols were chosen, what was restored

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self.engine.markets)

    def summary(self) -> dict[str, object]:
        return self.engine.summary()

    def now_ms(self) -> int:
        return self.engine.clock.now_ms()

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        self.engine.subscribe(listener)

    def execute(self, command: Command) -> CommandResult:
        return self.engine.execute(command)

    def snapshot(self, depth: int = 20) -> Snapshot:
        return self.engine.snapshot(depth)

    def stop(self) -> None:
        self.stop_event.set()


class Session(SessionBase):
    elapsed_key = "sim_seconds"  # the summary's name for `elapsed_s()`

    def __init__(self, engine: Engine, feed: PacedFeed, paper: PaperBroker) -> None:
        self.engine = engine
        self.feed = feed
        self.paper = paper
        self.stop_event = asyncio.Event()
        self.notes = []
        self._started = False
        self._said_end = False

    @classmethod
    def simulated(
        cls, settings: Settings, seed: int = 1, speed: float = 1.0, start_ms: int = DEFAULT_START_MS
    ) -> Session:
        """The embedded simulated market with the paper broker, its clock starting at
        `start_ms` (a fixed date by default, so runs repeat exactly)."""
        market = SimMarket(symbols=tuple(settings.symbols), seed=seed, start_ms=start_ms)
        clock = ManualClock(market.start_ms)
        tf = TIMEFRAME_MS[settings.timeframe]
        history = {s: market.history(s, tf, HISTORY_CANDLES) for s in market.markets}
        paper = PaperBroker(settings.taker_fee, settings.maker_fee)
        engine = Engine(
            EngineParams.from_settings(settings),
            clock,
            market.markets,
            {"paper": paper},
            history=history,
            human_clock=human_clock(speed),
        )
        return cls(engine, PacedFeed(market, clock, speed), paper)

    @classmethod
    def replay(cls, settings: Settings, source: ReplaySource, speed: float = 1.0) -> Session:
        """A recording with the paper broker, on the recording's clock (its receive
        times), paced `speed` times real time (0: as fast as possible)."""
        clock = ManualClock(source.start_ms)
        paper = PaperBroker(settings.taker_fee, settings.maker_fee)
        engine = Engine(
            EngineParams.from_settings(settings.model_copy(update={"symbols": source.symbols})),
            clock,
            source.market_infos(),
            {"paper": paper},
            human_clock=human_clock(speed),
        )
        session = cls(engine, PacedFeed(source, clock, speed), paper)
        session.elapsed_key = "replay_seconds"
        session.notes = [source.describe()]
        return session

    def start(self) -> None:
        if not self._started:
            self._started = True
            self.feed.start(self.engine)

    async def run(self, duration_s: float | None = None) -> None:
        self.start()
        duration_ms = None if duration_s is None else int(duration_s * 1000)
        await self.feed.run(self.engine, duration_ms, self.stop_event)
        source = self.feed.source
        if self.feed.ended and isinstance(source, ReplaySource) and not self._said_end:
            # say so: a still book is the end of the file, not a quiet market
            self._said_end = True
            dropped = source.dropped()
            detail = "end of the recording" + (f" ({dropped})" if dropped else "")
            self.engine.on_feed_status(FeedStatus(FeedState.DOWN, detail=detail))

    def elapsed_s(self) -> float:
        """Simulated seconds played so far."""
        return (self.engine.clock.now_ms() - self.feed.source.start_ms) / 1000
