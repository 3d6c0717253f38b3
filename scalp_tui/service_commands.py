"""The engine service's commands: `engine` (the engine alone behind its control
socket), `kill`, `status` and `attach` (clients of the running engine)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from scalp_tui.cli_common import (
    MAX_DURATION_S,
    BlacklistOpt,
    ConfigOpt,
    JournalOpt,
    ModeOpt,
    PairlistOpt,
    SecretsOpt,
    SeedOpt,
    SpeedOpt,
    SymbolOpt,
    check_like_run,
    check_mode,
    fail,
    finite_duration,
    journal_path,
    load_or_exit,
    open_journal,
    read_pairlists,
    resume_command,
    seconds_between,
    start_errors_fail,
)
from scalp_tui.config import CONSENT_HEADLESS

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object.")]
TcpOpt = Annotated[
    int | None,
    typer.Option(
        "--tcp",
        min=1,
        max=65535,
        help="TCP port on 127.0.0.1 (the token: engine_token in the secrets file).",
    ),
]


def _tcp_token(tcp: int | None, secrets: Path | None) -> str:
    """The engine_token a --tcp client or endpoint needs, or one line and exit 2."""
    from scalp_tui.service.server import MIN_TOKEN_CHARS

    if tcp is None:
        return ""
    token = load_or_exit(None, secrets).settings.engine_token
    value = token.get_secret_value() if token is not None else ""
    if len(value) < MIN_TOKEN_CHARS:
        raise fail(
            [
                f"--tcp needs engine_token (at least {MIN_TOKEN_CHARS} characters) in the "
                "secrets file (--secrets FILE) or SCALP_TUI_ENGINE_TOKEN"
            ]
        )
    return value


def engine(
    config: ConfigOpt = None,
    secrets: SecretsOpt = None,
    symbol: SymbolOpt = None,
    exchange: Annotated[
        str | None,
        typer.Option("--exchange", help="ccxt id of the exchange (default: the config's)."),
    ] = None,
    live: Annotated[
        bool,
        typer.Option("--live", help="Send real orders (needs an exchange and API credentials)."),
    ] = False,
    mode: ModeOpt = None,
    seed: SeedOpt = 1,
    speed: SpeedOpt = 1.0,
    duration: Annotated[
        float | None,
        typer.Option(
            "--duration",
            help="Stop after this many seconds (simulated ones on the simulated market).",
            callback=finite_duration,
        ),
    ] = None,
    pairlist: PairlistOpt = None,
    blacklist: BlacklistOpt = None,
    journal: JournalOpt = None,
    tcp: TcpOpt = None,
    from_console: Annotated[
        bool,
        typer.Option(
            "--from-console",
            hidden=True,
            help="Started by plain scalp-tui: the last console out stops it if nothing is open.",
        ),
    ] = False,
) -> None:
    """Run the engine alone as a service: consoles attach to it (scalp-tui attach),
    scalp-tui kill and SIGUSR1 engage its kill switch, scalp-tui status describes it.
    Paper unless --live. SIGINT/SIGTERM stop it in order."""
    from scalp_tui.background_out import BackgroundOut
    from scalp_tui.runtime.builder import SessionRequest
    from scalp_tui.service.launch import FROM_CONSOLE
    from scalp_tui.service.paths import ServicePathError, socket_path
    from scalp_tui.service.run import EarlyKill, facts_of, run_engine
    from scalp_tui.service.server import TcpEndpoint, claim_socket_path
    from scalp_tui.stopping import Stopper

    early = EarlyKill()
    early.catch()
    overrides: dict[str, Any] = {"mode": check_mode(mode), "symbols": symbol or None}
    if exchange is not None:
        overrides["exchange"] = {"id": exchange}
    loaded = load_or_exit(config, secrets, CONSENT_HEADLESS, **overrides)
    check_like_run(loaded.settings)
    venue = loaded.settings.exchange.id
    if venue == "simulated":
        if live:
            raise fail(["--live needs --exchange: the simulated market has no real orders"])
        if pairlist or blacklist:
            raise fail(["--pairlist/--blacklist need --exchange: they choose among its pairs"])
    steps, patterns = read_pairlists(pairlist, blacklist)
    endpoint = TcpEndpoint(tcp, _tcp_token(tcp, secrets)) if tcp is not None else None
    try:
        claim_socket_path(socket_path())  # before the journal: a second engine stops here
    except ServicePathError as exc:
        raise fail([str(exc)]) from None
    out = BackgroundOut(sys.stdout)  # the engine's loop never waits on its output
    stopper = Stopper(out, False, resume_command(venue, config, journal_path(journal)))
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
    command = _restart_command(
        config, secrets, symbol, exchange, live, mode, seed, speed, pairlist, blacklist, journal
    )
    if from_console:
        command += (FROM_CONSOLE,)
    facts = facts_of(loaded.settings, live, command, os.getcwd())
    try:
        with start_errors_fail(out.drain):
            code = run_engine(request, facts, stopper, duration, out, early, endpoint)
    except ServicePathError as exc:
        raise fail([str(exc)]) from None
    finally:
        journal_writer.close()
        out.close()
        sys.stdout.flush()
        stopper.ignore_signals()
    if code:
        raise typer.Exit(code)


def _restart_command(
    config: Path | None,
    secrets: Path | None,
    symbol: list[str] | None,
    exchange: str | None,
    live: bool,
    mode: str | None,
    seed: int,
    speed: float,
    pairlist: Path | None,
    blacklist: Path | None,
    journal: Path | None,
) -> tuple[str, ...]:
    """The `engine` command line that starts this engine again, its files absolute
    (a console may restart it from elsewhere). No secret: only the secrets file's path."""
    parts = ["engine", "--seed", str(seed), "--speed", repr(speed)]
    for option, path in (
        ("--config", config),
        ("--secrets", secrets),
        ("--pairlist", pairlist),
        ("--blacklist", blacklist),
    ):
        if path is not None:
            parts += [option, str(path.resolve())]
    parts += ["--journal", str(journal_path(journal).resolve())]
    for name in symbol or ():
        parts += ["--symbol", name]
    if exchange is not None:
        parts += ["--exchange", exchange]
    if mode is not None:
        parts += ["--mode", mode]
    if live:
        parts.append("--live")
    return tuple(parts)


