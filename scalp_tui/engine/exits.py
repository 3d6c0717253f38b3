"""Exits: which rule is due, sending the exit (reduce-only; the entry's unfilled rest
cancelled first), and trying again with backoff when an exit fails."""

from __future__ import annotations

from scalp_tui.engine.backoff import backoff
from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.candles import CandleBuilder
from scalp_tui.engine.imbalance import ImbalanceWindow
from scalp_tui.engine.order_desk import MAX_EXIT_BACKOFF_MS, OrderDesk
from scalp_tui.engine.positions import Position
from scalp_tui.engine.protocol import (
    ErrorEvent,
    ExitReason,
    ExitTriggered,
    OrderType,
    PositionState,
    Side,
)


class Exits(OrderDesk):
    def _check_exits(self, symbol: str) -> None:
        book = self.books[symbol]
        now = self.clock.now_ms()
        candles = self.candles[symbol]
        imbalance = self.imbalance[symbol]
        for position in list(self.positions.values()):
            if position.symbol != symbol:
                continue
            if position.state is PositionState.CLOSING:
                self._supersede_resting_exit(position, book, candles, now, imbalance)
                continue
            if position.state is not PositionState.OPEN:
                continue
            if now < position.next_exit_ms or position.given_up or position.flat:
                continue  # flat: only an entry's unfilled rest, being cancelled
            reason = position.due_exit(book, candles, self.exit_rule, now, imbalance)
            if reason is not None:
                self._submit_exit(position, reason)

    def _supersede_resting_exit(
        self,
        position: Position,
        book: OrderBook,
        candles: CandleBuilder,
        now: int,
        imbalance: ImbalanceWindow,
    ) -> None:
        """A profit-target limit that has not filled yields to any later exit reason:
        cancel it, and the cancel confirmation re-opens the position for that exit."""
        if position.exit_reason is not ExitReason.PROFIT_TARGET:
            return
        reason = position.due_exit(book, candles, self.exit_rule, now, imbalance)
        if reason is not None and reason is not ExitReason.PROFIT_TARGET:
            self._cancel(position.exit_order_id)

    def _submit_exit(self, position: Position, reason: ExitReason) -> None:
        if position.flat:
            return  # nothing held yet: the entry's cancel settles it
        book = self.books[position.symbol]
        _, ratio = position.mark(book, self.exit_rule)
        # the exit closes what is held; the entry's unfilled rest must not add to it
        self._cancel(position.entry_order_id)
        if reason is ExitReason.PROFIT_TARGET:
            # A marketable limit at the last ask level the close needs: it takes the
            # target now and never pays more if the book moves before it lands.
            _, _, worst = book.asks.walk(position.qty)
            type_, price = OrderType.LIMIT, worst
        else:
            type_, price = OrderType.MARKET, None
        order = self._new_order(
            position.symbol, Side.BUY, type_, position.qty, price, True, position, reason.value
        )
        position.begin_exit(reason, order.id)
        self._save(position)
        triggered = ExitTriggered(
            self.clock.now_ms(), position.id, position.symbol, reason, ratio, order.view()
        )
        failure = self._record(triggered)
        self._emit(triggered)
        if failure is not None:
            # The exit goes out anyway: holding risk is worse than a journal gap, and a
            # restart reconciles a live position with the exchange.
            self.pause_entries(f"{failure}: exit of position {position.id} sent unjournaled")
        self.brokers[position.broker].submit(order)

    def _exit_failed(self, position: Position, why: str, cancelled_by_us: bool) -> None:
        """An exit order ended without flattening: back off, then try again."""
        position.exit_over()
        self._save(position)
        now = self.clock.now_ms()
        if cancelled_by_us:
            # We withdrew it to exit another way (kill switch, a later reason): no
            # failure, no backoff; the next check sends the new exit.
            position.next_exit_ms = 0
            return
        if position.forced_exit is ExitReason.KILL_SWITCH:
            if position.exit_attempts >= self.params.kill_switch_max_attempts:
                position.given_up = True
                self._emit(
                    ErrorEvent(
                        now,
                        f"kill switch gave up on position {position.id} after "
                        f"{position.exit_attempts} attempts ({why}); still open "
                        f"{position.qty:g}",
                        position.symbol,
                    )
                )
                self._report_kill("gave up")
                return
            first_ms = self.params.kill_switch_backoff_s * 1000
            delay = int(backoff(position.exit_attempts - 1, first_ms))
        else:
            delay = int(backoff(position.exit_attempts - 1, 500, MAX_EXIT_BACKOFF_MS))
        position.next_exit_ms = now + delay
        self._emit(
            ErrorEvent(
                now,
                f"exit of position {position.id} failed ({why}); retrying in {delay} ms",
                position.symbol,
            )
        )
