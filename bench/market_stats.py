"""Calibration figures: the real BTCUSDT recording next to the simulated market.

Both streams go through the engine's own OrderBook, sampled on a 100 ms grid, over
the same duration. Also prints how fast the simulator generates.
Run:  python bench/market_stats.py [--seed S]
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics as st
import sys
import time
from collections.abc import Iterable

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.protocol import BookUpdate, Side, TradeTick
from scalp_tui.market.recording import default_recording, read_recording
from scalp_tui.market.sim import SimMarket

GRID_MS = 100
TICK = 0.1


def measure(events: Iterable[BookUpdate | TradeTick], duration_ms: int) -> dict[str, float]:
    book = OrderBook("BTC/USDT:USDT", depth=10)
    start: int | None = None
    diffs = changes = 0
    trades: list[TradeTick] = []
    grid_imb: list[float] = []
    grid_mid: list[float] = []
    spread_ticks: list[int] = []
    touch: list[float] = []
    deep: list[float] = []
    next_sample = 0
    for event in events:
        if start is None:
            start = event.ts_ms
            next_sample = start
        if event.ts_ms - start > duration_ms:
            break
        if type(event) is TradeTick:
            trades.append(event)
            continue
        while book.is_valid() and event.ts_ms >= next_sample:
            grid_imb.append(book.imbalance)
            grid_mid.append(book.mid)
            next_sample += GRID_MS
        book.apply(event.bids, event.asks, event.ts_ms, event.snapshot)
        if event.snapshot:
            continue
        diffs += 1
        changes += len(event.bids) + len(event.asks)
        spread_ticks.append(round((book.best_ask - book.best_bid) / TICK))
        levels = book.bids.levels(10) + book.asks.levels(10)
        touch.extend((levels[0][1], levels[10][1]))
        deep.extend(q for i, (_, q) in enumerate(levels) if i not in (0, 10))
    seconds = duration_ms / 1000
    orders = {(t.ts_ms, t.taker_side) for t in trades}
    volume = sum(t.qty for t in trades)
    out = {
        "depth updates /s": diffs / seconds,
        "levels changed per update": changes / max(diffs, 1),
        "spread = 1 tick (share)": sum(s == 1 for s in spread_ticks) / len(spread_ticks),
        "spread > 1 tick (share)": sum(s > 1 for s in spread_ticks) / len(spread_ticks),
        "touch size median": st.median(touch),
        "deep size median (levels 2-10)": st.median(deep),
        "deep size mean (levels 2-10)": st.mean(deep),
        "imbalance p05": _pct(grid_imb, 0.05),
        "imbalance p50": _pct(grid_imb, 0.50),
        "imbalance p95": _pct(grid_imb, 0.95),
        "imbalance <= -0.3 (share)": sum(i <= -0.3 for i in grid_imb) / len(grid_imb),
        "imbalance >= +0.3 (share)": sum(i >= 0.3 for i in grid_imb) / len(grid_imb),
        "imbalance autocorr 1 s": _autocorr(grid_imb, 1000 // GRID_MS),
        "imbalance autocorr 10 s": _autocorr(grid_imb, 10_000 // GRID_MS),
        "corr(imbalance, next 1 s return)": _lead_corr(grid_imb, grid_mid, 1000 // GRID_MS),
        "return stdev 1 s": _ret_std(grid_mid, 1000 // GRID_MS),
        "return stdev 10 s": _ret_std(grid_mid, 10_000 // GRID_MS),
        "return stdev 60 s": _ret_std(grid_mid, 60_000 // GRID_MS),
        "taker orders /s": len(orders) / seconds,
        "taker sell share": sum(side is Side.SELL for _, side in orders) / max(len(orders), 1),
        "volume per 5 min (BTC)": volume / seconds * 300,
    }
    return out


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[int(p * (len(ordered) - 1))]


def _autocorr(xs: list[float], lag: int) -> float:
    mean, var = st.mean(xs), st.pvariance(xs)
    n = len(xs) - lag
    return sum((xs[i] - mean) * (xs[i + lag] - mean) for i in range(n)) / n / var


def _lead_corr(xs: list[float], mids: list[float], lag: int) -> float:
    rets = [mids[i + lag] / mids[i] - 1 for i in range(len(mids) - lag)]
    return st.correlation(xs[: len(rets)], rets)


def _ret_std(mids: list[float], lag: int) -> float:
    rets = [math.log(mids[i + lag] / mids[i]) for i in range(0, len(mids) - lag, max(1, lag // 4))]
    return st.pstdev(rets)


def generation_rate(seed: int, events: int = 300_000) -> float:
    market = SimMarket(seed=seed)
    start = time.perf_counter()
    books = sum(type(e) is BookUpdate for e in itertools.islice(market.events(), events))
    return books / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"command: python {' '.join(sys.argv)}")
    path = default_recording()
    if not path.is_file():
        sys.exit(f"recording not found at {path}")
    real_events = list(read_recording(path))
    first = next(e.ts_ms for e in real_events if isinstance(e, BookUpdate) and not e.snapshot)
    duration = real_events[-1].ts_ms - first
    real = measure(
        (e for e in real_events if e.ts_ms >= first or getattr(e, "snapshot", False)), duration
    )
    sim_market = SimMarket(symbols=("BTC/USDT:USDT",), seed=args.seed)
    sim_events = itertools.chain(sim_market.initial_books(), sim_market.events())
    sim = measure(sim_events, duration)
    print(f"BTC/USDT:USDT over {duration / 1000:.0f} s, book sampled every {GRID_MS} ms")
    print(f"{'figure':<36}{'recording':>12}{'simulated':>12}")
    for key in real:
        print(f"{key:<36}{real[key]:>12.4g}{sim[key]:>12.4g}")
    rate = generation_rate(args.seed)
    print(f"simulator generation rate, 3 symbols: {rate:,.0f} book updates/s (one core)")


if __name__ == "__main__":
    main()
