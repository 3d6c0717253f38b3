"""Per-symbol parameters of the simulated market, calibrated to a real recording.

Figures and method: docs/simulated-market.md; `python bench/market_stats.py` prints
the recording's figures next to the simulator's.
"""

from __future__ import annotations

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
    size_scale: float  # quantities relative to BTC (same notional share of the market)


# Real Binance USD-M contract steps; prices near their August 2024 levels.
MODELS: dict[str, SymbolModel] = {
    m.symbol: m
    for m in (
        SymbolModel("BTC/USDT:USDT", 61_800.0, 0.1, 0.001, 0.001, 10, 1.0, 1.0),
        SymbolModel("ETH/USDT:USDT", 2_600.0, 0.01, 0.001, 0.001, 5, 1.25, 12.0),
        SymbolModel("SOL/USDT:USDT", 150.0, 0.01, 0.1, 0.1, 1, 1.6, 80.0),
    )
}

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
# The taker-order rate these produce, as measured by bench/market_stats.py (the
# branching-ratio formula 5 / (1 - 0.6) = 12.5 underestimates the sampled process).
TRADE_RATE_MEASURED = 15.1
TRADE_SIZE_MEDIAN = 0.15  # BTC
TRADE_SIZE_SIGMA = 1.45
SELL_BIAS = 0.0  # recorded: 49% of taker orders (55% of fills) were sells
SELL_PRESSURE_GAIN = 0.25
