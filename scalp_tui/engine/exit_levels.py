"""The trader moves an open short's profit target or stop, a number of ticks at a time.

The new price is kept on the position (journaled, so a restart restores it), the
exit check compares the buy-back price with it from then on, and the exchange-side
stop follows it (protection.py replaces the resting stop: the new one first, the old
one cancelled once the venue has the new one). A move that would trigger at once, or
put the stop beyond where the venue would liquidate the position, is refused."""

from __future__ import annotations

from scalp_tui.engine.order_desk import OrderDesk
from scalp_tui.engine.pnl import ceil_to_step
from scalp_tui.engine.position_figures import DEFAULT_MAINTENANCE_MARGIN_RATE, liquidation_price
from scalp_tui.engine.positions import Position
from scalp_tui.engine.protocol import (
    CommandResult,
    ExitLevelMoved,
    MoveExitLevel,
    PositionState,
)

LEVELS = ("target", "stop")


class ExitLevels(OrderDesk):
    def _move_exit_level(self, cmd: MoveExitLevel) -> CommandResult:
        position = self.positions.get(cmd.position_id)
        if position is None:
            return CommandResult(False, f"position {cmd.position_id} is not open")
        if cmd.level not in LEVELS:
            return CommandResult(False, f"no level {cmd.level!r}: target or stop")
        if position.state is PositionState.OPENING or position.basis <= 0.0:
            return CommandResult(False, f"position {position.id} has no fill yet")
        if position.state is not PositionState.OPEN:
            return CommandResult(False, f"position {position.id} is already closing")
        if cmd.ticks == 0:
            return CommandResult(False, "a move of 0 ticks")
        tick = self.markets[position.symbol].tick_size
        previous = position.stop_level if cmd.level == "stop" else position.target_level
        price = _on_tick(previous + cmd.ticks * tick, tick)
        close, _ = position.mark(self.books[position.symbol], self.exit_rule)
        if close is None:
            return CommandResult(False, f"no buy-back price for {position.symbol}: not moved")
        refusal = self._unsafe(position, cmd.level, price, close)
        if refusal is not None:
            return CommandResult(False, refusal)
        position.move_level(cmd.level, price)
        self._save(position)  # journaled before the venue's stop follows
        self._emit(
            ExitLevelMoved(
                self.clock.now_ms(),
                position.id,
                position.symbol,
                cmd.level,
                previous,
                price,
                cmd.ticks,
            )
        )
        if cmd.level == "stop":
            self._protect(position)
        return CommandResult(True, f"{cmd.level} of position {position.id} at {price:g}")

    def _unsafe(self, position: Position, level: str, price: float, close: float) -> str | None:
        """Why the short's `level` may not go to `price` with the buy-back at `close`."""
        name = f"{level} of position {position.id}"
        if level == "stop":
            if price <= close:
                return (
                    f"{name} not moved: at {price:g} it would trigger at once "
                    f"(buy-back price {close:g})"
                )
            known = self.params.maintenance_margin_rate
            rate = DEFAULT_MAINTENANCE_MARGIN_RATE if known is None else known
            liquidation = liquidation_price(position.basis, self.exit_rule.leverage, rate)
            if price >= liquidation:
                return (
                    f"{name} not moved: {price:g} is beyond the liquidation estimate "
                    f"{liquidation:g}"
                )
            return None
        if price >= close:
            return (
                f"{name} not moved: at {price:g} it would trigger at once "
                f"(buy-back price {close:g})"
            )
        if price <= 0.0:
            return f"{name} not moved: a price must be above 0"
        return None


def _on_tick(price: float, tick: float) -> float:
    """`price` on the symbol's tick grid (the rule's prices are not on it)."""
    if tick <= 0.0:
        return price
    return ceil_to_step(price - tick / 2, tick)
