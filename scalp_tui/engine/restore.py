"""Restarts: positions journaled by an earlier run come back to their brokers, and a
position the exchange no longer holds is closed in the books."""

from __future__ import annotations

from collections.abc import Sequence

from scalp_tui.engine.order_desk import STOP_PURPOSE, OrderDesk
from scalp_tui.engine.orders import EPS_QTY, Order
from scalp_tui.engine.positions import Position, countdown_text
from scalp_tui.engine.protocol import (
    ErrorEvent,
    ExitReason,
    OrderType,
    OrderView,
    PositionRecord,
    PositionRestored,
    PositionState,
)


class Restore(OrderDesk):
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
            self._keep_one_stop(position, working)
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

    def _keep_one_stop(self, position: Position, working: Sequence[Order]) -> None:
        """A restart during a stop's replacement finds two at the venue: the newer one
        (the position's) stays and the other goes; if the newer one never arrived,
        the older one is the position's stop again."""
        stops = sorted(o.id for o in working if o.purpose == STOP_PURPOSE)
        if not stops:
            return
        keep = position.stop_order_id if position.stop_order_id in stops else stops[-1]
        position.stop_order_id = keep
        for order_id in stops:
            if order_id != keep:
                self._cancel(order_id)

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
        self._cancel(position.stop_replaces)
        position.exit_reason = ExitReason.RECONCILED
        position.qty = 0.0
        position.settle()
        position.exit_price = position.realised_pnl = None  # nobody here saw how
        self._emit(ErrorEvent(self.clock.now_ms(), detail, position.symbol))
        self._close(position, self.clock.now_ms())
