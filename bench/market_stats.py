"""Calibration figures: a real Binance recording next to the simulated market.

Two tables. "Touch and trades" works for any recording in the shared line format
(`<receive_ns> <json>`, combined-stream frames): spread, touch sizes (from bookTicker),
taker-order rate and sizes (from trade), volatility of the mid -- the same figures are
taken from the simulator's book and trades. "Full book" needs a recording with a REST
depth snapshot (USD-M): both streams go through the engine's own OrderBook. Books are
sampled on a 100 ms grid; the simulator runs for the recording's duration unless
--sim-seconds says otherwise. Also prints how fast the simulator generates.
Run:  python bench/market_stats.py [--recording PATH] [--symbol S] [--seed N] [--sim-seconds T]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
import statistics as st
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from shared_data import default_recording

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.protocol import BookUpdate, Side, TradeTick
from scalp_tui.market.formats import RecordingError
from scalp_tui.market.recording import read_recording
from scalp_tui.market.sim import SimMarket
from scalp_tui.market.sim_params import MODELS

GRID_MS = 100

# best bid, its size, best ask, its size, at a time in ms
Touch = tuple[int, float, float, float, float]


def read_touch_and_trades(path: Path, symbol: str) -> tuple[list[Touch], list[TradeTick]]:
    """bookTicker frames (timed by their receipt: spot's carry no time) and trade frames."""
    touches: list[Touch] = []
    trades: list[TradeTick] = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            receive_ns, _, payload = line.partition(" ")
            frame = json.loads(payload)
            stream = frame.get("stream") or ""
            data = frame.get("data")
            if stream.endswith("@bookTicker"):
                touches.append(
                    (
                        int(receive_ns) // 1_000_000,
                        float(data["b"]),
                        float(data["B"]),
                        float(data["a"]),
                        float(data["A"]),
                    )
                )
            elif stream.endswith("@trade"):
                side = Side.SELL if data["m"] else Side.BUY
                trades.append(
                    TradeTick(symbol, data["T"], float(data["p"]), float(data["q"]), side)
                )
    return touches, trades


def sim_touch_and_trades(
    symbol: str, seed: int, duration_ms: int
) -> tuple[list[Touch], list[TradeTick]]:
    """The same two streams from the simulator: its touch after every book update."""
    market = SimMarket(symbols=(symbol,), seed=seed)
    book = OrderBook(symbol, depth=10)
    touches: list[Touch] = []
    trades: list[TradeTick] = []
    for event in itertools.chain(market.initial_books(), market.events()):
        if event.ts_ms - market.start_ms > duration_ms:
            break
        if type(event) is TradeTick:
            trades.append(event)
            continue
        book.apply(event.bids, event.asks, event.ts_ms, event.snapshot)
        (bid, bid_qty), (ask, ask_qty) = book.bids.levels(1)[0], book.asks.levels(1)[0]
        touches.append((event.ts_ms, bid, bid_qty, ask, ask_qty))
    return touches, trades


def taker_orders(trades: list[TradeTick]) -> list[tuple[Side, float]]:
    """Fills of one taker order share its time and side (the simulator sends one per order)."""
    orders: dict[tuple[int, Side], float] = {}
    for t in trades:
        key = (t.ts_ms, t.taker_side)
        orders[key] = orders.get(key, 0.0) + t.qty
    return [(side, qty) for (_, side), qty in orders.items()]


def touch_and_trade_figures(
    touches: list[Touch], trades: list[TradeTick], tick: float, base: str
) -> dict[str, float]:
    """Spread, touch sizes, taker orders and 1/10/60 s volatility of the mid."""
    start, end = touches[0][0], touches[-1][0]
    seconds = (end - start) / 1000
    grid: list[Touch] = []
    next_sample = start
    for previous, row in itertools.pairwise(touches):
        while row[0] >= next_sample:
            grid.append(previous)
            next_sample += GRID_MS
    spread = [round((ask - bid) / tick) for _, bid, _, ask, _ in grid]
    sizes = [q for _, _, bid_qty, _, ask_qty in grid for q in (bid_qty, ask_qty)]
    mids = [(bid + ask) / 2 for _, bid, _, ask, _ in grid]
    orders = taker_orders([t for t in trades if start <= t.ts_ms <= end])
    qtys = [q for _, q in orders]
    return {
        "spread = 1 tick (share of time)": sum(s == 1 for s in spread) / len(spread),
        "spread mean (ticks)": st.mean(spread),
        f"touch size median ({base})": st.median(sizes),
        f"touch size p10 ({base})": _pct(sizes, 0.10),
        f"touch size p90 ({base})": _pct(sizes, 0.90),
        "fills /s": sum(start <= t.ts_ms <= end for t in trades) / seconds,
        "taker orders /s": len(orders) / seconds,
        f"taker order size median ({base})": st.median(qtys),
        f"taker order size p90 ({base})": _pct(qtys, 0.90),
        f"taker order size mean ({base})": st.mean(qtys),
        "taker sell share": sum(side is Side.SELL for side, _ in orders) / len(orders),
        f"volume per 5 min ({base})": sum(qtys) / seconds * 300,
        "mid return stdev 1 s": _ret_std(mids, 1000 // GRID_MS),
        "mid return stdev 10 s": _ret_std(mids, 10_000 // GRID_MS),
        "mid return stdev 60 s": _ret_std(mids, 60_000 // GRID_MS),
    }


def measure(
    events: Iterable[BookUpdate | TradeTick],
    duration_ms: int,
    symbol: str = "BTC/USDT:USDT",
    tick: float = 0.1,
) -> dict[str, float]:
    book = OrderBook(symbol, depth=10)
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
        spread_ticks.append(round((book.best_ask - book.best_bid) / tick))
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
        "volume per 5 min (base units)": volume / seconds * 300,
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


def symbol_of(path: Path) -> str:
    """The simulated symbol a recording's streams are for (ethusdt@... -> ETH/USDT:USDT)."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            stream = json.loads(line.partition(" ")[2]).get("stream")
            if stream:
                pair = stream.split("@")[0].upper()
                if pair.endswith("USDT"):
                    return f"{pair[:-4]}/USDT:USDT"
    sys.exit(f"no stream names a USDT pair in {path}")


def print_table(title: str, real: dict[str, float], sim: dict[str, float]) -> None:
    print(title)
    print(f"{'figure':<36}{'recording':>12}{'simulated':>12}{'sim/rec':>9}")
    for key in real:
        ratio = f"{sim[key] / real[key]:>9.2f}" if real[key] else f"{'-':>9}"
        print(f"{key:<36}{real[key]:>12.4g}{sim[key]:>12.4g}{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recording", type=Path, default=None, help="default: the BTC one")
    parser.add_argument("--symbol", default=None, help="simulated symbol (default: the pair's)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--sim-seconds", type=float, default=None, help="default: the recording's duration"
    )
    args = parser.parse_args()
    print(f"command: python {' '.join(sys.argv)}")
    path = args.recording or default_recording()
    if not path.is_file():
        sys.exit(f"recording not found at {path}")
    symbol = args.symbol or symbol_of(path)
    if symbol not in MODELS:
        sys.exit(f"the simulated market has no {symbol}; it lists {', '.join(MODELS)}")
    tick = MODELS[symbol].tick_size
    base = symbol.split("/")[0]

    touches, trades = read_touch_and_trades(path, symbol)
    duration = touches[-1][0] - touches[0][0]
    sim_ms = int(args.sim_seconds * 1000) if args.sim_seconds else duration
    real = touch_and_trade_figures(touches, trades, tick, base)
    sim = touch_and_trade_figures(*sim_touch_and_trades(symbol, args.seed, sim_ms), tick, base)
    print_table(
        f"Touch and trades: {path.name} ({duration / 1000:.0f} s) vs simulated {symbol} "
        f"(seed {args.seed}, {sim_ms / 1000:.0f} s); tick {tick}, touch sampled every {GRID_MS} ms",
        real,
        sim,
    )

    try:
        real_events = list(read_recording(path, symbol))
    except RecordingError as e:
        print(f"Full book: skipped ({e})")
    else:
        first = next(e.ts_ms for e in real_events if isinstance(e, BookUpdate) and not e.snapshot)
        duration = real_events[-1].ts_ms - first
        real = measure(
            (e for e in real_events if e.ts_ms >= first or getattr(e, "snapshot", False)),
            duration,
            symbol,
            tick,
        )
        sim_market = SimMarket(symbols=(symbol,), seed=args.seed)
        sim_events = itertools.chain(sim_market.initial_books(), sim_market.events())
        sim = measure(sim_events, sim_ms if args.sim_seconds else duration, symbol, tick)
        print()
        print_table(
            f"Full book: {symbol} over {duration / 1000:.0f} s, book sampled every {GRID_MS} ms",
            real,
            sim,
        )
    rate = generation_rate(args.seed)
    print(f"simulator generation rate, 3 symbols: {rate:,.0f} book updates/s (one core)")


if __name__ == "__main__":
    main()
