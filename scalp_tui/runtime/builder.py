"""The one way every frontend gets a session (console, headless, backtest): which
market feeds it, which symbols it watches (those of positions to restore included),
what it restores from the journal, and on which thread an exchange's runs.

- `build(request)`: the simulated market or a recording, on the caller's loop;
- `await connect(request)`: an exchange, on the running loop (headless);
- `open_session(request)`: any of them for the console, an exchange's engine on a
  thread of its own (engine_thread.py) so drawing never delays a market message.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scalp_tui.config import Settings
from scalp_tui.engine.candles import TIMEFRAME_MS
from scalp_tui.runtime.engine_thread import ThreadedSession
from scalp_tui.runtime.interface import EngineSession, StartError
from scalp_tui.runtime.live_session import LiveSession
from scalp_tui.runtime.recovery import attach, attach_live, symbols_to_restore
from scalp_tui.runtime.session import Session
from scalp_tui.store.journal import Journal


@dataclass
class SessionRequest:
    settings: Settings
    seed: int = 1  # the simulated market's
    speed: float = 1.0  # simulated or recorded seconds per wall second (0: flat out)
    # a recording (its files; the symbol when it holds several) instead of a market
    replay: Sequence[Path] = ()
    replay_symbol: str | None = None
    # restored from and written to; None for replays and backtests (their times are
    # the recording's, their trades not the account's)
    journal: Journal | None = None
    live_orders: bool = False  # the trader's --live: new entries go to the exchange
    pairlist: list[dict[str, Any]] | None = None  # freqtrade pairlist steps (exchanges)
    blacklist: list[re.Pattern[str]] | None = None
    # the simulated market's first moment; None: the current candle's start (below)
    start_ms: int | None = None
    # called with the session before the journal restores into it: a frontend that
    # logs every event subscribes here, so it sees what comes back
    on_ready: Callable[[EngineSession], None] | None = field(default=None, repr=False)

    @property
    def on_exchange(self) -> bool:
        return not self.replay and self.settings.exchange.id != "simulated"


def build(request: SessionRequest) -> Session:
    """The simulated market or a recording, with the paper broker. Raises StartError
    (a symbol the simulated market does not list) or the replay reader's
    RecordingError (a file missing, unreadable or in no format it reads)."""
    from scalp_tui.market.replay import ReplaySource

    if request.replay:
        source = ReplaySource(list(request.replay), request.replay_symbol)
        session = Session.replay(request.settings, source, request.speed)
    else:
        session = _simulated(request)
    _ready(session, request)
    if request.journal is not None:
        session.notes += attach(session, request.journal)
    return session


def _simulated(request: SessionRequest) -> Session:
    """The simulated market, with the symbols of any position to restore, opening at
    the start of the current candle and never earlier than the journal's last event
    (a fast run may have got ahead of the wall clock).

    Opening on a candle boundary makes a seed's run the same whenever it starts: the
    rules only count whole candles, so a start part-way through one would otherwise
    shift which candle the volume and reversal rules see, by the minute of starting."""
    settings, journal = request.settings, request.journal
    restored = (
        [s for s in symbols_to_restore(journal) if s not in settings.symbols] if journal else []
    )
    start_ms = request.start_ms
    if start_ms is None:
        frame = TIMEFRAME_MS[settings.timeframe]
        after = ((journal.last_ts_ms() if journal else None) or 0) + 1
        start_ms = time.time_ns() // 1_000_000 // frame * frame
        if start_ms < after:
            start_ms = -(-after // frame) * frame  # the next boundary after the journal
    try:
        return Session.simulated(
            settings.model_copy(update={"symbols": settings.symbols + restored}),
            seed=request.seed,
            speed=request.speed,
            start_ms=start_ms,
        )
    except ValueError as exc:  # e.g. a symbol the simulated market does not list
        raise StartError(str(exc)) from None


async def connect(request: SessionRequest) -> LiveSession:
    """The configured exchange on the running loop (ccxt's client belongs to the loop
    it starts on), watching the symbols of positions to restore too; restored and
    agreed with the exchange before anything trades. Raises StartError."""
    journal = request.journal
    # real orders come from `live_orders` (the trader's --live) alone: connect decides
    session = await LiveSession.connect(
        request.settings,
        live_orders=request.live_orders,
        pairlist=request.pairlist,
        blacklist=request.blacklist,
        extra_symbols=symbols_to_restore(journal) if journal is not None else None,
    )
    _ready(session, request)
    if journal is not None:
        session.notes += await attach_live(session, journal, request.settings.restart_open_orders)
    return session


def open_session(request: SessionRequest) -> EngineSession:
    """The console's session. The simulated market and recordings run on the market's
    own clock: sharing the console's loop costs them nothing but pacing jitter, and
    keeps drawing cheapest. On an exchange the engine gets its own thread and loop: a
    frame being drawn must not delay a market message (bench/tick_to_order.py
    --console). Raises StartError, or RecordingError for a recording."""
    if not request.on_exchange:
        return build(request)
    host = ThreadedSession(lambda: connect(request))
    host.start()
    return host


def _ready(session: EngineSession, request: SessionRequest) -> None:
    if request.on_ready is not None:
        request.on_ready(session)
