"""Command line: `scalp-tui [run|headless|backtest|trades|config check]`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from scalp_tui.backtest.command import backtest
from scalp_tui.cli_common import (
    BlacklistOpt,
    ConfigOpt,
    JournalOpt,
    ModeOpt,
    PairlistOpt,
    ReplayOpt,
    SecretsOpt,
    SeedOpt,
    SimSymbolsOpt,
    SpeedOpt,
    SymbolOpt,
    check_like_run,
    check_mode,
    fail,
    finite_duration,
    headless_replay,
    journal_path,
    load_or_exit,
    open_journal,
    read_pairlists,
    resume_command,
    run_program,
    start_errors_fail,
)
from scalp_tui.config import CONSENT_HEADLESS, describe_config
from scalp_tui.console_commands import run, serve
from scalp_tui.service_commands import attach, engine, kill, status

app = typer.Typer(
    name="scalp-tui",
    help="Supervised short-side scalping console for crypto perpetual futures.",
    no_args_is_help=False,
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Inspect and validate configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.command("backtest")(backtest)
app.command("engine")(engine)
app.command("kill")(kill)
app.command("status")(status)
app.command("attach")(attach)
app.command("run")(run)
app.command("serve")(serve)


@app.callback()
def main_callback(
    ctx: typer.Context,
    config: ConfigOpt = None,
    secrets: SecretsOpt = None,
    seed: SeedOpt = 1,
    speed: SpeedOpt = 1.0,
    mode: ModeOpt = None,
    symbol: SymbolOpt = None,
    pairlist: PairlistOpt = None,
    blacklist: BlacklistOpt = None,
    journal: JournalOpt = None,
    replay: ReplayOpt = None,
) -> None:
    """Without a command: open the console (same options as `run`)."""
    if ctx.invoked_subcommand is None:
        run(
            replay=replay,
            config=config,
            secrets=secrets,
            seed=seed,
            speed=speed,
            mode=mode,
            symbol=symbol,
            pairlist=pairlist,
            blacklist=blacklist,
            journal=journal,
        )


@app.command()
def headless(
    duration: Annotated[
        float | None,
        typer.Option(
            "--duration",
            help="Simulated seconds to run (default: until Ctrl-C).",
            callback=finite_duration,
        ),
    ] = None,
    speed: SpeedOpt = 1.0,
    seed: SeedOpt = 1,
    mode: Annotated[
        str | None,
        typer.Option("--mode", help="auto (default here: nobody is there to confirm) or confirm."),
    ] = None,
    config: ConfigOpt = None,
    secrets: SecretsOpt = None,
    symbol: SymbolOpt = None,
    sim_symbols: SimSymbolsOpt = None,
    accept: Annotated[
        bool,
        typer.Option("--accept", help="In confirm mode, accept every proposal (default: reject)."),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="End with a JSON summary as the last line of stdout.")
    ] = False,
    exchange: Annotated[
        str | None,
        typer.Option(
            "--exchange",
            help="Run on this exchange's live books (ccxt id, e.g. binanceusdm) instead of "
            "the simulated market; fills stay paper. Endpoints: exchange.rest_url/ws_url.",
        ),
    ] = None,
    live: Annotated[
        bool,
        typer.Option("--live", help="Send real orders (needs --exchange and API credentials)."),
    ] = False,
    flatten_on_exit: Annotated[
        bool,
        typer.Option(
            "--flatten-on-exit",
            help="On SIGINT/SIGTERM and at the end of --duration, close every position "
            "(kill switch) and wait up to 30 s for flat; exit code 3 if not flat.",
        ),
    ] = False,
    pairlist: PairlistOpt = None,
    blacklist: BlacklistOpt = None,
    journal: JournalOpt = None,
    replay: ReplayOpt = None,
) -> None:
    """Run the engine without the console: one log line per event, then a summary.
    SIGINT/SIGTERM stop it in order (entries off, summary, journal flushed, exit 0).
    With --replay, a recording plays to its end (or --duration) with paper fills."""
    import asyncio

    from scalp_tui.background_out import BackgroundOut
    from scalp_tui.headless import run_headless, run_headless_live
    from scalp_tui.runtime.builder import SessionRequest
    from scalp_tui.stopping import Stopper

    if sim_symbols is not None:
        if symbol or exchange is not None or replay:
            raise fail(["--sim-symbols is for the simulated market alone: no --symbol/--exchange"])
        from scalp_tui.market.sim_symbols import sim_symbol_names

        symbol = sim_symbol_names(sim_symbols)
    # Nobody is there to confirm: headless trades automatically unless asked to
    # confirm, and then answers every proposal itself (reject, or accept with --accept).
    if replay:
        return headless_replay(
            replay,
            duration,
            speed,
            mode,
            config,
            secrets,
            symbol,
            accept,
            as_json,
            exchange,
            live,
            flatten_on_exit,
        )
    overrides: dict[str, Any] = {"mode": check_mode(mode) or "auto", "symbols": symbol or None}
    if exchange is not None:
        overrides["exchange"] = {"id": exchange}
    loaded = load_or_exit(config, secrets, CONSENT_HEADLESS, **overrides)
    venue = loaded.settings.exchange.id
    if venue == "simulated":
        if live:
            raise fail(["--live needs --exchange: the simulated market has no real orders"])
        if pairlist or blacklist:
            raise fail(["--pairlist/--blacklist need --exchange: they choose among its pairs"])
    steps, patterns = read_pairlists(pairlist, blacklist)
    resume = resume_command(venue, config, journal_path(journal))
    out = BackgroundOut(sys.stdout)  # the engine's loop never waits on its output
    stopper = Stopper(out, flatten_on_exit, resume)
    # before the journal opens: a stop signal never cuts its last writes short
    stopper.catch_signals()
    journal_writer = open_journal(journal, venue)
    request = SessionRequest(
        loaded.settings,
        seed=seed,
        speed=speed,
        journal=journal_writer,
        live_orders=live,
        pairlist=steps,
        blacklist=patterns,
    )
    try:
        with start_errors_fail(out.drain):
            if venue == "simulated":
                code = run_headless(request, duration, accept, as_json, out, stopper)
            else:
                code = asyncio.run(
                    run_headless_live(request, duration, accept, as_json, out, stopper)
                )
    finally:
        journal_writer.close()
        out.close()
        sys.stdout.flush()
        stopper.ignore_signals()
    if code:
        raise typer.Exit(code)


@app.command()
def trades(
    since: Annotated[
        str | None, typer.Option("--since", help="Only trades closed from this UTC date/time on.")
    ] = None,
    symbol: Annotated[str | None, typer.Option("--symbol", help="Only this symbol.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV with a header row.")] = False,
    open_: Annotated[
        bool,
        typer.Option("--open", help="Open positions instead (what the next start restores)."),
    ] = False,
    journal: JournalOpt = None,
) -> None:
    """List journaled trades with totals (or, with --open, open positions)."""
    from datetime import UTC, datetime

    from scalp_tui.store.history import render_open, render_trades
    from scalp_tui.store.journal import JournalError, read_open_positions, read_trades

    fmt = "json" if as_json else "csv" if as_csv else "table"
    if open_:
        if since is not None:
            raise fail(["--since applies to closed trades, not to --open"])
        try:
            typer.echo(render_open(read_open_positions(journal_path(journal), symbol), fmt))
        except JournalError as exc:
            raise fail([str(exc)]) from None
        return

    since_ms = None
    if since is not None:
        try:
            moment = datetime.fromisoformat(since)
        except ValueError:
            raise fail(
                [f"--since {since!r}: expected a date like 2026-11-24 or 2026-11-24T13:00"]
            ) from None
        since_ms = int(moment.replace(tzinfo=moment.tzinfo or UTC).timestamp() * 1000)
    try:
        rows = read_trades(journal_path(journal), since_ms, symbol)
    except JournalError as exc:
        raise fail([str(exc)]) from None
    typer.echo(render_trades(rows, fmt))


@app.command("reset-kill-switch")
def reset_kill_switch(journal: JournalOpt = None) -> None:
    """Release a kill switch latched by an earlier run (the console's ctrl+r does this
    too). Entries are allowed again on the next start."""
    import time

    writer = open_journal(journal)
    try:
        if not writer.kill_switch_latched():
            typer.echo("the kill switch is not latched")
            return
        writer.record_reset(time.time_ns() // 1_000_000)
        typer.echo("kill switch reset: the next start may trade")
    finally:
        writer.close()


@app.command()
def record(
    exchange: Annotated[
        str,
        typer.Option(
            "--exchange",
            help="ccxt id: binanceusdm, okx, bybit, gate, kucoinfutures, bitget or htx.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Directory for the hourly .jsonl.gz files.")],
    symbol: SymbolOpt = None,
    duration: Annotated[
        float | None,
        typer.Option(
            "--duration",
            help="Seconds to record (default: until Ctrl-C).",
            callback=finite_duration,
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Record the exchange's books (diffs with the venue's update ids, snapshots) and
    trades as received, with receive times in ns, to gzip files rotated hourly. Ends on
    --duration or SIGINT with a summary: frames written, dropped, files."""
    import asyncio

    from scalp_tui.market.record_venues import FORMATS
    from scalp_tui.record import run_command
    from scalp_tui.venue import VenueError

    if exchange not in FORMATS:
        raise fail([f"record --exchange {exchange}: not supported (use {', '.join(FORMATS)})"])
    loaded = load_or_exit(config, None, exchange={"id": exchange}, symbols=symbol or None)
    try:
        line = asyncio.run(run_command(loaded.settings, out, duration, sys.stderr))
    except (VenueError, ValueError) as exc:
        raise fail([str(exc)]) from None
    typer.echo(line)


@config_app.command("check")
def config_check(
    file: Annotated[Path | None, typer.Argument(help="Configuration file to check.")] = None,
    secrets: SecretsOpt = None,
    exchange: Annotated[
        str | None,
        typer.Option(
            "--exchange",
            help="Also ask this exchange (ccxt id) for its markets and print its traits "
            "as loaded: contract size and minimum of each symbol, fee source, stop support.",
        ),
    ] = None,
) -> None:
    """Validate a configuration and print the effective values (secrets masked)."""
    import asyncio

    from scalp_tui.venue_report import VenueReportError, describe_venue

    overrides = {"exchange": {"id": exchange}} if exchange else {}
    loaded = load_or_exit(file, secrets, **overrides)  # names both ways to real orders
    check_like_run(loaded.settings)
    typer.echo(describe_config(loaded))
    if exchange:
        try:
            lines = asyncio.run(describe_venue(loaded.settings))
        except VenueReportError as exc:
            raise fail([str(exc)]) from None
        typer.echo("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    """The program: every failure is one line on stderr, usage errors included."""
    run_program(app, argv)


if __name__ == "__main__":
    main()
