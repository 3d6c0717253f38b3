"""`scalp-tui backtest`: the engine replayed over recordings, then its trades and totals.

Every failure the user can cause (a file that is not a recording, a bad --sweep, a
config problem, no Ray) is one line on stderr and exit 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scalp_tui.backtest import report as R
from scalp_tui.cli_common import ConfigOpt, fail, load_or_exit
from scalp_tui.config import CONSENT_ANY, ConfigError, load_config

if TYPE_CHECKING:
    from scalp_tui.backtest.runner import RunResult

# The engine, the replay readers and the sweep machinery are imported when a backtest
# runs, not when the command line is built: every other command starts faster.


def _input_errors() -> tuple[type[Exception], ...]:
    """What a replay can raise about its input: always one line, never a traceback."""
    from scalp_tui.backtest.sources import SourceError
    from scalp_tui.market.formats import RecordingError

    return (SourceError, RecordingError, OSError)


def _one_line(exc: BaseException) -> str:
    # a Ray task's error carries the worker's traceback; its cause is the one line
    cause = getattr(exc, "cause", None)
    text = str(cause if isinstance(cause, BaseException) else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _breakeven(s: Any) -> float:
    return R.breakeven_win_rate(
        s.short_scalp_profit_target, s.short_scalp_profit_buffer, s.short_scalp_stop_loss
    )


def _specs(files: list[str]) -> list[str]:
    from scalp_tui.backtest.sources import resolve

    return [resolve(f) for f in files]


def _labels(files: list[str]) -> list[tuple[str, str]]:
    """(spec to open, label to print) per file, in the order given."""
    return list(zip(_specs(files), files, strict=True))


class _Bar:
    """A rich progress bar on stderr, for a person watching; nothing otherwise."""

    def __init__(self, show: bool) -> None:
        self.progress: Any = None
        if show:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[done]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )

    def __enter__(self) -> _Bar:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def task(self, description: str, total: float | None) -> Any:
        if self.progress is None:
            return None
        return self.progress.add_task(description, total=total, done="")

    def market_time(self, description: str, start_ms: int, end_ms: int | None) -> Any:
        """A callback moving a bar along market time; a recording's end is not known
        before it is read, so its bar pulses and counts the seconds played."""
        if self.progress is None:
            return None
        total = None if end_ms is None else max(1, end_ms - start_ms)
        task = self.progress.add_task(description, total=total, done="")

        def played(now: int) -> None:
            done = f"{(now - start_ms) / 1000:,.0f} s recorded"
            self.progress.update(task, completed=now - start_ms, done=done)

        return played


def backtest(
    files: Annotated[
        list[str],
        typer.Argument(
            help="Recordings (Binance frames, scalp-tui JSON lines, tardis.dev CSV; gzip or "
            "plain), or sim[:SEED[:SECONDS]] for the simulated market.",
            show_default=False,
        ),
    ],
    config: ConfigOpt = None,
    symbol: Annotated[
        str | None, typer.Option("--symbol", "-s", help="Trade this symbol (overrides symbols).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object: totals, per source, trades.")
    ] = False,
    signals_out: Annotated[
        Path | None,
        typer.Option("--signals-out", help="JSON lines, one per applied book update."),
    ] = None,
    trades_out: Annotated[
        Path | None,
        typer.Option("--trades-out", help="The trades: CSV if the name ends in .csv, else JSONL."),
    ] = None,
    sweep: Annotated[
        list[str] | None,
        typer.Option("--sweep", help="key=v1,v2,... (repeatable): run the grid, rank it."),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", help="Worker processes for a sweep (0: one per CPU).", min=0),
    ] = 1,
    ray_address: Annotated[
        str | None,
        typer.Option("--ray", help="Run the sweep on this Ray cluster (an address, or auto)."),
    ] = None,
    no_plot: Annotated[bool, typer.Option("--no-plot", help="No terminal plots.")] = False,
) -> None:
    """Replay recordings through the engine and the paper broker (auto mode, as fast as
    possible) and print every trade with totals; or rank a --sweep grid of settings."""
    overrides: dict[str, Any] = {"mode": "auto", "paper": True}
    if symbol:
        overrides["symbols"] = [symbol]
    loaded = load_or_exit(config, None, CONSENT_ANY, **overrides)
    if sweep:
        if signals_out or trades_out:
            raise fail(["--signals-out and --trades-out belong to a single run, not a --sweep"])
        _sweep(files, config, overrides, symbol, sweep, jobs, ray_address, as_json)
        return
    if jobs != 1 or ray_address is not None:
        raise fail(["--jobs and --ray run the grid of a --sweep; give one"])
    _single(files, loaded.settings, symbol, as_json, signals_out, trades_out, no_plot)


def _single(
    files: list[str],
    settings: Any,
    symbol: str | None,
    as_json: bool,
    signals_out: Path | None,
    trades_out: Path | None,
    no_plot: bool,
) -> None:
    from scalp_tui.backtest.runner import run_backtest
    from scalp_tui.backtest.sources import open_source

    plot = not (as_json or no_plot) and sys.stdout.isatty()
    results: list[RunResult] = []
    with ExitStack() as stack:
        try:
            signals = (
                stack.enter_context(signals_out.open("w", encoding="utf-8"))
                if signals_out
                else None
            )
        except OSError as exc:
            raise fail([f"{signals_out}: cannot write ({exc.strerror or exc})"]) from None
        bar = stack.enter_context(_Bar(not as_json and sys.stderr.isatty()))
        for label in files:  # opened here, as given: no worker elsewhere needs the path
            try:
                opened = open_source(label, settings, symbol, label)
                start_ms = opened.session.feed.source.start_ms
                progress = bar.market_time(label, start_ms, opened.end_ms)
                results.append(run_backtest(opened, signals, progress, plot))
            except _input_errors() as exc:
                raise fail([_one_line(exc)]) from None
    trades = [t for r in results for t in r.trades]
    be = _breakeven(settings)
    overall = R.totals(
        trades,
        be,
        recorded_s=sum(r.recorded_s for r in results),
        wall_s=sum(r.wall_s for r in results),
        open_at_end=sum(r.open_at_end for r in results),
    )
    if trades_out is not None:
        try:
            R.write_trades(trades_out, trades)
        except OSError as exc:
            raise fail([f"{trades_out}: cannot write ({exc.strerror or exc})"]) from None
    if as_json:
        R.print_json(sys.stdout, _json(results, overall, be))
        return
    _print_text(results, overall, settings, plot)


def _json(results: list[RunResult], overall: R.Totals, be: float) -> dict:
    return {
        "totals": R.totals_dict(overall),
        "sources": [
            {
                "source": r.label,
                "symbols": r.symbols,
                "book_updates": r.book_updates,
                "totals": R.totals_dict(
                    R.totals(r.trades, be, r.recorded_s, r.wall_s, r.open_at_end)
                ),
                "notes": r.notes,
            }
            for r in results
        ],
        "trades": [R.trade_dict(t) for t in overall_trades(results)],
    }


def overall_trades(results: list[RunResult]) -> list[R.Trade]:
    return [t for r in results for t in r.trades]


def _print_text(results: list[RunResult], overall: R.Totals, settings: Any, plot: bool) -> None:
    be = _breakeven(settings)
    stop = settings.short_scalp_stop_loss
    win = settings.short_scalp_profit_target + settings.short_scalp_profit_buffer
    out: list[str] = []
    for r in results:
        out.append(f"== {r.label}: {r.book_updates} book updates, {r.recorded_s:.1f} s recorded")
        out.extend(R.trade_lines(r.trades))
        out.extend(f"note: {n}" for n in r.notes)
        if len(results) > 1:
            t = R.totals(r.trades, be, r.recorded_s, r.wall_s, r.open_at_end)
            out.extend(R.totals_lines(t, stop, win))
        out.append("")
    out.append("== totals")
    out.extend(R.totals_lines(overall, stop, win))
    typer.echo("\n".join(out))
    if plot:
        from scalp_tui.backtest.plots import plots

        for chart in plots(overall_trades(results), [(r.label, r.prices) for r in results]):
            typer.echo(chart)


def _sweep(
    files: list[str],
    config: Path | None,
    overrides: dict[str, Any],
    symbol: str | None,
    raw: list[str],
    jobs: int,
    ray_address: str | None,
    as_json: bool,
) -> None:
    from scalp_tui.backtest.sources import open_source
    from scalp_tui.backtest.sweep import (
        SweepError,
        build_grid,
        parse_axes,
        rank,
        run_local,
        run_ray,
        table_lines,
    )

    def load(swept: dict[str, Any]) -> Any:
        return load_config(config, {**overrides, **swept}, consent=CONSENT_ANY).settings

    try:
        axes = parse_axes(raw)
        points = build_grid(axes, load)
    except SweepError as exc:
        raise fail(exc.problems) from None
    except ConfigError as exc:
        raise fail(exc.problems) from None
    specs = [spec for spec, _ in _labels(files)]
    for given in files:  # a missing or foreign file fails here, not in a worker
        try:
            open_source(given, points[0].settings, symbol)
        except _input_errors() as exc:
            raise fail([_one_line(exc)]) from None
    tasks = [(spec, p.settings, symbol) for p in points for spec in specs]
    workers = (os.cpu_count() or 1) if jobs == 0 else jobs
    with _Bar(not as_json and sys.stderr.isatty()) as bar:
        task = bar.task(f"{len(points)} settings x {len(specs)} sources", len(tasks))

        finished = 0

        def done() -> None:
            nonlocal finished
            finished += 1
            if task is not None:
                bar.progress.update(task, completed=finished, done=f"{finished}/{len(tasks)}")

        try:
            if ray_address is not None:
                results = run_ray(tasks, ray_address, done)
            else:
                results = run_local(tasks, workers, done)
        except SweepError as exc:
            raise fail(exc.problems) from None
        except _input_errors() as exc:
            raise fail([_one_line(exc)]) from None
    ranked = rank(points, results, len(specs))
    keys = [k for k, _ in axes]
    if as_json:
        rows = [
            {"rank": r.rank, "values": r.point.values, "totals": R.totals_dict(r.totals)}
            for r in ranked
        ]
        R.print_json(sys.stdout, {"sweep": rows, "keys": keys, "sources": list(files)})
        return
    typer.echo("\n".join(table_lines(ranked, keys)))
