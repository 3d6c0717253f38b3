"""Totals of the closed trades: today's realised pnl and fees (the daily loss gate
reads them; UTC days), all-time pnl, fees, wins and exits by reason."""

from __future__ import annotations

from collections import Counter

from scalp_tui.engine.order_desk import OrderDesk
from scalp_tui.engine.positions import Position
from scalp_tui.engine.protocol import ExitReason
from scalp_tui.engine.risk import DAY_MS


class Totals(OrderDesk):
    def _init_totals(self) -> None:
        self.entries = 0
        self.exits: Counter[str] = Counter()
        self._day = -1
        self._pnl_today = 0.0
        self._fees_today = 0.0
        self.pnl_total = 0.0
        self.fees_total = 0.0
        self.wins = 0
        self.restored = 0  # positions brought back from before this start

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
