"""Venue-neutral faults of the emulators: each off by default and bounded (a count, a
duration or a probability below 1), and the counters a fault run reports.

A venue mixes `CoreFaults` in, calls `_init_faults(kinds)` with its own request kinds,
and asks the `take_*` methods at the right places of its wire code:
- REST, before the endpoint: `_take_throttle(kind)` (per-kind budgets, a storm, chaos
  429s; the venue answers its own 429 body), `_take_slow()` (seconds to sleep);
- order entry: `_take_reject()` (an entry of `reject_next`, whatever the venue put
  there, or `CHAOS_REJECT` from chaos), `_partial_cap(qty, lot)` (contracts allowed to
  fill at entry), `_land_delay()` (seconds the order does not exist yet),
  `_take_lose_answer()` (matched at the venue, the answer is lost);
- streams: `_take_gap(symbol)` (`gap_next(symbol)` or chaos: skip sequence numbers),
  `_chaos_drop_ws()` (close the socket instead of sending the frame).

Test-facing switches (the names the Binance emulator has): `rate_limit(kind, n)`,
`storm_429(requests=0, seconds=0)`, `chaos(seed, p_429=, p_slow=, slow_s=, p_drop_ws=,
p_gap=, p_reject=, p_partial=, p_land_delay=, land_s=, p_lose_answer=)`, `calm()`,
`reject_next` (list), `partial_next` (list of fractions), `land_delay_s`,
`lose_answer_next` (count), `gap_next(symbol)`, `stats`, `report()`.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

CHAOS_REJECT = "insufficient_margin"  # what a chaos rejection refuses an order for


@dataclass
class EmulatorStats:
    """What happened at the venue, for a report. `requests` counts by request kind."""

    requests: Counter[str] = field(default_factory=Counter)
    throttled: int = 0  # HTTP 429s sent
    rejected: int = 0  # order entries refused with an error code
    partial_fills: int = 0  # fills that left an order partially filled
    orders_filled: int = 0  # orders that reached filled
    stops_triggered: int = 0
    answers_lost: int = 0  # matched at the venue, the answer lost
    land_delayed: int = 0
    slowed: int = 0
    ws_dropped: int = 0
    gaps: int = 0
    bad_checksums: int = 0


@dataclass(frozen=True)
class Chaos:
    """Per request / frame probabilities of `chaos()`."""

    p_429: float = 0.0
    p_slow: float = 0.0
    slow_s: float = 0.2
    p_drop_ws: float = 0.0
    p_gap: float = 0.0
    p_reject: float = 0.0
    p_partial: float = 0.0
    p_land_delay: float = 0.0
    land_s: float = 0.2
    p_lose_answer: float = 0.0


class CoreFaults:
    """Fault switches and counters, mixed into a venue emulator."""

    def _init_faults(self, kinds: frozenset[str]) -> None:
        self.fault_kinds = frozenset(kinds) | {"other", "any"}
        self.stats = EmulatorStats()
        self.reject_next: list[Any] = []  # venue-defined rejections for the next orders
        self.partial_next: list[float] = []  # fraction filled at once of the next orders
        self.land_delay_s = 0.0  # a new order (or stop) is held this long before it exists
        self.lose_answer_next = 0  # the next order entries are matched, answers lost
        self._gap_symbols: set[str] = set()
        self._rate_limits: Counter[str] = Counter()
        self._storm_requests = 0
        self._storm_s = 0.0
        self._storm_until: float | None = None
        self._chaos: Chaos | None = None
        self._rng = random.Random(0)

    # -- switches ------------------------------------------------------------------

    def rate_limit(self, kind: str, count: int) -> None:
        """Answer the next `count` requests of `kind` ("any" = every REST request) 429."""
        if kind not in self.fault_kinds:
            raise ValueError(f"unknown request kind {kind!r}; one of {sorted(self.fault_kinds)}")
        self._rate_limits[kind] += count

    def storm_429(self, requests: int = 0, seconds: float = 0.0) -> None:
        """Every REST request answers 429: the next `requests` of them, and/or all of
        them for `seconds` counted from the first request that arrives."""
        self._storm_requests = requests
        self._storm_s = seconds
        self._storm_until = None

    def chaos(self, seed: int = 0, **probabilities: float) -> None:
        """Seeded random faults per request and frame until `calm()` (see `Chaos`)."""
        chaos = Chaos(**probabilities)
        for name, value in asdict(chaos).items():
            if name.startswith("p_") and not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be in [0, 1): faults stay bounded")
        self._chaos = chaos
        self._rng = random.Random(seed)

    def calm(self) -> None:
        """End chaos, a storm and pending per-kind 429s (queued rejections, partial
        fills and lost answers stay: they were asked for one by one)."""
        self._chaos = None
        self._rate_limits.clear()
        self._storm_requests = 0
        self._storm_s = 0.0
        self._storm_until = None

    def gap_next(self, symbol: str) -> None:
        """The next book update of `symbol` skips sequence numbers."""
        self._gap_symbols.add(symbol)

    def report(self) -> dict[str, Any]:
        report = asdict(self.stats)
        report["requests"] = dict(self.stats.requests)
        return report

    # -- asked by the venue --------------------------------------------------------

    def _chance(self, name: str) -> bool:
        """One seeded draw, only while chaos is on and the probability is not 0."""
        p = getattr(self._chaos, name, 0.0) if self._chaos else 0.0
        return p > 0 and self._rng.random() < p

    def _take_throttle(self, kind: str) -> bool:
        self.stats.requests[kind] += 1
        throttled = self._storming() or self._take_rate_limit(kind) or self._chance("p_429")
        if throttled:
            self.stats.throttled += 1
        return throttled

    def _take_slow(self) -> float:
        if self._chance("p_slow"):
            self.stats.slowed += 1
            return self._chaos.slow_s if self._chaos else 0.0
        return 0.0

    def _storming(self) -> bool:
        if self._storm_requests > 0:
            self._storm_requests -= 1
            return True
        if self._storm_s > 0:
            now = time.monotonic()
            if self._storm_until is None:
                self._storm_until = now + self._storm_s  # the first request starts it
            if now < self._storm_until:
                return True
            self._storm_s, self._storm_until = 0.0, None
        return False

    def _take_rate_limit(self, kind: str) -> bool:
        for key in (kind, "any"):
            if self._rate_limits[key] > 0:
                self._rate_limits[key] -= 1
                return True
        return False

    def _take_reject(self) -> Any:
        if self.reject_next:
            return self.reject_next.pop(0)
        if self._chance("p_reject"):
            return CHAOS_REJECT
        return None

    def _partial_cap(self, qty: float, lot: float) -> float | None:
        """How much of a new order may fill at entry, None for all of it. A fraction
        from `partial_next` is floored to whole lots (at least one); a chaos fraction
        too, as a venue fills whole lots."""
        fraction = None
        if self.partial_next:
            fraction = self.partial_next.pop(0)
        elif self._chance("p_partial"):
            fraction = self._rng.uniform(0.2, 0.8)
        if fraction is None:
            return None
        return max(lot, math.floor(qty * fraction / lot + 1e-9) * lot)

    def _land_delay(self) -> float:
        delay = self.land_delay_s
        if not delay and self._chance("p_land_delay"):
            delay = self._chaos.land_s if self._chaos else 0.0
        if delay:
            self.stats.land_delayed += 1
        return delay

    def _take_lose_answer(self) -> bool:
        lost = False
        if self.lose_answer_next > 0:
            self.lose_answer_next -= 1
            lost = True
        elif self._chance("p_lose_answer"):
            lost = True
        if lost:
            self.stats.answers_lost += 1
        return lost

    def _take_gap(self, symbol: str) -> bool:
        if symbol in self._gap_symbols:
            self._gap_symbols.discard(symbol)
            self.stats.gaps += 1
            return True
        if self._chance("p_gap"):
            self.stats.gaps += 1
            return True
        return False

    def _chaos_drop_ws(self) -> bool:
        if self._chance("p_drop_ws"):
            self.stats.ws_dropped += 1
            return True
        return False
