"""The embedded simulated market: L2 books and trades for several perpetuals.

A pure, deterministic generator (same seed, same events); it never sleeps and
never reads a clock. `market.feed.PacedFeed` plays it at a chosen speed.

Per symbol, the price is a slow random walk plus a fast mean-reverting deviation,
tilted by an order-flow *pressure* process. Pressure also skews the sizes at the
touch, so ask-heavy books (negative imbalance) tend to come before down-moves --
sometimes, not always. Book levels sit on a fixed grid behind the touch; each update
sends only the levels that changed, like Binance depth diffs. Trades arrive in
self-exciting bursts and are emitted one per taker order (like aggTrades).
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator, Sequence

from scalp_tui.engine.protocol import BookUpdate, Candle, MarketInfo, Side, TradeTick
from scalp_tui.market import sim_params as P
from scalp_tui.market.sim_params import SymbolModel
from scalp_tui.market.sim_symbols import derived_model

DEFAULT_SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT")
DEFAULT_START_MS = 1_723_161_600_000  # 2024-08-09 00:00 UTC
POOL_BITS = 14
POOL = 1 << POOL_BITS


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9))


def _phi(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def truncated_lognormal_mean(median: float, sigma: float, z_max: float) -> float:
    """Mean of median * exp(sigma * Z), Z standard normal kept only below z_max."""
    return median * math.exp(sigma * sigma / 2) * _phi(z_max - sigma) / _phi(z_max)


class _SymbolSim:
    """One symbol's book and trade generator."""

    def __init__(self, model: SymbolModel, rng: random.Random, start_ms: int) -> None:
        self.m = model
        self.rng = rng
        self.symbol = model.symbol
        self.tick = model.tick_size
        self.step = model.level_step
        self.n = P.BOOK_LEVELS
        self.price_dp = _decimals(model.tick_size)
        self.lot = model.lot_size
        self.qty_dp = _decimals(model.lot_size)
        vs = model.vol_scale
        self.walk_sigma = P.WALK_SIGMA_PER_SQRT_S * vs
        self.dev_sigma = P.DEVIATION_SIGMA * vs
        self.drift = P.PRESSURE_DRIFT * vs
        self.top_median = P.TOP_SIZE_MEDIAN * model.size_scale
        self.deep_median = P.DEEP_SIZE_MEDIAN * model.size_scale
        self.trade_median = model.trade_size_median or P.TRADE_SIZE_MEDIAN * model.size_scale
        self.trade_sigma = model.trade_size_sigma or P.TRADE_SIZE_SIGMA
        # sizes above the cap are drawn again: a lognormal truncated at z_max
        self.trade_z_max = math.log(model.trade_size_max / self.trade_median) / self.trade_sigma
        # BTC's trade process with time stretched: every rate x scale, the burst decay / scale
        self.trade_base_rate = P.TRADE_BASE_RATE * model.trade_rate_scale
        self.trade_tau = P.TRADE_EXCITATION_TAU_S / model.trade_rate_scale

        # Pre-drawn standard normals and deep sizes: drawing from these tables by a
        # random index keeps the generator deterministic and several times faster.
        self.normals = [rng.gauss(0, 1) for _ in range(POOL)]
        self.deep_pool = [
            self._qty(self.deep_median * math.exp(P.DEEP_SIZE_SIGMA * z)) for z in self.normals
        ]
        self.top_pool = [self.top_median * math.exp(P.TOP_SIZE_SIGMA * z) for z in self.normals]
        self.skew = 1.0  # exp(gain * pressure): touch bids grow, asks shrink
        self.prices: dict[int, float] = {}

        self.base_ticks = model.price / model.tick_size
        self.walk = 0.0  # fractional offsets from the starting price
        self.dev = 0.0
        self.pressure = 0.0
        self.episode = 0.0
        self.excitation = 0.0
        self.hole: int | None = None  # tick of a touch level emptied (spread widened)
        self.hole_left = 0

        self.best_bid = self._grid_bid()
        self.bids: dict[int, float] = {}
        self.asks: dict[int, float] = {}
        for k in range(self.n):
            self.bids[self.best_bid - k * self.step] = self._deep() if k else self._top(1.0)
            self.asks[self.best_bid + 1 + k * self.step] = self._deep() if k else self._top(-1.0)

        self.t_ms = float(start_ms)
        self.next_book = start_ms + rng.expovariate(1.0 / P.BOOK_UPDATE_MEAN_MS)
        self.next_trade = start_ms + rng.expovariate(self.trade_base_rate) * 1000.0
        self.last_trade_ms = float(start_ms)

    # -- sizes and prices -----------------------------------------------------

    def _qty(self, q: float) -> float:
        # Lot sizes are powers of ten, so rounding to their decimals is the lot grid.
        q = round(q, self.qty_dp)
        return q if q >= self.lot else self.lot

    def _deep(self) -> float:
        return self.deep_pool[self.rng.getrandbits(POOL_BITS)]

    def _normal(self) -> float:
        return self.normals[self.rng.getrandbits(POOL_BITS)]

    def _top(self, sign: float) -> float:
        """Touch size; sign +1 for bids, -1 for asks (pressure skews them apart)."""
        skew = self.skew if sign > 0 else 1.0 / self.skew
        return self._qty(self.top_pool[self.rng.getrandbits(POOL_BITS)] * skew)

    def _grid_bid(self) -> int:
        ideal = self.base_ticks * (1.0 + self.walk + self.dev) - 0.5
        return round(ideal / self.step) * self.step

    def _price(self, tick: int) -> float:
        price = self.prices.get(tick)
        if price is None:
            price = self.prices[tick] = round(tick * self.tick, self.price_dp)
        return price

    # -- book -------------------------------------------------------------------

    def book_update(self) -> BookUpdate:
        rng = self.rng
        rnd, bits, normals = rng.random, rng.getrandbits, self.normals
        now = self.next_book
        dt = (now - self.t_ms) / 1000.0 or 1e-3
        self.t_ms = now
        self.next_book = now + rng.expovariate(1.0 / P.BOOK_UPDATE_MEAN_MS)

        decay = math.exp(-dt / P.PRESSURE_TAU_S)
        self.pressure = (
            self.pressure * decay + math.sqrt(1 - decay * decay) * normals[bits(POOL_BITS)]
        )
        if self.episode:
            self.episode *= math.exp(-dt / P.EPISODE_TAU_S)
        if rnd() < P.EPISODE_RATE_PER_S * dt:
            self.episode = P.EPISODE_STRENGTH * (1.0 if rnd() < 0.5 else -1.0)
        self.walk += self.walk_sigma * math.sqrt(dt) * normals[bits(POOL_BITS)]
        d = math.exp(-dt / P.DEVIATION_TAU_S)
        pressure = self.pressure + self.episode
        self.dev = (
            self.dev * d
            + self.dev_sigma * math.sqrt(1 - d * d) * normals[bits(POOL_BITS)]
            + self.drift * pressure * dt
        )
        self.skew = math.exp(P.TOP_PRESSURE_GAIN * pressure)

        bids, asks = self.bids, self.asks
        bid_changes: dict[int, float] = {}
        ask_changes: dict[int, float] = {}
        if self.hole is not None:
            self._restore_hole(bid_changes, ask_changes)
        new_bid = self._grid_bid()
        if new_bid != self.best_bid:
            self._shift(new_bid, bid_changes, ask_changes)
        b0 = self.best_bid
        a0 = b0 + 1
        if rnd() < P.TOP_REFRESH_P and b0 in bids:
            bids[b0] = bid_changes[b0] = self._top(1.0)
        if rnd() < P.TOP_REFRESH_P and a0 in asks:
            asks[a0] = ask_changes[a0] = self._top(-1.0)
        deep, step = self.deep_pool, self.step
        for _ in range(P.DEEP_REFRESH_LEVELS):
            k = 1 + int(rnd() * (self.n - 1))
            t = b0 - k * step
            if t in bids:
                bids[t] = bid_changes[t] = deep[bits(POOL_BITS)]
            t = a0 + k * step
            if t in asks:
                asks[t] = ask_changes[t] = deep[bits(POOL_BITS)]
        if self.hole is None and rnd() < P.WIDEN_P:
            if rnd() < 0.5:
                del bids[b0]
                bid_changes[b0] = 0.0
                self.hole = b0
            else:
                del asks[a0]
                ask_changes[a0] = 0.0
                self.hole = a0
            self.hole_left = P.WIDEN_UPDATES

        price, cached = self._price, self.prices.get
        return BookUpdate(
            self.symbol,
            int(now),
            tuple([(cached(t) or price(t), q) for t, q in bid_changes.items()]),
            tuple([(cached(t) or price(t), q) for t, q in ask_changes.items()]),
        )

    def _restore_hole(self, bid_changes: dict[int, float], ask_changes: dict[int, float]) -> None:
        if self.hole is None:
            return
        self.hole_left -= 1
        if self.hole_left > 0:
            return
        tick, self.hole = self.hole, None
        if tick == self.best_bid and tick not in self.bids:
            self.bids[tick] = bid_changes[tick] = self._top(1.0)
        elif tick == self.best_bid + 1 and tick not in self.asks:
            self.asks[tick] = ask_changes[tick] = self._top(-1.0)

    def _shift(
        self, new_bid: int, bid_changes: dict[int, float], ask_changes: dict[int, float]
    ) -> None:
        """Move the touch to `new_bid`, changing only the levels that must change."""
        s, n = self.step, self.n
        bids, asks, deep = self.bids, self.asks, self.deep_pool
        bits = self.rng.getrandbits
        old_b = self.best_bid
        old_a, new_a = old_b + 1, new_bid + 1
        moved = abs(new_bid - old_b) // s
        if moved >= n:  # a jump past the whole visible book: rebuild it
            gone_b, gone_a = list(bids), list(asks)
            new_b = range(new_bid, new_bid - n * s, -s)
            new_as = range(new_a, new_a + n * s, s)
        elif new_bid < old_b:  # down: touch bids go, asks appear below the old touch
            gone_b = range(old_b, new_bid, -s)
            gone_a = range(old_a + (n - moved) * s, old_a + n * s, s)
            new_b = range(old_b - n * s, new_bid - n * s, -s)
            new_as = range(new_a, old_a, s)
        else:  # up: the bottom bids go, touch asks go
            gone_b = range(old_b - (n - moved) * s, old_b - n * s, -s)
            gone_a = range(old_a, new_a, s)
            new_b = range(old_b + s, new_bid + 1, s)
            new_as = range(old_a + n * s, new_a + n * s, s)
        for t in gone_b:
            if bids.pop(t, None) is not None:
                bid_changes[t] = 0.0
        for t in gone_a:
            if asks.pop(t, None) is not None:
                ask_changes[t] = 0.0
        for t in new_b:
            bids[t] = bid_changes[t] = deep[bits(POOL_BITS)]
        for t in new_as:
            asks[t] = ask_changes[t] = deep[bits(POOL_BITS)]
        hole, self.hole = self.hole, None
        if hole is not None and hole not in bids and hole not in asks:
            if new_bid - n * s < hole <= new_bid and (new_bid - hole) % s == 0:
                bids[hole] = bid_changes[hole] = deep[bits(POOL_BITS)]
            elif new_a <= hole < new_a + n * s and (hole - new_a) % s == 0:
                asks[hole] = ask_changes[hole] = deep[bits(POOL_BITS)]
        # A touch level left behind the new touch shrinks to deep-book size.
        if new_bid < old_b and old_a in asks:
            asks[old_a] = ask_changes[old_a] = deep[bits(POOL_BITS)]
        elif new_bid > old_b and old_b in bids:
            bids[old_b] = bid_changes[old_b] = deep[bits(POOL_BITS)]
        self.best_bid = new_bid
        # the new touch levels carry touch-sized depth
        bids[new_bid] = bid_changes[new_bid] = self._top(1.0)
        asks[new_a] = ask_changes[new_a] = self._top(-1.0)

    def snapshot(self, ts_ms: int) -> BookUpdate:
        price = self._price
        return BookUpdate(
            self.symbol,
            ts_ms,
            tuple((price(t), q) for t, q in sorted(self.bids.items(), reverse=True)),
            tuple((price(t), q) for t, q in sorted(self.asks.items())),
            snapshot=True,
        )

    # -- trades -----------------------------------------------------------------

    def trade(self) -> TradeTick:
        rng = self.rng
        now = self.next_trade
        gap_s = (now - self.last_trade_ms) / 1000.0
        self.last_trade_ms = now
        self.excitation = self.excitation * math.exp(-gap_s / self.trade_tau)
        self.excitation += P.TRADE_EXCITATION / self.trade_tau
        rate = self.trade_base_rate + self.excitation
        self.next_trade = now + rng.expovariate(rate) * 1000.0

        p_sell = 0.5 + P.SELL_BIAS - P.SELL_PRESSURE_GAIN * math.tanh(self.pressure + self.episode)
        if rng.random() < p_sell:
            side = Side.SELL
            tick = max(self.bids) if self.best_bid not in self.bids else self.best_bid
        else:
            side = Side.BUY
            a0 = self.best_bid + 1
            tick = min(self.asks) if a0 not in self.asks else a0
        z = self._normal()
        while z > self.trade_z_max:
            z = self._normal()
        qty = self._qty(self.trade_median * math.exp(self.trade_sigma * z))
        return TradeTick(self.symbol, int(now), self._price(tick), qty, side)

    @property
    def mean_volume_per_s(self) -> float:
        """Expected base volume per second of the trade process."""
        rate = P.TRADE_RATE_MEASURED * self.m.trade_rate_scale
        return rate * truncated_lognormal_mean(
            self.trade_median, self.trade_sigma, self.trade_z_max
        )


