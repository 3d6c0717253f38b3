"""The snapshot, engine -> frontends on demand: the whole state, cheap to copy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scalp_tui.engine.protocol.enums import Mode
from scalp_tui.engine.protocol.market import Candle, FeedStatus, Level, TradeTick
from scalp_tui.engine.protocol.views import (
    OrderView,
    PositionView,
    ProposalView,
    SignalState,
)


@dataclass(frozen=True, slots=True)
class SymbolSnapshot:
    symbol: str
    bids: tuple[Level, ...]  # best first
    asks: tuple[Level, ...]  # best first
    best_bid: float | None
    best_ask: float | None
    mid: float | None
    spread: float | None
    imbalance: float | None  # instantaneous, this update's top-N
    book_age_ms: int | None
    last_price: float | None
    last_closed_volume: float | None  # of the last *whole* closed candle: the rule's
    forming_volume: float
    closed_candles: tuple[Candle, ...]  # each says whether it is partial
    signal: SignalState
    tick_size: float
    # the time-weighted mean over the trailing window: what the rules compare
    imbalance_mean: float | None = None
    imbalance_window_s: float = 0.0
    forming_partial: bool = False  # the forming candle began before the engine watched
    latency_ms: int | None = None  # receive time minus the venue's time, last update
    trades: tuple[TradeTick, ...] = ()  # the latest trades, newest first


@dataclass(frozen=True, slots=True)
class Snapshot:
    ts_ms: int
    mode: Mode
    broker: str  # where new entries go
    entries_enabled: bool
    killed: bool
    realised_pnl_today: float
    fees_today: float
    feed: FeedStatus
    symbols: tuple[SymbolSnapshot, ...]
    positions: tuple[PositionView, ...]  # open, opening and closing
    orders: tuple[OrderView, ...]  # working orders
    proposals: tuple[ProposalView, ...]
    book_updates: int
    updates_per_s: int = 0  # book updates in the last whole second of engine time
    stats: dict[str, Any] = field(default_factory=dict)
    # conditions that need the trader's eye until they clear (a venue/journal
    # divergence, a position check that cannot run); a divergence also pauses entries
    alerts: tuple[str, ...] = ()
    # what blocks every entry ("kill switch", "journal", "paused", "feed down",
    # "loss limit"), "" when entries may go
    entries_blocked: str = ""
    max_daily_loss: float = 0.0  # the limit `realised_pnl_today` is held against
    feed_reconnects: int = 0  # times the feed came back after going down this run
    human_now_ms: int = 0  # the human clock, which proposals' times are on

    def symbol(self, name: str) -> SymbolSnapshot | None:
        for s in self.symbols:
            if s.symbol == name:
                return s
        return None
