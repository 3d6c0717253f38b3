"""Command line: `scalp-tui [run|headless|config check]`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from scalp_tui.config import ConfigError, LoadedConfig, describe_config, load_config

EXIT_CONFIG = 2

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

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="JSON configuration file [default: configs/default.json]"),
]
SecretsOpt = Annotated[
    Path | None,
    typer.Option("--secrets", help="JSON file with api_key / api_secret / api_password."),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the simulated market.")]
SpeedOpt = Annotated[
    float,
    typer.Option(
        "--speed", help="Simulated seconds per wall-clock second (0: as fast as possible).", min=0.0
    ),
]
ModeOpt = Annotated[
    str | None, typer.Option("--mode", help="auto: trade at once; confirm: ask first.")
]
JournalOpt = Annotated[
    Path | None,
    typer.Option(
        "--journal",
        help="SQLite journal [default: $SCALP_TUI_JOURNAL or the user data directory].",
    ),
]
PairlistOpt = Annotated[
    Path | None,
    typer.Option("--pairlist", help="freqtrade pairlist file: choose symbols by it (exchanges)."),
]
BlacklistOpt = Annotated[
    Path | None,
    typer.Option("--blacklist", help="freqtrade blacklist file (exchange.pair_blacklist)."),
]
SymbolOpt = Annotated[
    list[str] | None,
    typer.Option("--symbol", "-s", help="Symbol to trade, e.g. BTC/USDT:USDT (repeatable)."),
]


def fail(lines: list[str]) -> typer.Exit:
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    return typer.Exit(EXIT_CONFIG)


def load_or_exit(
    config: Path | None, secrets: Path | None = None, **overrides: Any
) -> LoadedConfig:
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        loaded = load_config(config, overrides=clean, secrets_file=secrets)
    except ConfigError as exc:
        raise fail(exc.problems) from None
    for warning in loaded.warnings:
        typer.echo(f"warning: {warning}", err=True)
    return loaded


def _check_mode(mode: str | None) -> str | None:
    if mode is not None and mode not in ("auto", "confirm"):
        raise fail([f"--mode {mode!r}: must be 'auto' or 'confirm'"])
    return mode


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
) -> None:
    """Without a command: open the console (same options as `run`)."""
    if ctx.invoked_subcommand is None:
        run(
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
def run(
    config: ConfigOpt = None,
    secrets: SecretsOpt = None,
    seed: SeedOpt = 1,
    speed: SpeedOpt = 1.0,
    mode: ModeOpt = None,
    symbol: SymbolOpt = None,
    pairlist: PairlistOpt = None,
    blacklist: BlacklistOpt = None,
    journal: JournalOpt = None,
) -> None:
    """Open the console: the simulated market by default, or the configured exchange
    (exchange.id, with exchange.rest_url/ws_url for custom endpoints). Paper by default."""
    from scalp_tui.tui.app import ScalpApp
    from scalp_tui.tui.keymap import action_ids, unknown_actions

    loaded = load_or_exit(config, secrets, mode=_check_mode(mode), symbols=symbol or None)
    unknown = unknown_actions(loaded.settings.keys)
    if unknown:
        known = ", ".join(action_ids())
        raise fail([f"keys.{name}: unknown console action (known: {known})" for name in unknown])
    from scalp_tui.engine_thread import ThreadedSession
    from scalp_tui.live_session import ConnectError, LiveSession
    from scalp_tui.recovery import RecoveryError, attach, attach_live, symbols_to_restore

    settings = loaded.settings
    if settings.exchange.id == "simulated":
        if pairlist or blacklist:
            raise fail(["--pairlist/--blacklist need an exchange: they choose among its pairs"])
        # The simulated market runs on the market's own clock: sharing the console's
        # loop costs it nothing but pacing jitter, and keeps drawing cheapest.
        journal_writer = open_journal(journal, "simulated")
        session = _simulated_session(loaded, seed, speed, journal_writer)
        try:
            session.notes = attach(session, journal_writer)
            ScalpApp(session, settings, keys=settings.keys).run()
        finally:
            journal_writer.close()
        return
    steps, patterns = _read_pairlists(pairlist, blacklist)
    journal_writer = open_journal(journal, settings.exchange.id)

    async def make_session() -> Any:
        # created on the engine's loop: ccxt's client belongs to the loop it starts on
        session = await LiveSession.connect(
            settings,
            pairlist=steps,
            blacklist=patterns,
            extra_symbols=symbols_to_restore(journal_writer),
        )
        # positions restored and agreed with the exchange before anything trades
        session.notes += await attach_live(session, journal_writer, settings.restart_open_orders)
        return session

    # On an exchange the engine gets its own thread and loop: a frame being drawn must
    # not delay a market message (python bench/tick_to_order.py --console).
    host = ThreadedSession(make_session)
    try:
        host.start()
    except (ConnectError, RecoveryError) as exc:
        journal_writer.close()
        raise fail([str(exc)]) from None
    try:
        ScalpApp(host, loaded.settings, keys=loaded.settings.keys).run()
    finally:
        journal_writer.close()


@app.command()
def headless(
    duration: Annotated[
        float | None,
        typer.Option(
            "--duration", help="Simulated seconds to run (default: until Ctrl-C).", min=0.0
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
    pairlist: PairlistOpt = None,
    blacklist: BlacklistOpt = None,
    journal: JournalOpt = None,
) -> None:
    """Run the engine without the console: one log line per event, then a summary."""
    from scalp_tui.headless import run_headless

    # Nobody is there to confirm: headless trades automatically unless asked to
    # confirm, and then answers every proposal itself (reject, or accept with --accept).
    overrides: dict[str, Any] = {"mode": _check_mode(mode) or "auto", "symbols": symbol or None}
    if exchange is not None:
        overrides["exchange"] = {"id": exchange}
    loaded = load_or_exit(config, secrets, **overrides)
    if loaded.settings.exchange.id == "simulated":
        if live:
            raise fail(["--live needs --exchange: the simulated market has no real orders"])
        if pairlist or blacklist:
            raise fail(["--pairlist/--blacklist need --exchange: they choose among its pairs"])
        journal_writer = open_journal(journal, "simulated")
        session = _simulated_session(loaded, seed, speed, journal_writer)
        try:
            run_headless(session, duration, accept=accept, as_json=as_json, journal=journal_writer)
        finally:
            journal_writer.close()
        return
    import asyncio

    from scalp_tui.headless import run_headless_live
    from scalp_tui.live_session import ConnectError
    from scalp_tui.recovery import RecoveryError, symbols_to_restore

    steps, patterns = _read_pairlists(pairlist, blacklist)
    journal_writer = open_journal(journal, loaded.settings.exchange.id)
    try:
        asyncio.run(
            run_headless_live(
                loaded.settings,
                duration,
                accept,
                as_json,
                live_orders=live,
                journal=journal_writer,
                pairlist=steps,
                blacklist=patterns,
                extra_symbols=symbols_to_restore(journal_writer),
            )
        )
    except (ConnectError, RecoveryError) as exc:
        raise fail([str(exc)]) from None
    finally:
        journal_writer.close()


def open_journal(path: Path | None, venue: str = "simulated") -> Any:
    """The journal every run writes to; one line and exit 2 if it cannot be used."""
    import uuid

    from scalp_tui.store.journal import Journal, JournalError

    try:
        return Journal(journal_path(path), session=uuid.uuid4().hex[:12], venue=venue)
    except JournalError as exc:
        raise fail([str(exc)]) from None


def journal_path(path: Path | None) -> Path:
    import os

    from scalp_tui.store.journal import default_path

    return path or Path(os.environ.get("SCALP_TUI_JOURNAL") or default_path())


def _read_pairlists(pairlist: Path | None, blacklist: Path | None) -> tuple[Any, Any]:
    from scalp_tui.pairlist import PairlistError, read_blacklist, read_pairlist

    try:
        steps = read_pairlist(pairlist) if pairlist else None
        if blacklist and steps is None:
            steps = [{"method": "StaticPairList"}]
        patterns = read_blacklist(blacklist) if blacklist else None
    except PairlistError as exc:
        raise fail([str(exc)]) from None
    return steps, patterns


def _simulated_session(loaded: LoadedConfig, seed: int, speed: float, journal: Any) -> Any:
    """The simulated market on today's clock, never earlier than the journal's last
    event (a fast run may have got ahead of the wall clock), with the symbols of any
    position to restore."""
    import time

    from scalp_tui.recovery import symbols_to_restore
    from scalp_tui.session import Session

    settings = loaded.settings
    restored = [s for s in symbols_to_restore(journal) if s not in settings.symbols]
    symbols = settings.symbols + restored
    start_ms = max(time.time_ns() // 1_000_000, (journal.last_ts_ms() or 0) + 1)
    try:
        return Session.simulated(
            settings.model_copy(update={"symbols": symbols}),
            seed=seed,
            speed=speed,
            start_ms=start_ms // 1000 * 1000 + 1000,
        )
    except ValueError as exc:  # e.g. a symbol the simulated market does not list
        raise fail([str(exc)]) from None


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


@config_app.command("check")
def config_check(
    file: Annotated[Path | None, typer.Argument(help="Configuration file to check.")] = None,
    secrets: SecretsOpt = None,
) -> None:
    """Validate a configuration and print the effective values (secrets masked)."""
    loaded = load_or_exit(file, secrets)
    typer.echo(describe_config(loaded))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
