"""Backtests on the simulated market: deterministic, signal lines, sweep ranking."""

import io
import json

import pytest

from scalp_tui.backtest.report import END_OF_DATA
from scalp_tui.backtest.runner import run_backtest
from scalp_tui.backtest.sources import open_source
from scalp_tui.backtest.sweep import SweepError, build_grid, parse_axes, rank, run_local
from scalp_tui.config import ConfigError, load_config

SPEC = "sim:3:240"


def settings(**overrides):
    return load_config(
        None, {"symbols": ["BTC/USDT:USDT", "ETH/USDT:USDT"], **overrides}, env={}
    ).settings


def comparable(result):
    """Everything a run found except how long it took."""
    return (result.trades, result.recorded_s, result.book_updates, result.open_at_end, result.notes)


def test_the_same_source_twice_gives_the_same_trades() -> None:
    s = settings()
    first = run_backtest(open_source(SPEC, s))
    second = run_backtest(open_source(SPEC, s))
    assert first.trades, "the simulated market should trade in 4 minutes"
    assert comparable(first) == comparable(second)
    assert first.recorded_s == 240.0
    for t in first.trades:
        assert t.exit_ms >= t.entry_ms and t.qty > 0 and t.fees > 0
        assert t.reason.startswith("short_scalp_") or t.reason == END_OF_DATA


def test_watching_changes_nothing() -> None:
    # signal lines, price samples and progress sit beside the engine, never in its way
    s = settings()
    plain = run_backtest(open_source(SPEC, s))
    ticks = []
    watched = run_backtest(
        open_source(SPEC, s), signals=io.StringIO(), progress=ticks.append, sample_prices=True
    )
    assert comparable(plain) == comparable(watched)
    assert ticks and ticks == sorted(ticks)
    assert len(watched.prices["BTC/USDT:USDT"]) >= 239


def test_signal_lines_one_per_book_update_with_every_field() -> None:
    s = settings()
    out = io.StringIO()
    result = run_backtest(open_source("sim:3:30", s), signals=out)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(lines) == result.book_updates  # the starting books included
    keys = {"t", "symbol", "update_id", "best_bid", "best_ask", "spread", "imbalance"}
    keys |= {"imbalance_avg", "volume", "conditions", "signal", "blocked_by"}
    for line in lines:
        assert keys <= set(line)
        assert set(line["conditions"]) == {"enabled", "spread", "volume", "imbalance"}
    assert {x["symbol"] for x in lines} == {"BTC/USDT:USDT", "ETH/USDT:USDT"}
    assert [x["t"] for x in lines] == sorted(x["t"] for x in lines)
    last = lines[-1]
    assert last["best_bid"] < last["best_ask"]
    assert last["spread"] == pytest.approx(
        (last["best_ask"] - last["best_bid"]) / ((last["best_ask"] + last["best_bid"]) / 2)
    )
    assert last["volume"] is not None  # the simulated market seeds closed candles


def loader(swept):
    return load_config(
        None, {"symbols": ["BTC/USDT:USDT"], "mode": "auto", **swept}, env={}
    ).settings


def test_sweep_grid_is_the_cartesian_product_of_checked_values() -> None:
    axes = parse_axes(["short_scalp_stop_loss=0.01,0.02", "leverage=2,3,5"])
    grid = build_grid(axes, loader)
    assert len(grid) == 6
    assert grid[0].values == {"short_scalp_stop_loss": "0.01", "leverage": "2"}
    assert grid[-1].settings.short_scalp_stop_loss == 0.02 and grid[-1].settings.leverage == 5
    nested = build_grid(
        parse_axes(["short_entry_signal_params.short_entry_condition_661_enable=false"]), loader
    )
    assert nested[0].settings.short_entry_signal_params.short_entry_condition_661_enable is False


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (["nope=1"], "--sweep nope: unknown key"),
        (["leverage=x"], '--sweep leverage = "x": must be an integer'),
        (["short_scalp_stop_loss=2"], "must be less than 1"),
        (["leverage"], "expected key=value1,value2"),
        (["leverage=2", "leverage=3"], "given twice"),
        (["paper=false"], "not a setting a backtest sweeps"),
    ],
)
def test_bad_sweeps_say_what_is_wrong_in_one_line(raw, says) -> None:
    with pytest.raises((SweepError, ConfigError)) as err:
        build_grid(parse_axes(raw), loader)
    assert len(err.value.problems) == 1
    assert says in err.value.problems[0]


def test_sweep_ranks_by_pnl_then_win_rate() -> None:
    grid = build_grid(parse_axes(["short_scalp_reversal_threshold=0.2,0.5,0.9"]), loader)
    tasks = [(SPEC, p.settings, None) for p in grid]
    results = run_local(tasks, jobs=1)
    ranked = rank(grid, results, n_sources=1)
    assert [r.rank for r in ranked] == [1, 2, 3]
    keys = [(-r.totals.pnl, -r.totals.win_rate) for r in ranked]
    assert keys == sorted(keys)
    assert {r.point.values["short_scalp_reversal_threshold"] for r in ranked} == {
        "0.2",
        "0.5",
        "0.9",
    }
    for r in ranked:
        assert r.totals.trades == len(r.results[0].trades)
        assert r.totals.pnl == pytest.approx(sum(t.pnl for t in r.results[0].trades))


def test_ray_missing_or_unreachable_is_one_line(monkeypatch) -> None:
    import socket
    import sys

    from scalp_tui.backtest.sweep import RAY_MISSING, run_ray

    tasks = [("sim:1:10", loader({}), None)]
    with monkeypatch.context() as m:
        m.setitem(sys.modules, "ray", None)  # as if not installed
        with pytest.raises(SweepError) as err:
            run_ray(tasks, "auto")
        assert err.value.problems == [RAY_MISSING]
        assert "pip install 'scalp-tui[ray]'" in RAY_MISSING
    pytest.importorskip("ray")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SweepError) as err:
        run_ray(tasks, f"127.0.0.1:{port}")  # answered at once, not after Ray's retries
    assert "no Ray head answers there" in err.value.problems[0]
