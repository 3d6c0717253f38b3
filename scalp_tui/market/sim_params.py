"""Per-symbol parameters of the simulated market, calibrated to real recordings.

BTC: Binance USD-M BTCUSDT (the whole model). ETH: its own spread, touch, trade and
volatility figures from Binance spot ETHUSDT, scaled to a perpetual's volume. SOL:
BTC's model extrapolated (no SOL recording). Figures and method:
docs/simulated-market.md; `python bench/market_stats.py [--recording PATH]` prints a
recording's figures next to the simulator's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SymbolModel:
    symbol: str
    price: float  # starting mid
    tick_size: float
    lot_size: float
    min_qty: float
    level_step: int  # ticks between book levels behind the touch
    vol_scale: float  # volatility relative to BTC
    size_scale: float  # book sizes relative to BTC's (and trade sizes unless given below)
    trade_rate_scale: float = 1.0  # taker-order rate relative to BTC's
    trade_size_median: float | None = None  # base units; None: BTC's x size_scale
    trade_size_sigma: float | None = None  # lognormal sigma; None: BTC's
    trade_size_max: float = math.inf  # larger draws are drawn again (truncated lognormal)


# --- calibrated to binance-usdm-btcusdt-20240808 (see docs/simulated-market.md) ---
BOOK_LEVELS = 25  # levels kept per side
BOOK_UPDATE_MEAN_MS = 52.0  # ~19 depth diffs per second, as recorded
# Price = slow random walk + fast mean-reverting deviation (fits 1 s, 10 s, 60 s stdev).
WALK_SIGMA_PER_SQRT_S = 0.0000917
DEVIATION_SIGMA = 0.000205
DEVIATION_TAU_S = 10.0
# Order-flow pressure: an OU process that shapes the top of the book and tilts price.
PRESSURE_TAU_S = 1.2
PRESSURE_DRIFT = 0.00007  # fractional price drift per second per unit of pressure
EPISODE_RATE_PER_S = 0.02  # sustained one-sided episodes (seconds long)
EPISODE_STRENGTH = 1.6
EPISODE_TAU_S = 6.0
TOP_SIZE_MEDIAN = 3.0  # BTC at the touch (recorded median 2.95 bid / 3.26 ask)
TOP_SIZE_SIGMA = 0.7
TOP_PRESSURE_GAIN = 0.9  # how strongly pressure skews the two touch sizes
TOP_REFRESH_P = 0.3  # chance per update that a touch size is re-drawn
DEEP_SIZE_MEDIAN = 0.05  # BTC behind the touch (recorded medians 0.02..0.1)
DEEP_SIZE_SIGMA = 1.9  # heavy tail: recorded means 0.3..0.9
DEEP_REFRESH_LEVELS = 1  # pairs of deep levels (one per side) re-drawn per update
WIDEN_P = 0.004  # chance per update that the touch empties (spread widens)
WIDEN_UPDATES = 5  # updates until it refills
# Trades: self-exciting taker orders, aggregated per order like Binance aggTrades.
TRADE_BASE_RATE = 5.0  # per second
TRADE_EXCITATION = 0.6  # added intensity per trade ...
TRADE_EXCITATION_TAU_S = 0.5  # ... decaying with this time constant
# The taker-order rate these produce, as measured by bench/market_stats.py over 12 seeds
# x 30 min (the branching-ratio formula 5 / (1 - 0.6) = 12.5 underestimates the sampled
# process, whose intensity holds between trades).
TRADE_RATE_MEASURED = 15.4
TRADE_SIZE_MEDIAN = 0.15  # BTC
TRADE_SIZE_SIGMA = 1.45
SELL_BIAS = 0.0  # recorded: 49% of taker orders (55% of fills) were sells
SELL_PRESSURE_GAIN = 0.25

# --- ETH: measured on binance-spot-ethusdt-20240809 (Binance spot ETHUSDT, 304 s from
# 2024-08-09 00:00 UTC) by `python bench/market_stats.py --recording
# ../shared/data/binance-spot-ethusdt-20240809.jsonl.gz`; touch sampled every 100 ms,
# fills grouped into taker orders by time and side ---
ETH_SPOT_SPREAD_ONE_TICK = 0.996  # share of time the spread is 1 tick (0.01)
ETH_SPOT_TOUCH_SIZE_MEDIAN = 9.09  # ETH at best bid / ask (p10 1.23, p90 27.9)
ETH_SPOT_TAKER_ORDERS_PER_S = 9.92  # (27.6 fills/s)
ETH_SPOT_ORDER_SIZE_MEDIAN = 0.0186  # ETH per taker order
ETH_SPOT_ORDER_SIZE_P90 = 1.448
ETH_SPOT_ORDER_SIZE_MEAN = 0.666
ETH_SPOT_VOLUME_5MIN = 1981.0  # ETH
ETH_SPOT_RETURN_STDEV_1S = 0.0001408  # log return of the mid over 1 s
# Spot -> USD-M perpetual. The perpetual trades several times spot's volume. The
# BTC-extrapolated ETH model this replaces traded ~23,300 ETH per 5 min, measured at
# 3.2x the real USD-M ETHUSDT's volume of 2024-08-09: ~7,300 ETH per 5 min that day,
# 3.7x what spot traded in the recorded 5 minutes (a day's average against one
# 5-minute window: a rough factor). It is applied to sizes -- book and trades alike,
# which keeps spot's ratio of trade size to touch size -- not to the order rate: the
# perpetual's taker orders are larger (BTC's USD-M median ~$1,900, spot ETH's ~$50).
# The 1 s volatility is not scaled: arbitrage keeps perpetual and spot within basis
# points of each other, so they move alike at 1 s.
ETH_PERP_OVER_SPOT_VOLUME = 3.7
ETH_TARGET_TAKER_ORDERS_PER_S = ETH_SPOT_TAKER_ORDERS_PER_S
ETH_TARGET_RETURN_STDEV_1S = ETH_SPOT_RETURN_STDEV_1S
ETH_TARGET_VOLUME_5MIN = ETH_SPOT_VOLUME_5MIN * ETH_PERP_OVER_SPOT_VOLUME
# Trade sizes: spot's are two-humped (p25 0.0067, p75 0.30 ETH), no lognormal matches
# median, p90 and mean at once; one truncated at a maximum does (fitted to those three:
# lognormal median 0.0220 ETH, sigma 3.75, nothing above 19.0 ETH; spot's p99 is 10.4).
ETH_SPOT_FIT_SIZE_MEDIAN = 0.0220
ETH_SPOT_FIT_SIZE_SIGMA = 3.75
ETH_SPOT_FIT_SIZE_MAX = 19.0
# What the model gives per unit of its scales, measured by bench/market_stats.py over
# 12 seeds x 30 min: 1 s return stdev per unit of vol_scale, touch median per size_scale.
ETH_SIM_RETURN_STDEV_1S_PER_VOL_SCALE = 0.0001421
ETH_SIM_TOUCH_MEDIAN_PER_SIZE_SCALE = 2.99

# Real Binance USD-M contract steps; prices near their August 2024 levels. SOL is
# extrapolated from BTC: volatility x1.6 and sizes x80 are guesses at its share of
# traded notional, not measured.
MODELS: dict[str, SymbolModel] = {
    m.symbol: m
    for m in (
        SymbolModel("BTC/USDT:USDT", 61_800.0, 0.1, 0.001, 0.001, 10, 1.0, 1.0),
        SymbolModel(
            "ETH/USDT:USDT",
            2_680.0,  # the recording's mid at its start
            0.01,
            0.001,
            0.001,
            5,
            vol_scale=ETH_TARGET_RETURN_STDEV_1S / ETH_SIM_RETURN_STDEV_1S_PER_VOL_SCALE,
            size_scale=ETH_SPOT_TOUCH_SIZE_MEDIAN
            * ETH_PERP_OVER_SPOT_VOLUME
            / ETH_SIM_TOUCH_MEDIAN_PER_SIZE_SCALE,
            trade_rate_scale=ETH_TARGET_TAKER_ORDERS_PER_S / TRADE_RATE_MEASURED,
            trade_size_median=ETH_SPOT_FIT_SIZE_MEDIAN * ETH_PERP_OVER_SPOT_VOLUME,
            trade_size_sigma=ETH_SPOT_FIT_SIZE_SIGMA,
            trade_size_max=ETH_SPOT_FIT_SIZE_MAX * ETH_PERP_OVER_SPOT_VOLUME,
        ),
        SymbolModel("SOL/USDT:USDT", 150.0, 0.01, 0.1, 0.1, 1, 1.6, 80.0),
    )
}
