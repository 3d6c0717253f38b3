"""Candles built from the trade stream, aligned to UTC timeframe boundaries.

Whole candles only count. A candle the engine did not watch from its start (it
started mid-period) has an unknown volume and open: it is kept, marked `partial`,
shown as such, and the rules look past it to the last whole one (or none). Measured:
a start 44 s before a 5 m boundary made a 711 ETH "closed" candle, against about
8,000 for a full one, the entry rule's volume for the next five minutes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence

from scalp_tui.engine.protocol import Candle

TIMEFRAME_MS = {
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
}


class CandleBuilder:
    """Closed candles plus the one forming now, for one symbol.

    Periods without trades still close (volume 0, OHLC at the previous close), so
    "the last closed candle" always means the period that just ended.
    """

    __slots__ = (
        "_c",
        "_h",
        "_l",
        "_n",
        "_o",
        "_partial",
        "_start",
        "_v",
        "closed",
        "timeframe_ms",
    )

    def __init__(self, timeframe_ms: int, keep: int = 64) -> None:
        self.timeframe_ms = timeframe_ms
        self.closed: deque[Candle] = deque(maxlen=keep)
        self._start: int | None = None
        self._o = self._h = self._l = self._c = 0.0
        self._v = 0.0
        self._n = 0  # trades in the forming candle
        self._partial = False  # the forming candle began before we watched

    def seed(self, history: list[Candle], now_ms: int | None = None) -> None:
        """Start from fetched history, oldest first, at `now_ms` (the engine's start).

        Rows whose period ended by `now_ms` are closed candles (whole: backfilled). A
        row whose period holds `now_ms` is the forming candle as the venue has it so far
        (ccxt's `fetch_ohlcv` returns it last): trades add to it and it closes whole.
        Without that row the forming period began before we watched: it is partial.
        Without `now_ms` every row is closed and the next period starts whole.
        """
        tf = self.timeframe_ms
        if now_ms is None:
            now_ms = history[-1].start_ms + tf if history else 0
        forming: Candle | None = None
        for candle in history:
            if candle.start_ms + tf <= now_ms:
                self.closed.append(candle)
            elif candle.start_ms <= now_ms:
                forming = candle
        if forming is not None:
            self._start = forming.start_ms
            self._o, self._h, self._l, self._c = (
                forming.open,
                forming.high,
                forming.low,
                forming.close,
            )
            self._v = forming.volume
            self._n = 1  # the venue's open, high and low stand: trades only extend them
            self._partial = False
        elif self.closed:
            period = now_ms - now_ms % tf
            self._begin(period, self.closed[-1].close)
            self._partial = now_ms > period

    def _begin(self, start: int, price: float) -> None:
        self._start = start
        self._o = self._h = self._l = self._c = price
        self._v = 0.0
        self._n = 0
        self._partial = False  # watched from its start

    def roll(self, now_ms: int) -> list[Candle]:
        """Close every period that ended by `now_ms`; returns the newly closed."""
        if self._start is None:
            return []
        tf = self.timeframe_ms
        out: list[Candle] = []
        while now_ms >= self._start + tf:
            candle = Candle(self._start, self._o, self._h, self._l, self._c, self._v, self._partial)
            self.closed.append(candle)
            out.append(candle)
            self._begin(self._start + tf, self._c)
        return out

    def add_trade(self, ts_ms: int, price: float, qty: float) -> Sequence[Candle]:
        """Adds a trade to the forming candle; returns the candles it closed (almost
        always none: an empty tuple, nothing allocated per trade)."""
        closed: Sequence[Candle] = ()
        if self._start is None:
            # no history: the first trade shows the stream, not the period's start
            start = ts_ms - ts_ms % self.timeframe_ms
            self._begin(start, price)
            self._partial = ts_ms > start
        elif ts_ms >= self._start + self.timeframe_ms:
            closed = self.roll(ts_ms)
        if self._n == 0:
            self._o = self._h = self._l = price
        if price > self._h:
            self._h = price
        if price < self._l:
            self._l = price
        self._c = price
        self._v += qty
        self._n += 1
        return closed

    def _whole_closed(self) -> Iterator[Candle]:
        """Closed candles newest first, partial ones skipped (at most one, at start)."""
        return (c for c in reversed(self.closed) if not c.partial)

    @property
    def last_closed_volume(self) -> float | None:
        """The volume of the last whole closed candle: the entry rule's volume."""
        closed = self.closed
        if closed and not closed[-1].partial:
            return closed[-1].volume  # read on every book update: no generator for it
        last = next(self._whole_closed(), None)
        return None if last is None else last.volume

    @property
    def forming(self) -> Candle | None:
        if self._start is None:
            return None
        return Candle(self._start, self._o, self._h, self._l, self._c, self._v, self._partial)

    @property
    def forming_partial(self) -> bool:
        return self._start is not None and self._partial

    def last_closed_rose(self) -> bool:
        """True when the last whole closed candle closed above the whole one before it."""
        whole = self._whole_closed()
        last, before = next(whole, None), next(whole, None)
        if last is None or before is None:
            return False
        return last.close > before.close
