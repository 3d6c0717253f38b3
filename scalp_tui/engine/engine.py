"""The engine: books -> candles -> signal -> gate (auto | confirm) -> positions -> risk.

Synchronous and single-threaded by design: market data, timer ticks, commands and
broker callbacks are all plain method calls on one object, so a test can drive
every path with a ManualClock and get the same result every time. The runtime
around it (feeds, asyncio, frontends) lives outside this package.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.broker import Broker
from scalp_tui.engine.candles import TIMEFRAME_MS, CandleBuilder
from scalp_tui.engine.clock import Clock
from scalp_tui.engine.imbalance import ImbalanceWindow
from scalp_tui.engine.order_flow import OrderFlow
from scalp_tui.engine.orders import EPS_QTY, Order
from scalp_tui.engine.params import EngineParams
from scalp_tui.engine.pnl import floor_to_step
from scalp_tui.engine.positions import ExitRule, Position, countdown_text
from scalp_tui.engine.protocol import (
    AcceptProposal,
    BookUpdate,
    Candle,
    CandleClosed,
    ClosePosition,
    Command,
    CommandResult,
    ConditionResult,
    EngageKillSwitch,
    EntrySubmitted,
    ErrorEvent,
    Event,
    ExitReason,
    FeedChanged,
    FeedState,
    FeedStatus,
    KillSwitchChanged,
    MarketEvent,
    MarketInfo,
    Mode,
    ModeChanged,
    OrderType,
    OrderView,
    PositionRecord,
    PositionRestored,
    PositionState,
    ProposalCreated,
    ProposalResolved,
    ProposalView,
    RejectProposal,
    ResetKillSwitch,
    SetBroker,
    SetEntriesEnabled,
    SetMode,
    Side,
    SignalState,
    Snapshot,
    SymbolSnapshot,
    TradeTick,
)
from scalp_tui.engine.risk import DAY_MS, GateInputs, RiskLimits, blocking_gate
from scalp_tui.engine.signal import EntryRule

Listener = Callable[[Event], None]
# Writes an intent event (an entry or exit about to be sent, the kill switch engaging)
# durably before it takes effect; returns an error message when it could not.
Recorder = Callable[[Event], str | None]


class Engine(OrderFlow):
    def __init__(
        self,
        params: EngineParams,
        clock: Clock,
        markets: Mapping[str, MarketInfo],
        brokers: Mapping[str, Broker],
        history: Mapping[str, Sequence[Candle]] | None = None,
    ) -> None:
        self.params = params
        self.clock = clock
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
        self.killed = False
        self.feed = FeedStatus(FeedState.CONNECTING)
        self.feed_live = True  # until a feed says otherwise; the simulator never does

        self.positions: dict[int, Position] = {}  # not yet closed
        self.closed: list[Position] = []
        self.orders: dict[int, Order] = {}  # not yet done
        self._init_order_flow()
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
        self.restored = 0  # positions brought back from before this start

        self.book_updates = 0
        self.updates_per_s = 0
        self._rate_second = 0
        self._rate_count = 0
        self.entries = 0
        self.exits: Counter[str] = Counter()
        self._day = -1
        self._pnl_today = 0.0
        self._fees_today = 0.0
        self.pnl_total = 0.0
        self.fees_total = 0.0
        self.wins = 0

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

    def on_market(self, event: MarketEvent) -> None:
        if type(event) is BookUpdate:
            self.on_book(event)
        elif type(event) is TradeTick:
            self.on_trade(event)
        else:
            self.on_feed_status(event)  # type: ignore[arg-type]

    def on_book(self, update: BookUpdate) -> None:
        symbol = update.symbol
        book = self.books.get(symbol)
        if book is None:
            return
        book.apply(update.bids, update.asks, update.ts_ms, update.snapshot)
        window = self.imbalance[symbol]
        window.update(update.ts_ms, book.imbalance)
        self.book_updates += 1
        second = update.ts_ms // 1000
        if second != self._rate_second:
            # book updates in the last whole second of market time: deterministic
            # in replays and tests, the wall-clock rate on a live feed
            self.updates_per_s = self._rate_count if second == self._rate_second + 1 else 0
            self._rate_second, self._rate_count = second, 0
        self._rate_count += 1
        for broker in self.brokers.values():
            if broker.has_resting(symbol):
                broker.on_book(book)
        if symbol in self._busy:
            if self._busy[symbol] == "position":
                self._check_exits(symbol)
            return
        if self.entry_rule.fires(
            book.spread, self.candles[symbol].last_closed_volume, window.mean(update.ts_ms)
        ):
            self._on_signal(symbol)

    def on_trade(self, trade: TradeTick) -> None:
        candles = self.candles.get(trade.symbol)
        if candles is None:
            return
        self.last_price[trade.symbol] = trade.price
        for candle in candles.add_trade(trade.ts_ms, trade.price, trade.qty):
            self._emit(CandleClosed(trade.ts_ms, trade.symbol, candle))
        for broker in self.brokers.values():
            if broker.has_resting(trade.symbol):
                broker.on_trade(trade)

    def on_feed_status(self, status: FeedStatus) -> None:
        self.feed = status
        self.feed_live = status.state is FeedState.LIVE
        self._emit(FeedChanged(self.clock.now_ms(), status))

    def on_timer(self) -> None:
        """Periodic work (about once a second or faster): candle closes, timeouts,
        proposal expiry, entry-order timeouts and exit retries."""
        now = self.clock.now_ms()
        for symbol, candles in self.candles.items():
            for candle in candles.roll(now):
                self._emit(CandleClosed(now, symbol, candle))
        for proposal in [p for p in self.proposals.values() if now >= p.expires_ms]:
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

    # ------------------------------------------------------------------ entries

    def _gate(self, symbol: str, ignore_busy: bool = False) -> tuple[str, str] | None:
        self._roll_day()
        book = self.books[symbol]
        return blocking_gate(
            self.limits,
            GateInputs(
                killed=self.killed,
                entries_enabled=self.entries_enabled,
                symbol_busy=None if ignore_busy else self._symbol_busy(symbol),
                open_positions=len(self.positions),
                book_age_ms=book.age_ms(self.clock.now_ms()),
                realised_pnl_today=self._pnl_today,
                feed_live=self.feed_live,
                divergence=self._divergent.get(symbol),
            ),
        )

    def _symbol_busy(self, symbol: str) -> str | None:
        """What holds the symbol: a position, a proposal, or an order of a closed
        position still working (on a one-way venue a new short would share the
        venue's position with it: a late exit or stop would close the new one)."""
        busy = self._busy.get(symbol)
        if busy is None and any(o.symbol == symbol for o in self.orders.values()):
            return "order"
        return busy

    def _on_signal(self, symbol: str) -> None:
        if self._gate(symbol) is not None:
            return
        if self.mode is Mode.CONFIRM and self.clock.now_ms() < self._cooldown_until.get(symbol, 0):
            return
        book = self.books[symbol]
        price = book.best_bid
        qty = self._entry_qty(symbol, price)
        if price is None or qty is None:
            return
        if self.mode is Mode.AUTO:
            self._submit_entry(symbol, qty)
            return
        now = self.clock.now_ms()
        proposal = ProposalView(
            id=self._new_id(),
            symbol=symbol,
            price=price,
            qty=qty,
            conditions=self._conditions(symbol),
            created_ms=now,
            expires_ms=now + int(self.params.confirm_timeout_s * 1000),
        )
        self.proposals[proposal.id] = proposal
        self._busy[symbol] = "proposal"
        self._emit(ProposalCreated(now, proposal))

    def _entry_qty(self, symbol: str, price: float | None) -> float | None:
        if price is None or price <= 0.0:
            return None
        market = self.markets[symbol]
        notional = self.params.stake_amount * self.params.leverage
        # base units: contracts exist only at the venue boundary (the broker converts)
        qty = floor_to_step(notional / price, market.lot_size)
        if qty < market.min_qty or qty <= 0.0:
            if symbol in self._sizing_reported:
                return None
            self._sizing_reported.add(symbol)
            self._emit(
                ErrorEvent(
                    self.clock.now_ms(),
                    f"stake {self.params.stake_amount:g} x{self.params.leverage} buys less "
                    f"than the minimum quantity {market.min_qty:g} at {price:g}",
                    symbol,
                )
            )
            return None
        return qty

    def _submit_entry(self, symbol: str, qty: float) -> None:
        broker_name = self.broker_name
        position = Position(self._new_id(), symbol, broker_name, self.exit_rule)
        book = self.books[symbol]
        if self.params.entry_order_type == "limit":
            # Same side as freqtrade's price_side="same" for a short: rest at the ask.
            order = self._new_order(
                symbol, Side.SELL, OrderType.LIMIT, qty, book.best_ask, False, position, "entry"
            )
            # unfilled after entry_limit_timeout_s: cancelled, any partial fill kept
            timeout_ms = int(self.params.entry_limit_timeout_s * 1000)
            self._order_entry_deadline[order.id] = self.clock.now_ms() + timeout_ms
        else:
            order = self._new_order(
                symbol, Side.SELL, OrderType.MARKET, qty, None, False, position, "entry"
            )
        position.entry_order_id = order.id
        self._save(position)
        submitted = EntrySubmitted(
            self.clock.now_ms(), position.view(book, self.exit_rule), order.view(), self.mode
        )
        failure = self._record(submitted)
        if failure is not None:
            # Never send an order the journal does not know about: a crash would
            # leave a position nobody restores.
            del self.orders[order.id]
            del self._every_order[order.id]
            self._order_entry_deadline.pop(order.id, None)
            position.drop()
            self._save(position)
            self.pause_entries(f"{failure}: entry on {symbol} not sent")
            return
        self.positions[position.id] = position
        self._busy[symbol] = "position"
        self.entries += 1
        self._emit(submitted)
        self.brokers[broker_name].submit(order)

    def _roll_day(self) -> None:
        day = self.clock.now_ms() // DAY_MS
        if day != self._day:
            self._day = day
            self._pnl_today = 0.0
            self._fees_today = 0.0

    def _book_close(self, position: Position) -> None:
        """Add a closed trade to the totals (and remember what it added)."""
        pnl = position.realised_pnl or 0.0
        fees = position.entry_fee + position.exit_fee
        self._roll_day()
        position.booked = (pnl, fees, self._day)
        self._pnl_today += pnl
        self._fees_today += fees
        self.pnl_total += pnl
        self.fees_total += fees
        self.wins += pnl > 0.0
        self.exits[(position.exit_reason or ExitReason.MANUAL).value] += 1

    def _unbook(self, position: Position) -> None:
        """Take a trade back out of the totals: a late fill showed it still open."""
        if position.booked is None:
            return
        pnl, fees, day = position.booked
        position.booked = None
        if day == self._day:
            self._pnl_today -= pnl
            self._fees_today -= fees
        self.pnl_total -= pnl
        self.fees_total -= fees
        self.wins -= pnl > 0.0
        self.exits[(position.exit_reason or ExitReason.MANUAL).value] -= 1

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
        """Stop new entries (the user re-enables them) and say why."""
        self._emit(ErrorEvent(self.clock.now_ms(), f"{why}; entries paused"))
        if self.entries_enabled:
            self._set_entries(SetEntriesEnabled(False))

    # ----------------------------------------------------------------- restarts

    def restore(
        self, records: Sequence[PositionRecord], orders: Sequence[OrderView], next_id: int
    ) -> list[PositionRestored]:
        """Bring back positions journaled by an earlier run, each to its broker.

        A broker keeps the orders it can still track (a live exchange's); an order it
        cannot (the paper broker's, gone with the process) is taken as cancelled: an
        entry with nothing filled is dropped, an exit is decided again. Countdowns
        run from the original open time, so a timeout that passed while down fires on
        the next check.
        """
        self._next_id = max(self._next_id, next_id)
        now = self.clock.now_ms()
        restored = []
        for record in records:
            position = Position.from_record(record, self.exit_rule)
            mine = [o for o in orders if o.position_id == position.id]
            working = self.brokers[position.broker].resume(
                position.symbol, -position.qty, [Order.from_view(o) for o in mine]
            )
            for order in working:
                self._track(order)
                if order.purpose == "entry" and order.type is OrderType.LIMIT:
                    # its first deadline is unknown here: a full timeout from now
                    timeout_ms = int(self.params.entry_limit_timeout_s * 1000)
                    self._order_entry_deadline[order.id] = now + timeout_ms
            kept = {o.id for o in working}
            if position.stop_order_id not in kept:
                position.stop_order_id = None
            if position.exit_order_id is not None and position.exit_order_id not in kept:
                position.exit_over()  # decided again on the next check
            if position.entry_order_id not in kept and position.state is PositionState.OPENING:
                if position.qty <= EPS_QTY:
                    position.drop()
                    self._save(position)
                    self._emit(
                        ErrorEvent(
                            now,
                            f"entry #{position.id} had not filled before the restart: dropped",
                            position.symbol,
                        )
                    )
                    continue
                position.exit_over()
            self.positions[position.id] = position
            self._busy[position.symbol] = "position"
            self.restored += 1
            self._save(position)
            view = self._view(position)
            restored.append(PositionRestored(now, view, countdown_text(view, now)))
            self._emit(restored[-1])
            if position.flat and position.entered_qty > EPS_QTY:
                self._settle(position)  # exited in full before the restart: it closes
        return restored

    def close_reconciled(self, position_id: int, detail: str) -> None:
        """The exchange no longer holds this position: close it in the books without
        an exit price (nobody here saw how it ended)."""
        position = self.positions.get(position_id)
        if position is None:
            return
        for order_id in (position.entry_order_id, position.exit_order_id):
            if order_id is not None:
                self.orders.pop(order_id, None)
        # a stop left resting would close part of the next short on this symbol: it is
        # withdrawn (and its end, or a fill found meanwhile, still reaches the trade)
        self._cancel(position.stop_order_id)
        position.exit_reason = ExitReason.RECONCILED
        position.qty = 0.0
        position.settle()
        position.exit_price = position.realised_pnl = None  # nobody here saw how
        self._emit(ErrorEvent(self.clock.now_ms(), detail, position.symbol))
        self._close(position, self.clock.now_ms())

    def cancel_order(self, order_id: int) -> None:
        """Withdraw a working order without treating its end as a failure."""
        self._cancel(order_id)

    def report_error(self, message: str, symbol: str | None = None) -> None:
        """Errors found outside the engine (reconciliation, brokers) reach the same
        frontends as the engine's own."""
        self._emit(ErrorEvent(self.clock.now_ms(), message, symbol))

    # ----------------------------------------------------------------- commands

    def execute(self, command: Command) -> CommandResult:
        handler = self._handlers.get(type(command))
        if handler is None:
            return CommandResult(False, f"unknown command {type(command).__name__}")
        return handler(self, command)

    def _accept(self, cmd: AcceptProposal) -> CommandResult:
        proposal = self.proposals.get(cmd.proposal_id)
        if proposal is None:
            return CommandResult(False, f"proposal {cmd.proposal_id} is no longer pending")
        now = self.clock.now_ms()
        if now >= proposal.expires_ms:
            self._resolve_proposal(proposal, "expired", "no decision in time")
            return CommandResult(False, "proposal expired")
        gate = self._gate(proposal.symbol, ignore_busy=True)
        if gate is not None:
            self._resolve_proposal(proposal, "refused", gate[1])
            return CommandResult(False, f"refused: {gate[1]}")
        bid = self.books[proposal.symbol].best_bid
        if bid is None:
            self._resolve_proposal(proposal, "refused", "no bid in the book")
            return CommandResult(False, "refused: no bid in the book")
        # A short sells: a lower bid than proposed is movement against us.
        moved = (proposal.price - bid) / proposal.price
        if moved > self.params.max_slippage:
            detail = (
                f"price moved {moved:.4%} against the entry (bid {bid:g} vs proposed "
                f"{proposal.price:g}; max {self.params.max_slippage:.4%})"
            )
            self._resolve_proposal(proposal, "refused", detail)
            return CommandResult(False, f"refused: {detail}")
        self._resolve_proposal(proposal, "accepted", f"at bid {bid:g}")
        self._submit_entry(proposal.symbol, proposal.qty)
        return CommandResult(True, f"entry submitted on {proposal.symbol}")

    def _reject(self, cmd: RejectProposal) -> CommandResult:
        proposal = self.proposals.get(cmd.proposal_id)
        if proposal is None:
            return CommandResult(False, f"proposal {cmd.proposal_id} is no longer pending")
        self._resolve_proposal(proposal, "rejected", "by the user")
        return CommandResult(True, "proposal rejected")

    def _resolve_proposal(self, proposal: ProposalView, outcome: str, detail: str) -> None:
        del self.proposals[proposal.id]
        if outcome in ("rejected", "expired", "refused"):
            cooldown_ms = int(self.params.proposal_cooldown_s * 1000)
            self._cooldown_until[proposal.symbol] = self.clock.now_ms() + cooldown_ms
        if self._busy.get(proposal.symbol) == "proposal":
            del self._busy[proposal.symbol]
        self._emit(
            ProposalResolved(self.clock.now_ms(), proposal.id, proposal.symbol, outcome, detail)
        )

    def _kill(self, cmd: EngageKillSwitch) -> CommandResult:
        now = self.clock.now_ms()
        self.killed = True
        self._last_kill_report = None
        engaged = KillSwitchChanged(now, True, detail=f"engaged by {cmd.source}")
        # The latch is on disk before the first cancel or close leaves: a crash a moment
        # later must not restart trading. A journal that cannot write it never holds
        # the kill back.
        failure = self._record(engaged)
        self._emit(engaged)
        if failure is not None:
            self._emit(ErrorEvent(now, f"{failure}: the kill switch latch may not survive"))
        for proposal in list(self.proposals.values()):
            self._resolve_proposal(proposal, "dropped", "kill switch")
        for position in self.positions.values():
            position.forced_exit = ExitReason.KILL_SWITCH
        for broker in self.brokers.values():
            broker.cancel_all()
        for position in list(self.positions.values()):
            self._kill_position(position)
        self._report_kill("flattening")
        return CommandResult(True, "kill switch engaged")

    def _kill_position(self, position: Position) -> None:
        position.forced_exit = ExitReason.KILL_SWITCH
        position.exit_attempts = 0
        position.given_up = False
        position.next_exit_ms = 0
        if position.state is PositionState.OPEN:
            self._submit_exit(position, ExitReason.KILL_SWITCH)

    def _report_kill(self, phase: str) -> None:
        still_open = tuple(p.id for p in self.positions.values())
        detail = "flat: no open positions" if not still_open else phase
        if (still_open, detail) == self._last_kill_report:
            return  # nothing new to say
        self._last_kill_report = (still_open, detail)
        self._emit(KillSwitchChanged(self.clock.now_ms(), True, still_open, detail))

    def _reset_kill(self, _cmd: ResetKillSwitch) -> CommandResult:
        if not self.killed:
            return CommandResult(False, "kill switch is not engaged")
        self.killed = False
        self._emit(KillSwitchChanged(self.clock.now_ms(), False, detail="reset"))
        return CommandResult(True, "kill switch reset: entries enabled")

    def _set_mode(self, cmd: SetMode) -> CommandResult:
        self.mode = Mode(cmd.mode)
        self._emit(ModeChanged(self.clock.now_ms(), "mode", self.mode.value))
        return CommandResult(True, f"mode {self.mode.value}")

    def _set_entries(self, cmd: SetEntriesEnabled) -> CommandResult:
        self.entries_enabled = cmd.enabled
        if not cmd.enabled:
            for proposal in list(self.proposals.values()):
                self._resolve_proposal(proposal, "dropped", "entries paused")
        value = "enabled" if cmd.enabled else "paused"
        self._emit(ModeChanged(self.clock.now_ms(), "entries", value))
        return CommandResult(True, f"entries {value}")

    def _set_broker(self, cmd: SetBroker) -> CommandResult:
        if cmd.broker not in self.brokers:
            return CommandResult(False, f"no {cmd.broker} broker is configured")
        self.broker_name = cmd.broker
        self._emit(ModeChanged(self.clock.now_ms(), "broker", cmd.broker))
        return CommandResult(True, f"new entries go to {cmd.broker}")

    def _close_position(self, cmd: ClosePosition) -> CommandResult:
        position = self.positions.get(cmd.position_id)
        if position is None:
            return CommandResult(False, f"position {cmd.position_id} is not open")
        if position.state is PositionState.OPENING:
            if position.entry_order_id is not None:
                self.brokers[position.broker].cancel(position.entry_order_id)
            return CommandResult(True, "entry cancelled")
        if position.state is PositionState.CLOSING:
            return CommandResult(False, "already closing")
        position.forced_exit = ExitReason.MANUAL
        position.next_exit_ms = 0
        self._submit_exit(position, ExitReason.MANUAL)
        return CommandResult(True, f"closing position {position.id}")

    _handlers: ClassVar[dict[type, Callable[[Engine, Any], CommandResult]]] = {
        AcceptProposal: _accept,
        RejectProposal: _reject,
        EngageKillSwitch: _kill,
        ResetKillSwitch: _reset_kill,
        SetMode: _set_mode,
        SetEntriesEnabled: _set_entries,
        SetBroker: _set_broker,
        ClosePosition: _close_position,
    }

    # ----------------------------------------------------------------- snapshot

    def _conditions(self, symbol: str) -> tuple[ConditionResult, ...]:
        mean = self.imbalance[symbol].mean(self.clock.now_ms())
        return self.entry_rule.evaluate(self.books[symbol], self.candles[symbol], mean)

    def signal_state(self, symbol: str) -> SignalState:
        conditions = self._conditions(symbol)
        gate = self._gate(symbol)
        return SignalState(
            symbol=symbol,
            conditions=conditions,
            signal=all(c.passed for c in conditions),
            blocked_by=gate[0] if gate else None,
            block_reason=gate[1] if gate else "",
        )

    def snapshot(self, depth: int = 20) -> Snapshot:
        now = self.clock.now_ms()
        self._roll_day()
        symbols = []
        for symbol, book in self.books.items():
            candles = self.candles[symbol]
            forming = candles.forming
            symbols.append(
                SymbolSnapshot(
                    symbol=symbol,
                    bids=book.bids.levels(depth),
                    asks=book.asks.levels(depth),
                    best_bid=book.best_bid,
                    best_ask=book.best_ask,
                    mid=book.mid,
                    spread=book.spread,
                    imbalance=book.imbalance,
                    imbalance_mean=self.imbalance[symbol].mean(now),
                    imbalance_window_s=self.params.imbalance_window_s,
                    book_age_ms=book.age_ms(now),
                    last_price=self.last_price.get(symbol),
                    last_closed_volume=candles.last_closed_volume,
                    forming_volume=forming.volume if forming else 0.0,
                    forming_partial=candles.forming_partial,
                    closed_candles=tuple(candles.closed)[-12:],
                    signal=self.signal_state(symbol),
                    tick_size=self.markets[symbol].tick_size,
                )
            )
        return Snapshot(
            ts_ms=now,
            mode=self.mode,
            broker=self.broker_name,
            entries_enabled=self.entries_enabled,
            killed=self.killed,
            realised_pnl_today=self._pnl_today,
            fees_today=self._fees_today,
            feed=self.feed,
            symbols=tuple(symbols),
            positions=tuple(self._view(p) for p in self.positions.values()),
            orders=tuple(o.view() for o in self.orders.values()),
            proposals=tuple(self.proposals.values()),
            book_updates=self.book_updates,
            updates_per_s=self.updates_per_s,
            stats=self.summary(),
            alerts=tuple(self.alerts.values()),
        )

    def summary(self) -> dict[str, object]:
        trades = len(self.closed)
        return {
            "entries": self.entries,
            "exits": dict(self.exits),
            "trades": trades,
            "win_rate": round(self.wins / trades, 4) if trades else 0.0,
            "pnl": round(self.pnl_total, 6),
            "fees": round(self.fees_total, 6),
            "book_updates": self.book_updates,
            "open_positions": len(self.positions),
            "restored_positions": self.restored,
        }
