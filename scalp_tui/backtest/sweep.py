"""Parameter sweeps: the same backtest over a grid of settings, ranked.

A grid point is a Settings object built by the configuration loader itself (file,
environment, then the swept values as command-line overrides), so a swept value is
parsed and checked exactly as it would be in a config file. Each (point, source) pair
is one task: `run_task` replays one source with one Settings and returns plain data.
Tasks run in this process, on local worker processes, or as Ray tasks on a cluster;
the runs are deterministic, so all three give the same trades to the last digit.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from scalp_tui.backtest.report import Totals, breakeven_win_rate, totals
from scalp_tui.backtest.runner import RunResult, run_backtest
from scalp_tui.backtest.sources import open_source

# Not settings of a strategy: forced by the backtest, or nothing to do with trading.
NOT_SWEPT = {"paper", "mode", "exchange", "keys", "api_key", "api_secret", "api_password"}
RAY_MISSING = "--ray needs Ray, which is not installed: pip install 'scalp-tui[ray]'"

Loader = Callable[[dict[str, Any]], Any]  # overrides -> Settings; raises ConfigError
Done = Callable[[], None]  # told when a task finishes (progress)


class SweepError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Point:
    values: dict[str, str]  # swept key -> value as given
    settings: Any


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int
    point: Point
    totals: Totals
    results: list[RunResult]


def _override(key: str, value: str) -> dict[str, Any]:
    """`a.b=v` as {"a": {"b": v}}; a symbol swept is a list of that one symbol."""
    parsed: Any = [value] if key == "symbols" else value
    for part in reversed(key.split(".")[1:]):
        parsed = {part: parsed}
    return {key.split(".")[0]: parsed}


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def parse_axes(raw: Sequence[str]) -> list[tuple[str, list[str]]]:
    """`key=v1,v2` strings as (key, values); one line per problem."""
    axes: list[tuple[str, list[str]]] = []
    problems = []
    for item in raw:
        key, sep, rest = item.partition("=")
        key = key.strip()
        values = [v.strip() for v in rest.split(",") if v.strip()]
        if not sep or not key or not values:
            problems.append(f"--sweep {item!r}: expected key=value1,value2,...")
        elif key.split(".")[0] in NOT_SWEPT:
            problems.append(f"--sweep {key}: not a setting a backtest sweeps")
        elif any(key == k for k, _ in axes):
            problems.append(f"--sweep {key}: given twice (list all its values in one --sweep)")
        else:
            axes.append((key, values))
    if problems:
        raise SweepError(problems)
    return axes


def build_grid(axes: list[tuple[str, list[str]]], load: Loader) -> list[Point]:
    """Every combination of the swept values, each as checked Settings.

    Each value is checked alone first, so a bad one is reported once, not once for
    every grid point it appears in.
    """
    problems: list[str] = []
    for key, values in axes:
        for value in values:
            try:
                load(_override(key, value))
            except Exception as exc:  # ConfigError: one line per problem
                for line in getattr(exc, "problems", [str(exc)]):
                    problems.append(line.replace("command line: ", "--sweep ", 1))
    if problems:
        raise SweepError(sorted(set(problems), key=problems.index))
    keys = [k for k, _ in axes]
    grid = []
    for combo in itertools.product(*(values for _, values in axes)):
        overrides: dict[str, Any] = {}
        for key, value in zip(keys, combo, strict=True):
            overrides = _merge(overrides, _override(key, value))
        grid.append(Point(dict(zip(keys, combo, strict=True)), load(overrides)))
    return grid


def run_task(spec: str, settings: Any, symbol: str | None) -> RunResult:
    """One source with one Settings: what a worker process or a Ray task runs."""
    return run_backtest(open_source(spec, settings, symbol))


def run_local(
    tasks: list[tuple[str, Any, str | None]], jobs: int, done: Done | None = None
) -> list[RunResult]:
    """In this process (`jobs` 1) or on `jobs` worker processes, results in task order."""
    if jobs <= 1 or len(tasks) <= 1:
        results = []
        for task in tasks:
            results.append(run_task(*task))
            if done is not None:
                done()
        return results
    out: list[RunResult | None] = [None] * len(tasks)
    # spawn, not fork: the parent may run a progress thread, and a fork would copy
    # its locks mid-use; a fresh interpreter per worker costs a second, once
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run_task, *task): i for i, task in enumerate(tasks)}
        for future in as_completed(futures):
            out[futures[future]] = future.result()
            if done is not None:
                done()
    return [r for r in out if r is not None]


def run_ray(
    tasks: list[tuple[str, Any, str | None]], address: str | None, done: Done | None = None
) -> list[RunResult]:
    """As Ray tasks on the cluster at `address` ("auto": the one this machine belongs
    to; None: a Ray already initialised by the caller). Results in task order."""
    try:
        import ray
    except ImportError:
        raise SweepError([RAY_MISSING]) from None
    if not ray.is_initialized():
        _reachable(address)
        try:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
        except Exception as exc:  # no cluster there, refused, wrong version
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SweepError([f"--ray {address}: cannot join the Ray cluster ({first})"]) from None
    remote = ray.remote(run_task)
    refs = [remote.remote(*task) for task in tasks]
    pending = list(refs)
    while pending:
        finished, pending = ray.wait(pending, num_returns=1)
        if done is not None:
            for _ in finished:
                done()
    return list(ray.get(refs))


def _reachable(address: str | None) -> None:
    """A head node's host:port must answer before ray.init is asked to join it: Ray
    itself keeps retrying a silent address for many minutes."""
    import socket

    if address is None or address == "auto" or "://" in address:
        return  # Ray finds "auto" itself and times out ray:// clients on its own
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=5).close()
    except ValueError:
        raise SweepError(
            [f"--ray {address}: expected host:port, ray://host:port or auto"]
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SweepError([f"--ray {address}: no Ray head answers there ({reason})"]) from None


def rank(points: list[Point], results: list[RunResult], n_sources: int) -> list[Ranked]:
    """Per point, its sources' results together; best pnl first, then win rate (ties
    keep grid order)."""
    rows = []
    for i, point in enumerate(points):
        mine = results[i * n_sources : (i + 1) * n_sources]
        s = point.settings
        t = totals(
            [trade for r in mine for trade in r.trades],
            breakeven_win_rate(
                s.short_scalp_profit_target, s.short_scalp_profit_buffer, s.short_scalp_stop_loss
            ),
            recorded_s=sum(r.recorded_s for r in mine),
            wall_s=sum(r.wall_s for r in mine),
            open_at_end=sum(r.open_at_end for r in mine),
        )
        rows.append((point, t, mine))
    rows.sort(key=lambda row: (-row[1].pnl, -row[1].win_rate))
    return [Ranked(i + 1, p, t, r) for i, (p, t, r) in enumerate(rows)]


def table_lines(ranked: list[Ranked], keys: list[str]) -> list[str]:
    widths = [max(len(k), *(len(r.point.values[k]) for r in ranked)) for k in keys]
    head = "  ".join(f"{k:>{w}}" for k, w in zip(keys, widths, strict=True))
    lines = [
        f"{'rank':>4}  {head}  {'trades':>6}  {'win rate':>8}  {'pnl':>10}  {'fees':>8}  "
        f"{'max dd':>8}"
    ]
    for r in ranked:
        cells = "  ".join(f"{r.point.values[k]:>{w}}" for k, w in zip(keys, widths, strict=True))
        t = r.totals
        lines.append(
            f"{r.rank:>4}  {cells}  {t.trades:>6}  {t.win_rate:>8.1%}  {t.pnl:>+10.4f}  "
            f"{t.fees:>8.4f}  {t.max_drawdown:>8.4f}"
        )
    return lines