class SimMarket:
    """Deterministic simulated perpetual futures market for `symbols`."""

    def __init__(
        self,
        symbols: Sequence[str] = DEFAULT_SYMBOLS,
        seed: int = 1,
        start_ms: int = DEFAULT_START_MS,
    ) -> None:
        malformed = [s for s in symbols if "/" not in s or ":" not in s]
        if malformed:
            raise ValueError(
                f"the simulated market has no {', '.join(malformed)}: "
                "it simulates linear perpetuals like BTC/USDT:USDT"
            )
        self.seed = seed
        self.start_ms = start_ms
        self.symbols = tuple(symbols)
        # calibrated models for BTC, ETH and SOL; derived ones for any other name
        models = [derived_model(s) for s in self.symbols]
        self.markets: dict[str, MarketInfo] = {
            m.symbol: MarketInfo(m.symbol, m.tick_size, m.lot_size, m.min_qty) for m in models
        }
        # each symbol its own generator, seeded by the run's seed and its name
        self._sims = [_SymbolSim(m, random.Random(f"{seed}:{m.symbol}"), start_ms) for m in models]

    def initial_books(self) -> list[BookUpdate]:
        return [sim.snapshot(self.start_ms) for sim in self._sims]

    def history(self, symbol: str, timeframe_ms: int, count: int) -> list[Candle]:
        """Closed candles ending at start_ms, consistent with the starting price."""
        index = self.symbols.index(symbol)
        sim = self._sims[index]
        rng = random.Random(f"{self.seed}:{symbol}:history:{timeframe_ms}")
        sigma = P.WALK_SIGMA_PER_SQRT_S * sim.m.vol_scale * math.sqrt(timeframe_ms / 1000)
        mean_volume = sim.mean_volume_per_s * timeframe_ms / 1000
        close = sim.m.price
        candles: list[Candle] = []
        for i in range(count):
            start = self.start_ms - (i + 1) * timeframe_ms
            open_ = close * math.exp(-sigma * rng.gauss(0, 1))
            high = max(open_, close) * (1 + abs(rng.gauss(0, 1)) * sigma * 0.5)
            low = min(open_, close) * (1 - abs(rng.gauss(0, 1)) * sigma * 0.5)
            volume = mean_volume * math.exp(0.25 * rng.gauss(0, 1) - 0.03)
            candles.append(
                Candle(
                    start,
                    round(open_, sim.price_dp),
                    round(high, sim.price_dp),
                    round(low, sim.price_dp),
                    round(close, sim.price_dp),
                    round(volume, sim.qty_dp),
                )
            )
            close = open_
        candles.reverse()
        return candles

    def events(self) -> Iterator[BookUpdate | TradeTick]:
        """All symbols' events in time order, forever."""
        heap: list[tuple[float, int, int]] = []  # (time, order, index*2 + is_trade)
        for i, sim in enumerate(self._sims):
            heap.append((sim.next_book, 2 * i, 2 * i))
            heap.append((sim.next_trade, 2 * i + 1, 2 * i + 1))
        heapq.heapify(heap)
        sims = self._sims
        replace = heapq.heapreplace
        while True:
            _, order, code = heap[0]
            sim = sims[code >> 1]
            if code & 1:
                event: BookUpdate | TradeTick = sim.trade()
                replace(heap, (sim.next_trade, order, code))
            else:
                event = sim.book_update()
                replace(heap, (sim.next_book, order, code))
            yield event
