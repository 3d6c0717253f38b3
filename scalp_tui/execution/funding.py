"""Funding the venue charged on live positions, into their pnl.

Holders of a perpetual pay or receive funding at the venue's funding times (every 8 h
on most contracts, 4 h or 1 h on some). The engine counts what a position paid in its
pnl and profit ratio (`on_funding`), so its stop and target prices follow; live, the
figures are the venue's own: for each open live position, the funding history of its
symbol since its first fill (ccxt `fetch_funding_history`) is summed, and what the sum
adds to what the position already counts is applied. Summing from the first fill makes
this safe to repeat: after a restart the journal holds the funding already counted and
nothing is applied twice.

Checked with the position check (every 30 s) while live positions are open, and once
more for a position after it closed: a charge the venue lists only then can no longer
change that trade's pnl and is reported as an error line, never dropped silently. A
venue whose ccxt client has no funding history is said once. Paper and replay
positions pay none: nobody charges them funding.

Signs: ccxt passes each venue's own. Most list a balance change (negative when paid:
Binance `income`, OKX `balChg`, Gate `change`, KuCoin `funding`, Bitget and HTX bill
amounts); Bybit lists its execution's `execFee`, positive when paid.
"""

from __future__ import annotations

from typing import Any

from scalp_tui.engine.engine import Engine
from scalp_tui.execution.retry import Retrier

PAID_IS_POSITIVE = {"bybit"}  # the rest report a balance change: negative is paid
SAME_MONEY = 1e-9  # quote: closer than this, the venue and the position agree
HISTORY_LIMIT = 100


class FundingWatch:
    def __init__(self, engine: Engine, exchange: Any, retrier: Retrier) -> None:
        self.engine = engine
        self.exchange = exchange
        self.retrier = retrier
        self.available = bool((getattr(exchange, "has", None) or {}).get("fetchFundingHistory"))
        self._told_unavailable = False
        self._sign = 1.0 if exchange.id in PAID_IS_POSITIVE else -1.0
        # live positions seen open: id -> (symbol, first fill ms), for the check after close
        self._watched: dict[int, tuple[str, int]] = {}

    async def check(self) -> list[str]:
        """One round: every open live position's funding brought level with the venue's
        history, then one look at positions that closed since the last round. Returns
        what it did or found, one line each."""
        engine = self.engine
        live = [
            p
            for p in engine.positions.values()
            if p.broker == "live" and p.opened_ms is not None and not p.flat
        ]
        if not self.available:
            if (live or self._watched) and not self._told_unavailable:
                self._told_unavailable = True
                message = (
                    f"{self.exchange.id}: ccxt offers no funding history here, so funding "
                    "fees are not in live pnl"
                )
                engine.report_error(message)
                return [message]
            return []
        notes: list[str] = []
        for position in live:
            self._watched[position.id] = (position.symbol, int(position.opened_ms or 0))
            paid = await self._paid(position.symbol, int(position.opened_ms or 0), None)
            if paid is None:
                continue
            change = paid - position.funding_fees
            if abs(change) > SAME_MONEY:
                engine.on_funding("live", position.symbol, change)
                notes.append(f"{position.symbol} #{position.id}: funding {change:+.6g}")
        still_open = {p.id for p in live}
        for pid in [pid for pid in self._watched if pid not in still_open]:
            notes += await self._after_close(pid)
        return notes

    async def _after_close(self, pid: int) -> list[str]:
        symbol, opened_ms = self._watched[pid]
        closed = next((p for p in self.engine.closed if p.id == pid), None)
        if closed is None and pid in self.engine.positions:
            return []  # not flat yet (closing): the next round
        # a later position on the symbol owns the charges from its own first fill
        later = [
            int(p.opened_ms)
            for p in self.engine.positions.values()
            if p.symbol == symbol and p.broker == "live" and p.opened_ms is not None
        ]
        paid = await self._paid(symbol, opened_ms, min(later) - 1 if later else None)
        if paid is None:
            return []  # said already; tried again next round
        del self._watched[pid]
        counted = closed.funding_fees if closed is not None else 0.0
        missed = paid - counted
        if abs(missed) <= SAME_MONEY:
            return []
        message = (
            f"#{pid}: the venue lists {missed:+.6g} of funding on this position after it "
            "closed; its pnl does not include it"
        )
        self.engine.report_error(message, symbol)
        return [f"{symbol} {message}"]

    async def _paid(self, symbol: str, since_ms: int, until_ms: int | None) -> float | None:
        """What the account paid in funding on `symbol` from `since_ms` (to `until_ms`),
        quote; None when the venue could not be asked (reported)."""
        try:
            rows = await self.retrier.call(
                f"funding history of {symbol}",
                lambda: self.exchange.fetch_funding_history(
                    symbol, since=since_ms, limit=HISTORY_LIMIT
                ),
            )
        except Exception as exc:  # retries exhausted, auth, exchange errors
            # a standing alert, said once (not every 30 s), until a read succeeds
            self.engine.set_alert(
                "funding",
                f"funding history of {symbol} could not be read ({type(exc).__name__}: {exc}); "
                "live pnl may leave funding out",
            )
            return None
        self.engine.set_alert("funding", None)
        paid = 0.0
        for row in rows or ():
            ts = row.get("timestamp")
            if row.get("symbol") not in (None, symbol) or ts is None or ts < since_ms:
                continue
            if until_ms is not None and ts > until_ms:
                continue
            paid += self._sign * float(row.get("amount") or 0.0)
        return paid
