"""The snapshot: the whole state as plain data for frontends, with each symbol's
entry conditions and the first gate that blocks an entry."""

from __future__ import annotations

from scalp_tui.engine.order_desk import OrderDesk
from scalp_tui.engine.protocol import (
    ConditionResult,
    SignalState,
    Snapshot,
    SymbolSnapshot,
)
from scalp_tui.engine.risk import entries_blocked


class Snapshots(OrderDesk):
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
                    latency_ms=self.latency_ms.get(symbol),
                    trades=tuple(reversed(self.recent_trades.get(symbol, ()))),
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
            updates_per_s=self.updates_in_last_second(now),
            stats=self.summary(),
            alerts=tuple(self.alerts.values()),
            entries_blocked=entries_blocked(
                self.limits,
                killed=self.killed,
                entries_enabled=self.entries_enabled,
                paused_by_journal=self.paused_by_journal,
                feed_live=self.feed_live,
                realised_pnl_today=self._pnl_today,
            ),
            max_daily_loss=self.limits.max_daily_loss,
            feed_reconnects=self.feed_reconnects,
            human_now_ms=self.human_clock.now_ms(),
        )
