"""The time-weighted mean of the book imbalance over a trailing window.

The instantaneous top-N imbalance of a real book flips sign many times a second (on
BTCUSDT and ETHUSDT it crosses +0.3 about 30 times a minute, the 10 s mean under once):
the entry and reversal rules compare the mean, so they react to pressure that lasts,
not to one update's noise.

Each value holds from its update until the next one (a step function of time). The
mean over `[now - W, now]` is its integral divided by `W`; before `W` has passed since
the first value it is the mean over what was seen (from the first value to now), and
at the very first value, with nothing elapsed, that value itself. A window of 0 is the
instantaneous value. Each update is O(1) amortised: finished steps sit in a deque with
their running integral and leave it once wholly older than the window.
"""

from __future__ import annotations

from collections import deque


class ImbalanceWindow:
    __slots__ = ("_first_ms", "_integral", "_last", "_last_ms", "_now_ms", "_steps", "window_ms")

    def __init__(self, window_ms: int) -> None:
        self.window_ms = max(0, window_ms)
        # finished steps (start, end, value), oldest first, and the sum of value*duration
        self._steps: deque[tuple[int, int, float]] = deque()
        self._integral = 0.0
        self._first_ms: int | None = None  # time of the first value: how much was seen
        self._last: float | None = None  # the value holding now
        self._last_ms = 0  # when the value holding now began
        self._now_ms = 0  # the latest time seen: the window's time never runs backwards

    @property
    def last(self) -> float | None:
        """The instantaneous value (the latest update's)."""
        return self._last

    def update(self, ts_ms: int, value: float | None) -> None:
        """A new value at `ts_ms`. None (a side of the book empty) leaves the previous
        value holding: an unknown value is no evidence either way."""
        if value is None:
            return
        # an update stamped before a time already seen (sources may reorder slightly)
        # counts from that time: what the window has already averaged stays as it was
        ts_ms = max(ts_ms, self._now_ms)
        self._now_ms = ts_ms
        if self._last is None:
            self._first_ms = ts_ms
        elif ts_ms > self._last_ms:
            self._steps.append((self._last_ms, ts_ms, self._last))
            self._integral += self._last * (ts_ms - self._last_ms)
        self._last = value
        self._last_ms = ts_ms
        self._evict(ts_ms - self.window_ms)

    def mean(self, now_ms: int) -> float | None:
        """The time-weighted mean over the window ending at `now_ms`."""
        last = self._last
        if last is None or self.window_ms == 0:
            return last
        now = self._now_ms = max(now_ms, self._now_ms)
        cutoff = now - self.window_ms
        self._evict(cutoff)
        start = max(cutoff, self._first_ms or 0)
        span = now - start
        if span <= 0:
            return last
        total = self._integral + last * (now - max(self._last_ms, start))
        if self._steps:
            # the oldest step may reach back past the cutoff: only its part inside counts
            first_start, _, first_value = self._steps[0]
            if first_start < start:
                total -= first_value * (start - first_start)
        return total / span

    def _evict(self, cutoff: int) -> None:
        steps = self._steps
        while steps and steps[0][1] <= cutoff:
            start, end, value = steps.popleft()
            self._integral -= value * (end - start)
        if not steps:
            self._integral = 0.0  # no drift carried over from many additions