def kill(
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            help="Seconds to wait for flat (0: do not wait); exit code 3 if not flat by then.",
            callback=seconds_between("--wait", MAX_DURATION_S),
        ),
    ] = 30.0,
    tcp: TcpOpt = None,
    secrets: SecretsOpt = None,
) -> None:
    """Engage the kill switch of the running engine: entries latched off, proposals
    dropped, orders cancelled, every position closed. The same as SIGUSR1 to it."""
    import asyncio

    from scalp_tui.service.client import ServiceError
    from scalp_tui.service.paths import socket_path
    from scalp_tui.service.status import kill as kill_engine

    try:
        address = tcp if tcp is not None else socket_path()
        code = asyncio.run(kill_engine(address, wait, typer.echo, _tcp_token(tcp, secrets)))
    except ServiceError as exc:
        raise fail([str(exc)]) from None
    if code:
        raise typer.Exit(code)


def status(as_json: JsonOpt = False, tcp: TcpOpt = None, secrets: SecretsOpt = None) -> None:
    """The running engine: mode, paper/live, kill switch, feed, open positions with
    their timeouts, pnl today against the daily loss limit."""
    import asyncio
    import json

    from scalp_tui.service.client import ServiceError
    from scalp_tui.service.paths import socket_path
    from scalp_tui.service.status import read_status, status_text

    try:
        address = tcp if tcp is not None else socket_path()
        state = asyncio.run(read_status(address, _tcp_token(tcp, secrets)))
    except ServiceError as exc:
        raise fail([str(exc)]) from None
    typer.echo(json.dumps(state, sort_keys=True) if as_json else status_text(state))


def attach() -> None:
    """Open the console on the running engine. Several consoles may attach; quitting
    one while others are attached only detaches. The last to quit stops an engine a
    plain scalp-tui started when nothing is open; one started by scalp-tui engine runs
    on."""
    from scalp_tui.console_commands import attach_console
    from scalp_tui.service.paths import ServicePathError, socket_path

    try:
        path = socket_path()
    except ServicePathError as exc:
        raise fail([str(exc)]) from None
    attach_console(path)
