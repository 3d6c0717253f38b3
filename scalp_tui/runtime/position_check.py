"""Agreeing with the venue on what is held: at start, every 30 s, and soon after an
exit the venue refused as reducing nothing.

Per symbol, and only where no order is in flight (one may be changing it right now):
- the venue holds nothing while the engine holds positions: they ended while we
  were not looking (a stop at the venue, a close by hand): closed as `reconciled`
  (a fill that explains it later still gives the trade its price and reason);
- any other difference: the "divergence" alert, which pauses entries on that symbol
  until a later check agrees; nothing is adopted or closed on a guess.
A check that cannot run for longer than its interval raises "position check".
"""

from __future__ import annotations

import time

from scalp_tui.engine.engine import Engine
from scalp_tui.engine.positions import Position
from scalp_tui.eventlog import clock_text
from scalp_tui.execution import ccxt_account
from scalp_tui.execution.ccxt_broker import CcxtBroker
from scalp_tui.execution.retry import Retrier

SAME_QTY = 1e-9  # base units: closer than this, the exchange and the engine agree


class PositionCheck:
    def __init__(
        self, engine: Engine, live: CcxtBroker, retrier: Retrier, interval_s: float
    ) -> None:
        self.engine = engine
        self.live = live
        self.retrier = retrier
        self.interval_s = interval_s
        self._last_ok = time.monotonic()
        self._failing_since_ms: int | None = None

    async def run(self, symbols: list[str]) -> list[str]:
        """One check; returns what it found or did, one line each."""
        engine = self.engine
        try:
            held = await ccxt_account.held(self.live.exchange, self.retrier, symbols)
        except Exception as exc:  # retries exhausted, auth, exchange errors
            return [self._failed(f"{type(exc).__name__}: {exc}")]
        self._last_ok = time.monotonic()
        self._failing_since_ms = None
        engine.set_alert("position check", None)
        ours = self.live_positions()
        notes = []
        for symbol in sorted(set(held) | set(ours)):
            if self.live.in_flight(symbol):
                continue
            positions = ours.get(symbol, [])
            theirs, mine = held.get(symbol, 0.0), -sum(p.qty for p in positions)
            if abs(theirs - mine) <= SAME_QTY:
                engine.set_divergence(symbol, None)
                continue
            if abs(theirs) <= SAME_QTY:
                for position in positions:
                    note = (
                        f"position #{position.id} on {symbol}: the exchange no longer holds "
                        "it; closed as reconciled"
                    )
                    engine.close_reconciled(position.id, note)
                    notes.append(note)
                engine.set_divergence(symbol, None)
                continue
            if positions:
                text = (
                    f"{symbol}: the exchange holds {theirs:+g}, this console {mine:+g}: "
                    "check it on the exchange"
                )
            else:
                side = "short" if theirs < 0 else "long"
                text = (
                    f"{symbol}: the exchange holds a {side} of {abs(theirs):g} that this "
                    f"console did not open; left alone, not adopted (no entries on {symbol} "
                    "while it is there)"
                )
            engine.set_divergence(symbol, text)
            notes.append(text)
        return notes

    def _failed(self, why: str) -> str:
        engine = self.engine
        problem = f"positions could not be checked: {why}"
        now_ms = engine.clock.now_ms()
        if self._failing_since_ms is None:
            self._failing_since_ms = now_ms
        if time.monotonic() - self._last_ok > self.interval_s:
            since = clock_text(self._failing_since_ms)
            engine.set_alert("position check", f"{problem} (failing since {since})")
        else:
            engine.report_error(problem)
        return problem

    def live_positions(self) -> dict[str, list[Position]]:
        """The engine's live positions, by symbol."""
        found: dict[str, list[Position]] = {}
        for position in self.engine.positions.values():
            if position.broker == "live":
                found.setdefault(position.symbol, []).append(position)
        return found
