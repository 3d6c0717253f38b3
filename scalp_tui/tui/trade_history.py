"""What the charts screen draws, gathered from what any frontend receives: the
entries and exits from engine events, the mid prices from snapshots.

Everything is bounded (the latest samples and trades only), so a console left open
for days holds the same memory as after an hour. Events may arrive on the engine's
thread (exchange sessions): they are only queued there, in a deque whose append and
popleft are atomic, and read on the console's thread when it samples.
"""

from __future__ import annotations

from collections import deque

from scalp_tui.charts import Point
from scalp_tui.engine.protocol import Event, PositionClosed, PositionOpened, Snapshot

MAX_SAMPLES = 3_600  # per symbol: an hour at one sample a second
MAX_TRADES = 2_000  # equity points and entry/exit markers kept


class TradeHistory:
    def __init__(self, max_samples: int = MAX_SAMPLES, max_trades: int = MAX_TRADES) -> None:
        self.max_samples = max_samples
        self.max_trades = max_trades
        self.prices: dict[str, deque[Point]] = {}
        self.entries: deque[tuple[str, Point]] = deque(maxlen=max_trades)
        self.exits: deque[tuple[str, Point]] = deque(maxlen=max_trades)
        # cumulative realised pnl after each closed trade, 0 before the first; the
        # running total survives the oldest points falling out of the ring
        self.equity: deque[float] = deque([0.0], maxlen=max_trades + 1)
        self.closed = 0  # trades closed since the console started
        self._total = 0.0
        self._pending: deque[PositionOpened | PositionClosed] = deque()
        self._entered: dict[int, None] = {}  # position ids with an entry marker, oldest first
        self._last_ts: int | None = None

    def on_event(self, event: Event) -> None:
        """Called inside engine code: only queue."""
        if type(event) is PositionOpened or type(event) is PositionClosed:
            self._pending.append(event)

    def sample(self, snap: Snapshot) -> None:
        """Take the queued events and, when the market clock moved, each mid."""
        while self._pending:
            self._apply(self._pending.popleft())
        if snap.ts_ms == self._last_ts:
            return  # paused or finished: a repeated sample adds nothing
        self._last_ts = snap.ts_ms
        # Shorts that opened before the console listened (at the session's start, or
        # restored from the journal) still get their entry marker.
        for p in snap.positions:
            if p.opened_ms is not None:
                self._enter(p.id, p.symbol, p.opened_ms, p.entry_price)
        for symbol in snap.symbols:
            if symbol.mid is not None:
                ring = self.prices.get(symbol.symbol)
                if ring is None:
                    ring = self.prices[symbol.symbol] = deque(maxlen=self.max_samples)
                ring.append((snap.ts_ms, symbol.mid))

    def _apply(self, event: PositionOpened | PositionClosed) -> None:
        p = event.position
        if p.opened_ms is not None or type(event) is PositionOpened:
            self._enter(p.id, p.symbol, p.opened_ms or event.ts_ms, p.entry_price)
        if type(event) is PositionClosed:
            if p.exit_price is not None:
                self.exits.append((p.symbol, (event.ts_ms, p.exit_price)))
            self._total += p.realised_pnl or 0.0
            self.closed += 1
            self.equity.append(self._total)

    def _enter(self, position_id: int, symbol: str, ms: int, price: float) -> None:
        if position_id in self._entered:
            return
        self._entered[position_id] = None
        if len(self._entered) > self.max_trades:
            del self._entered[next(iter(self._entered))]
        self.entries.append((symbol, (ms, price)))

    def equity_curve(self) -> tuple[int, list[float]]:
        """(number of the first point's trade, the cumulative pnl points)."""
        return self.closed + 1 - len(self.equity), list(self.equity)

    def price_series(self, symbol: str) -> tuple[list[Point], list[Point], list[Point]]:
        """(mid samples, entries, exits) of one symbol."""
        prices = list(self.prices.get(symbol, ()))
        entries = [point for s, point in self.entries if s == symbol]
        exits = [point for s, point in self.exits if s == symbol]
        return prices, entries, exits
