"""The engine: books -> candles -> signal -> gate (auto | confirm) -> positions -> risk.

Synchronous and single-threaded by design: market data, timer ticks, commands and
broker callbacks are all plain method calls on one object, so a test can drive
every path with a ManualClock and get the same result every time. The runtime
around it (feeds, asyncio, frontends) lives outside this package.

This module holds the state and routes market data and timer ticks; each job has
its own part, mixed in: entries.py, proposals.py, kill_switch.py, restore.py,
totals.py, snapshot.py, command_handlers.py, and order_flow.py (broker answers,
exits, the exchange-side stop).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.broker import Broker
from scalp_tui.engine.candles import TIMEFRAME_MS, CandleBuilder
from scalp_tui.engine.clock import Clock
from scalp_tui.engine.command_handlers import CommandHandlers
from scalp_tui.engine.entries import Entries
from scalp_tui.engine.exit_levels import ExitLevels
from scalp_tui.engine.imbalance import ImbalanceWindow
from scalp_tui.engine.kill_switch import KillSwitch
from scalp_tui.engine.order_flow import OrderFlow
from scalp_tui.engine.orders import Order
from scalp_tui.engine.params import EngineParams
from scalp_tui.engine.positions import ExitRule, Position
from scalp_tui.engine.proposals import Proposals
from scalp_tui.engine.protocol import (
    BookUpdate,
    Candle,
    CandleClosed,
    ErrorEvent,
    Event,
    FeedChanged,
    FeedState,
    FeedStatus,
    MarketInfo,
    Mode,
    ProposalView,
    SetEntriesEnabled,
    TradeTick,
)
from scalp_tui.engine.restore import Restore
from scalp_tui.engine.risk import RiskLimits
from scalp_tui.engine.signal import EntryRule
from scalp_tui.engine.snapshot import Snapshots
from scalp_tui.engine.totals import Totals

Listener = Callable[[Event], None]
# Writes an intent event (an entry or exit about to be sent, the kill switch engaging)
# durably before it takes effect; returns an error message when it could not.
Recorder = Callable[[Event], str | None]


TAPE_TRADES = 30  # recent trades kept per symbol for the console's tape


class Engine(
    OrderFlow,
    Entries,
    Proposals,
    KillSwitch,
    Restore,
    Totals,
    Snapshots,
    CommandHandlers,
    ExitLevels,
):
    def __init__(
        self,
        params: EngineParams,
        clock: Clock,
        markets: Mapping[str, MarketInfo],
        brokers: Mapping[str, Broker],
        history: Mapping[str, Sequence[Candle]] | None = None,
        human_clock: Clock | None = None,
    ) -> None:
        """`human_clock` times what waits for a person (a proposal's countdown and its
        withdrawal grace): wall time when the market is played faster than real time,
        so a 10 s proposal gives the trader 10 s at any speed. Default: `clock`."""
        self.params = params
        self.clock = clock
        self.human_clock = clock if human_clock is None else human_clock
        self.markets = dict(markets)
        self.brokers = dict(brokers)
        self.entry_rule = EntryRule(
            params.entry_enabled, params.min_spread, params.min_volume, params.imbalance_threshold
        )
        self.exit_rule = ExitRule(
            leverage=params.leverage,
            taker_fee=params.taker_fee,
            stop_loss=params.stop_loss,
            profit_target=params.profit_target + params.profit_buffer,
            timeout_ms=int(params.timeout_minutes * 60_000),
            reversal_threshold=params.reversal_threshold,
        )
        self.limits = RiskLimits(
            params.max_open_positions, params.max_daily_loss, params.stale_after_ms
        )
        tf = TIMEFRAME_MS[params.timeframe]
        self.books: dict[str, OrderBook] = {}
        self.candles: dict[str, CandleBuilder] = {}
        # the imbalance the entry and reversal rules compare: a trailing time-weighted mean
        self.imbalance: dict[str, ImbalanceWindow] = {}
        self.last_price: dict[str, float] = {}
        # the tape: each symbol's latest trades, newest last
        self.recent_trades: dict[str, deque[TradeTick]] = {}
        window_ms = int(params.imbalance_window_s * 1000)
        for symbol in self.markets:
            self.books[symbol] = OrderBook(symbol, params.book_depth)
            self.imbalance[symbol] = ImbalanceWindow(window_ms)
            self.candles[symbol] = CandleBuilder(tf)
            if history and symbol in history:
                self.candles[symbol].seed(list(history[symbol]), clock.now_ms())

        self.mode = Mode(params.mode)
        self.broker_name = "paper" if params.paper else "live"
        self.entries_enabled = True
        self.paused_by_journal = False
        self.killed = False
        self.feed = FeedStatus(FeedState.CONNECTING)
        self.feed_live = True  # until a feed says otherwise; the simulator never does

        self.positions: dict[int, Position] = {}  # not yet closed
        self.closed: list[Position] = []
        self.orders: dict[int, Order] = {}  # not yet done
        self._init_order_flow()
        self._init_totals()
        # what needs the trader's eye until it clears, by topic (see `set_alert`)
        self.alerts: dict[str, str] = {}
        self._divergent: dict[str, str] = {}  # symbol -> what the venue and we hold
        self.proposals: dict[int, ProposalView] = {}
        self._busy: dict[str, str] = {}  # symbol -> "position" | "proposal"
        self._order_entry_deadline: dict[int, int] = {}
        self._cancel_requested: set[int] = set()
        self._sizing_reported: set[str] = set()  # symbols whose stake is below min qty
        # After a proposal is rejected, expires or is refused, the same symbol is not
        # proposed again at once: the user said no to this market moment.
        self._cooldown_until: dict[str, int] = {}
        self._last_kill_report: tuple[tuple[int, ...], str] | None = None
        self._next_id = 1
        self._listeners: list[Listener] = []
        self.recorder: Recorder | None = None

        self.book_updates = 0
        self.updates_per_s = 0
        self._rate_second = 0
        self._rate_count = 0
        self.latency_ms: dict[str, int] = {}
        self.feed_reconnects = 0
        self._feed_was_live = False

        for broker in self.brokers.values():
            broker.bind(self, self.books)

    # ------------------------------------------------------------------ wiring

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _emit(self, event: Event) -> None:
        for listener in self._listeners:
            listener(event)

    def _record(self, event: Event) -> str | None:
        """Durably record an intent; the journal skips it when it reaches listeners."""
        return self.recorder(event) if self.recorder is not None else None

    def _new_id(self) -> int:
        i = self._next_id
        self._next_id += 1
        return i

    # ------------------------------------------------------------- market data

    def on_book(self, update: BookUpdate) -> None:
        symbol = update.symbol
        book = self.books.get(symbol)
        if book is None:
            return
        ts = update.ts_ms
        book.apply(update.bids, update.asks, ts, update.snapshot)
        window = self.imbalance[symbol]
        window.update(ts, book.imbalance)
        self.book_updates += 1
        second = ts // 1000
        if second != self._rate_second:
            # book updates in the last whole second of market time: deterministic
            # in replays and tests, the wall-clock rate on a live feed
            self.updates_per_s = self._rate_count if second == self._rate_second + 1 else 0
            self._rate_second, self._rate_count = second, 0
        self._rate_count += 1
        if update.venue_ts_ms is not None:
            self.latency_ms[symbol] = ts - update.venue_ts_ms
        for broker in self.brokers.values():
            if broker.has_resting(symbol):
                broker.on_book(book)
        if symbol in self._busy:
            if self._busy[symbol] == "position":
                self._check_exits(symbol)
            elif self._busy[symbol] == "proposal":
                self._recheck_proposals(symbol)
            return
        rule = self.entry_rule
        spread, volume = book.spread, self.candles[symbol].last_closed_volume
        # the window's mean only when the other conditions pass: it is the costliest
        # to read, and reading it changes nothing (update() moved the window to `ts`)
        if rule.could_fire(spread, volume) and rule.fires(spread, volume, window.mean(ts)):
            self._on_signal(symbol)

    def on_trade(self, trade: TradeTick) -> None:
        candles = self.candles.get(trade.symbol)
        if candles is None:
            return
        self.last_price[trade.symbol] = trade.price
        tape = self.recent_trades.get(trade.symbol)
        if tape is None:
            tape = self.recent_trades[trade.symbol] = deque(maxlen=TAPE_TRADES)
        tape.append(trade)
        for candle in candles.add_trade(trade.ts_ms, trade.price, trade.qty):
            self._emit(CandleClosed(trade.ts_ms, trade.symbol, candle))
        for broker in self.brokers.values():
            if broker.has_resting(trade.symbol):
                broker.on_trade(trade)

    def on_feed_status(self, status: FeedStatus) -> None:
        live = status.state is FeedState.LIVE
        if live and not self.feed_live and self._feed_was_live:
            self.feed_reconnects += 1
        self._feed_was_live = self._feed_was_live or live
        self.feed = status
        self.feed_live = live
        self._emit(FeedChanged(self.clock.now_ms(), status))

    def updates_in_last_second(self, now_ms: int) -> int:
        """Book updates in the last whole second before `now_ms`: 0 once nothing has
        arrived for a second (the count is otherwise only renewed by an update)."""
        second = now_ms // 1000
        if second == self._rate_second:
            return self.updates_per_s
        if second == self._rate_second + 1:
            return self._rate_count
        return 0

    def on_timer(self) -> None:
        """Periodic work (about once a second or faster): candle closes, timeouts,
        proposal expiry, entry-order timeouts and exit retries."""
        now = self.clock.now_ms()
        for symbol, candles in self.candles.items():
            for candle in candles.roll(now):
                self._emit(CandleClosed(now, symbol, candle))
        self._recheck_proposals()
        human_now = self.human_clock.now_ms()
        for proposal in [p for p in self.proposals.values() if human_now >= p.expires_ms]:
            self._resolve_proposal(proposal, "expired", "no decision in time")
        for order_id, deadline in list(self._order_entry_deadline.items()):
            if now >= deadline and order_id in self.orders:
                del self._order_entry_deadline[order_id]
                self._cancel_requested.add(order_id)
                self.brokers[self.orders[order_id].broker].cancel(order_id)
        for symbol in {p.symbol for p in self.positions.values()}:
            self._check_exits(symbol)
        for position in list(self.positions.values()):
            if position.stop_order_id is None:
                self._protect(position)  # restored, or a placement that failed

    def set_divergence(self, symbol: str, text: str | None) -> None:
        """The venue and the journal disagree on `symbol` (text) or agree again
        (None): entries there wait until they agree, and the alert says why."""
        if text is None:
            self._divergent.pop(symbol, None)
        else:
            self._divergent[symbol] = text
        joined = "; ".join(self._divergent[s] for s in sorted(self._divergent))
        self.set_alert("divergence", f"venue and journal disagree: {joined}" if joined else None)

    def set_alert(self, topic: str, text: str | None) -> None:
        """Raise (text) or clear (None) a standing alert shown until it clears, e.g.
        "position check" when positions cannot be checked. Said once in the log when
        raised, changed or cleared."""
        if self.alerts.get(topic) == text:
            return
        if text is None:
            del self.alerts[topic]
            self._emit(ErrorEvent(self.clock.now_ms(), f"cleared: {topic}"))
        else:
            self.alerts[topic] = text
            self._emit(ErrorEvent(self.clock.now_ms(), text))

    def pause_entries(self, why: str) -> None:
        """Stop new entries after a journal write failed (the user re-enables them
        once there is room) and say why."""
        self._emit(ErrorEvent(self.clock.now_ms(), f"{why}; entries paused"))
        if self.entries_enabled:
            self._set_entries(SetEntriesEnabled(False))
        self.paused_by_journal = True

    def cancel_order(self, order_id: int) -> None:
        """Withdraw a working order without treating its end as a failure."""
        self._cancel(order_id)

    def report_error(self, message: str, symbol: str | None = None) -> None:
        """Errors found outside the engine (reconciliation, brokers) reach the same
        frontends as the engine's own."""
        self._emit(ErrorEvent(self.clock.now_ms(), message, symbol))
