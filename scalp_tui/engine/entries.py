"""Entries: the gates an entry must pass, its size, and sending it (at once in auto
mode; confirm mode turns it into a proposal first, see proposals.py)."""

from __future__ import annotations

from scalp_tui.engine.order_desk import OrderDesk
from scalp_tui.engine.pnl import floor_to_step
from scalp_tui.engine.positions import Position
from scalp_tui.engine.protocol import (
    ENTRY_TAG,
    EntrySubmitted,
    ErrorEvent,
    Mode,
    OrderType,
    Side,
)
from scalp_tui.engine.risk import GateInputs, blocking_gate


class Entries(OrderDesk):
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
        self._propose(symbol, price, qty)

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

    def _submit_entry(self, symbol: str, qty: float, tag: str = ENTRY_TAG) -> None:
        broker_name = self.broker_name
        position = Position(self._new_id(), symbol, broker_name, self.exit_rule, tag)
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
