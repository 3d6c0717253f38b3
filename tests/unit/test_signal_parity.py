"""The signal values the engine compares, checked against a straightforward
computation written here from the raw recording: the file's own frames kept in two
dicts, the spread and top-10 imbalance recomputed from a full scan after every depth
frame, and the 10 s time-weighted mean integrated from scratch over the window."""

import gzip
import heapq
import json
from dataclasses import replace
from pathlib import Path

import pytest

from scalp_tui.engine.clock import ManualClock
from scalp_tui.engine.engine import Engine
from scalp_tui.engine.params import EngineParams
from scalp_tui.engine.protocol import BookUpdate
from scalp_tui.execution.paper import PaperBroker
from scalp_tui.market.replay import ReplaySource

BTC = "BTC/USDT:USDT"
RECORDING = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "binance-usdm-btcusdt-20240808.jsonl.gz"
)
DEPTH, WINDOW_MS = 10, 10_000


def straightforward() -> dict[int, tuple[float, float, float]]:
    """update id -> (spread, imbalance, 10 s mean), from the raw frames."""
    bids: dict[float, float] = {}
    asks: dict[float, float] = {}
    steps: list[tuple[int, float]] = []  # (time the value began, value)
    out: dict[int, tuple[float, float, float]] = {}
    snapshot_id, held = None, []

    def apply(levels, side) -> None:
        for price, qty in levels:
            if float(qty) == 0.0:
                side.pop(float(price), None)
            else:
                side[float(price)] = float(qty)

    def measure(t_ms: int, update_id: int) -> None:
        top_b = heapq.nlargest(DEPTH, bids.items())
        top_a = heapq.nsmallest(DEPTH, asks.items())
        bid, ask = top_b[0][0], top_a[0][0]
        b, a = sum(q for _, q in top_b), sum(q for _, q in top_a)
        value = (b - a) / (b + a)
        if steps and steps[-1][0] == t_ms:
            steps[-1] = (t_ms, value)  # several frames in one millisecond: the last holds
        else:
            steps.append((t_ms, value))
        start = max(t_ms - WINDOW_MS, steps[0][0])
        integral, end = 0.0, t_ms
        for began, v in reversed(steps):
            if end <= start:
                break
            integral += v * (end - max(began, start))
            end = began
        mean = integral / (t_ms - start) if t_ms > start else value
        out[update_id] = ((ask - bid) / ((ask + bid) / 2), value, mean)

    with gzip.open(RECORDING, "rt") as lines:
        for line in lines:
            recv, _, payload = line.partition(" ")
            t_ms = int(recv) // 1_000_000
            frame = json.loads(payload)
            if "stream" not in frame:  # the REST snapshot
                snapshot_id = frame["lastUpdateId"]
                apply(frame["bids"], bids)
                apply(frame["asks"], asks)
                measure(t_ms, snapshot_id)
                for data in held:  # diffs received before it, applied at its time
                    if data["u"] >= snapshot_id:
                        apply(data["b"], bids)
                        apply(data["a"], asks)
                        measure(t_ms, data["u"])
                continue
            data = frame["data"]
            if "@depth" not in frame["stream"]:
                continue
            if snapshot_id is None:
                held.append(data)
            elif data["u"] >= snapshot_id:
                apply(data["b"], bids)
                apply(data["a"], asks)
                measure(t_ms, data["u"])
    return out


def engine_values() -> dict[int, tuple[float, float, float]]:
    source = ReplaySource(RECORDING, symbol=BTC)
    clock = ManualClock(source.start_ms)
    params = replace(EngineParams(), mode="confirm", imbalance_window_s=WINDOW_MS / 1000)
    engine = Engine(params, clock, {BTC: source.market_info()}, {"paper": PaperBroker(0, 0)})
    out: dict[int, tuple[float, float, float]] = {}
    for event in source.events():
        clock.set(event.ts_ms)
        if isinstance(event, BookUpdate):
            engine.on_book(event)
            book = engine.books[BTC]
            mean = engine.imbalance[BTC].mean(event.ts_ms)
            out[event.update_id] = (book.spread, book.imbalance, mean)
        else:
            engine.on_trade(event)
    return out


@pytest.mark.skipif(not RECORDING.is_file(), reason=f"recording not found at {RECORDING}")
def test_spread_imbalance_and_windowed_mean_match_a_straightforward_computation() -> None:
    expected, got = straightforward(), engine_values()
    assert set(got) == set(expected) and len(got) > 6_000
    for update_id, want in expected.items():
        assert got[update_id] == pytest.approx(want, rel=1e-9, abs=1e-12), update_id
