"""The simulated ETH against its calibration targets (figures of Binance spot ETHUSDT).

The targets are the recorded figures in sim_params.py (ETH_SPOT_*), scaled to a
perpetual where the model says so. Over one seeded 20-minute run, 12 seeds differ by
2-3 % (one standard deviation) in trade rate and 1 s volatility: the bands below
are +-10 %.
"""

import importlib.util
import math
import statistics as st
from pathlib import Path

import pytest

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.protocol import TradeTick
from scalp_tui.market import sim_params as P
from scalp_tui.market.sim import SimMarket, truncated_lognormal_mean

ETH = "ETH/USDT:USDT"
BAND = 0.10
RUN_MS = 20 * 60_000
GRID_MS = 100
ROOT = Path(__file__).resolve().parents[2]
SPOT_ETH = ROOT.parent / "shared" / "data" / "binance-spot-ethusdt-20240809.jsonl.gz"


def run_eth(seed: int) -> tuple[float, float]:
    """(taker orders per second, stdev of the mid's 1 s log return on a 100 ms grid)."""
    market = SimMarket(symbols=(ETH,), seed=seed)
    book = OrderBook(ETH)
    for update in market.initial_books():
        book.apply(update.bids, update.asks, update.ts_ms, True)
    trades = 0
    mids: list[float] = []
    next_sample = market.start_ms
    for event in market.events():
        if event.ts_ms - market.start_ms > RUN_MS:
            break
        if type(event) is TradeTick:
            trades += 1
            continue
        while event.ts_ms >= next_sample:
            mids.append(book.mid)
            next_sample += GRID_MS
        book.apply(event.bids, event.asks, event.ts_ms, False)
    lag = 1000 // GRID_MS
    returns = [math.log(mids[i + lag] / mids[i]) for i in range(0, len(mids) - lag, lag // 4)]
    return trades / (RUN_MS / 1000), st.pstdev(returns)


def test_eth_trade_rate_and_volatility_within_the_band_of_their_targets() -> None:
    rate, vol = run_eth(seed=11)
    assert rate == pytest.approx(P.ETH_TARGET_TAKER_ORDERS_PER_S, rel=BAND)
    assert vol == pytest.approx(P.ETH_TARGET_RETURN_STDEV_1S, rel=BAND)


def test_eth_size_fit_reproduces_the_recorded_spot_sizes() -> None:
    """The truncated lognormal's median, p90 and mean against spot's (before scaling)."""
    m, sigma, cap = P.ETH_SPOT_FIT_SIZE_MEDIAN, P.ETH_SPOT_FIT_SIZE_SIGMA, P.ETH_SPOT_FIT_SIZE_MAX
    z_max = math.log(cap / m) / sigma
    normal = st.NormalDist()
    kept = normal.cdf(z_max)

    def quantile(p: float) -> float:
        return m * math.exp(sigma * normal.inv_cdf(p * kept))

    assert quantile(0.5) == pytest.approx(P.ETH_SPOT_ORDER_SIZE_MEDIAN, rel=0.02)
    assert quantile(0.9) == pytest.approx(P.ETH_SPOT_ORDER_SIZE_P90, rel=0.02)
    mean = truncated_lognormal_mean(m, sigma, z_max)
    assert mean == pytest.approx(P.ETH_SPOT_ORDER_SIZE_MEAN, rel=0.02)


def test_eth_expected_volume_is_spot_volume_times_the_perpetual_factor() -> None:
    market = SimMarket(symbols=(ETH,), seed=1)
    [candle] = market.history(ETH, 300_000, 1)
    expected = market._sims[0].mean_volume_per_s * 300
    assert expected == pytest.approx(P.ETH_TARGET_VOLUME_5MIN, rel=0.03)
    assert candle.volume == pytest.approx(expected, rel=1.0)


@pytest.mark.skipif(not SPOT_ETH.is_file(), reason=f"recording not found at {SPOT_ETH}")
def test_recorded_eth_figures_are_the_recordings() -> None:
    """The ETH_SPOT_* constants are what bench/market_stats.py measures on the file."""
    spec = importlib.util.spec_from_file_location("market_stats", ROOT / "bench/market_stats.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    touches, trades = bench.read_touch_and_trades(SPOT_ETH, ETH)
    figures = bench.touch_and_trade_figures(touches, trades, 0.01, "ETH")
    recorded = {
        "spread = 1 tick (share of time)": P.ETH_SPOT_SPREAD_ONE_TICK,
        "touch size median (ETH)": P.ETH_SPOT_TOUCH_SIZE_MEDIAN,
        "taker orders /s": P.ETH_SPOT_TAKER_ORDERS_PER_S,
        "taker order size median (ETH)": P.ETH_SPOT_ORDER_SIZE_MEDIAN,
        "taker order size p90 (ETH)": P.ETH_SPOT_ORDER_SIZE_P90,
        "taker order size mean (ETH)": P.ETH_SPOT_ORDER_SIZE_MEAN,
        "volume per 5 min (ETH)": P.ETH_SPOT_VOLUME_5MIN,
        "mid return stdev 1 s": P.ETH_SPOT_RETURN_STDEV_1S,
    }
    for name, value in recorded.items():
        assert figures[name] == pytest.approx(value, rel=0.005), name
