"""Candles built from the trade stream, aligned to UTC timeframe boundaries."""

from __future__ import annotations

from collections import deque

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

    __slots__ = ("_c", "_h", "_l", "_n", "_o", "_start", "_v", "closed", "timeframe_ms")

    def __init__(self, timeframe_ms: int, keep: int = 64) -> None:
        self.timeframe_ms = timeframe_ms
        self.closed: deque[Candle] = deque(maxlen=keep)
        self._start: int | None = None
        self._o = self._h = self._l = self._c = 0.0
        self._v = 0.0
        self._n = 0  # trades in the forming candle

    def seed(self, history: list[Candle]) -> None:
        """Start from fetched history (closed candles, oldest first)."""
        for candle in history:
            self.closed.append(candle)
        if history:
            last = history[-1]
            self._start = last.start_ms + self.timeframe_ms
            self._o = self._h = self._l = self._c = last.close
            self._v = 0.0
            self._n = 0

    def _begin(self, start: int, price: float) -> None:
        self._start = start
        self._o = self._h = self._l = self._c = price
        self._v = 0.0
        self._n = 0

    def roll(self, now_ms: int) -> list[Candle]:
        """Close every period that ended by `now_ms`; returns the newly closed."""
        if self._start is None:
            return []
        tf = self.timeframe_ms
        out: list[Candle] = []
        while now_ms >= self._start + tf:
            candle = Candle(self._start, self._o, self._h, self._l, self._c, self._v)
            self.closed.append(candle)
            out.append(candle)
            self._begin(self._start + tf, self._c)
        return out

    def add_trade(self, ts_ms: int, price: float, qty: float) -> list[Candle]:
        closed: list[Candle] = []
        if self._start is None:
            self._begin(ts_ms - ts_ms % self.timeframe_ms, price)
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

    @property
    def last_closed_volume(self) -> float | None:
        return self.closed[-1].volume if self.closed else None

    @property
    def forming(self) -> Candle | None:
        if self._start is None:
            return None
        return Candle(self._start, self._o, self._h, self._l, self._c, self._v)

    def last_closed_rose(self) -> bool:
        """True when the last closed candle closed above the one before it."""
        if len(self.closed) < 2:
            return False
        return self.closed[-1].close > self.closed[-2].close
