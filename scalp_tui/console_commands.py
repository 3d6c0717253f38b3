"""The console's commands: plain `scalp-tui` (= `run`) starts an engine process and
attaches to it, or attaches to the one already running; `--replay` plays a recording
in the console's own process; `serve` shows the console in a browser."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Annotated

import typer

from scalp_tui.cli_common import (
    BlacklistOpt,
    ConfigOpt,
    JournalOpt,
    ModeOpt,
    PairlistOpt,
    ReplayOpt,
    SecretsOpt,
    SeedOpt,
    SpeedOpt,
    SymbolOpt,
    check_like_run,
    check_mode,
    fail,
    load_or_exit,
    read_pairlists,
    start_session,
)
from scalp_tui.config import CONSENT_CONSOLE


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
    replay: ReplayOpt = None,
) -> None:
    """Open the console: the simulated market by default, or the configured exchange
    (exchange.id, with exchange.rest_url/ws_url for custom endpoints), or a recording
    (--replay). Paper by default. The engine runs in its own process (scalp-tui
    engine), started here unless one is running already; quitting stops it when no
    position is open and asks when some are."""
    if replay:
        return _replay(replay, config, secrets, speed, mode, symbol, pairlist, blacklist)
    from scalp_tui.service.client import ServiceError
    from scalp_tui.service.launch import FROM_CONSOLE, answers, spawn_engine
    from scalp_tui.service.paths import ServicePathError, socket_path

    try:
        path = socket_path()
        process: subprocess.Popen[bytes] | None = None
        if answers(path):
            given = any((config, secrets, mode, symbol, pairlist, blacklist, journal))
            given = given or seed != 1 or speed != 1.0
            if given:  # a bad option or file is still one line, engine or not
                _engine_arguments(
                    config, secrets, seed, speed, mode, symbol, pairlist, blacklist, journal
                )
            greeting = (
                "attached to the engine already running"
                + (": the options on this command line do not apply to it" if given else ""),
            )
        else:
            arguments = _engine_arguments(
                config, secrets, seed, speed, mode, symbol, pairlist, blacklist, journal
            )
            typer.echo("starting the engine ...", err=True)
            try:
                process = spawn_engine(path, [*arguments, FROM_CONSOLE])
            except ServiceError:
                if not answers(path):  # not another console's engine, started meanwhile
                    raise
            greeting = ()
    except (ServiceError, ServicePathError) as exc:
        raise fail([str(exc)]) from None
    attach_console(path, process, greeting)


def _engine_arguments(
    config: Path | None,
    secrets: Path | None,
    seed: int,
    speed: float,
    mode: str | None,
    symbol: list[str] | None,
    pairlist: Path | None,
    blacklist: Path | None,
    journal: Path | None,
) -> list[str]:
    """The engine's command line for the console's options, checked here first: a bad
    option or file is one line in this terminal, not in the engine's log. Never --live:
    real orders only after the trader types LIVE in the console."""
    loaded = load_or_exit(
        config, secrets, CONSENT_CONSOLE, mode=check_mode(mode), symbols=symbol or None
    )
    check_like_run(loaded.settings)
    if loaded.settings.exchange.id == "simulated" and (pairlist or blacklist):
        raise fail(["--pairlist/--blacklist need an exchange: they choose among its pairs"])
    read_pairlists(pairlist, blacklist)
    arguments = ["--seed", str(seed), "--speed", repr(speed)]
    for option, file in (
        ("--config", config),
        ("--secrets", secrets),
        ("--pairlist", pairlist),
        ("--blacklist", blacklist),
        ("--journal", journal),
    ):
        if file is not None:
            arguments += [option, str(file.resolve())]
    for name in symbol or ():
        arguments += ["--symbol", name]
    if mode is not None:
        arguments += ["--mode", mode]
    return arguments


def attach_console(
    path: Path, process: subprocess.Popen[bytes] | None = None, greeting: tuple[str, ...] = ()
) -> None:
    """The console on the engine answering at `path` until it quits; then stop that
    engine if the console says so (`process`: the engine, when this process started
    it), or say that it keeps running."""
    from scalp_tui.config import ConfigError, load_config
    from scalp_tui.service.client import ServiceError
    from scalp_tui.service.launch import FROM_CONSOLE, stop_engine
    from scalp_tui.service.priority import yield_cpu_to_engine
    from scalp_tui.service.remote import RemoteSession
    from scalp_tui.tui.attached import AttachedApp, farewell

    try:
        session = RemoteSession.open(path)
    except ServiceError as exc:
        raise fail([str(exc)]) from None
    try:
        # the engine's own settings (without its secrets): its thresholds, symbols, keys
        settings = load_config(None, overrides=session.welcome.settings, env={}).settings
    except ConfigError as exc:
        session.stop()
        raise fail([f"the engine's settings do not load here: {exc.problems[0]}"]) from None
    app = AttachedApp(
        session,
        settings,
        keys=settings.keys,
        live_broker=session.welcome.live_broker,
        owns_engine=FROM_CONSOLE in session.welcome.command,
        greeting=greeting,
    )
    yield_cpu_to_engine(settings.console_nice)  # its drawing never delays an order
    app.run()
    pid = session.welcome.pid  # the engine's now (a restart from the console changes it)
    if app.stop_engine:
        child = process if process is not None and process.pid == pid else None
        if stop_engine(pid, child):
            typer.echo(f"engine stopped (pid {pid})")
        else:
            raise fail([f"the engine (pid {pid}) did not stop; scalp-tui status describes it"])
    elif session.link_problem is None:
        line = farewell(app.stop_engine, app.others_at_quit, pid)
        if line is not None:
            typer.echo(line)


def _replay(
    replay: list[Path],
    config: Path | None,
    secrets: Path | None,
    speed: float,
    mode: str | None,
    symbol: list[str] | None,
    pairlist: Path | None,
    blacklist: Path | None,
) -> None:
    """A recording in the console's own process, on the recording's clock with the
    paper broker and no journal: its times are the recording's, in the past, and its
    trades are not the account's. No engine process: there is nothing to guard."""
    from scalp_tui.runtime.builder import SessionRequest
    from scalp_tui.tui.app import ScalpApp

    if pairlist or blacklist:
        raise fail(["--pairlist/--blacklist need an exchange: a replay plays its recording"])
    loaded = load_or_exit(config, secrets, CONSENT_CONSOLE, mode=check_mode(mode))
    check_like_run(loaded.settings)
    session = start_session(
        SessionRequest(
            loaded.settings,
            speed=speed,
            replay=replay,
            replay_symbol=symbol[0] if symbol else None,
        )
    )
    ScalpApp(session, loaded.settings, keys=loaded.settings.keys, journaled=False).run()


def serve(
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1.")
    ] = 8000,
) -> None:
    """Show the console in a browser (textual-serve on 127.0.0.1): every browser tab
    attaches to the running engine; none starts one. Ctrl+C stops serving only."""
    import secrets
    import shlex
    import sys

    from scalp_tui.service.client import no_engine
    from scalp_tui.service.launch import answers
    from scalp_tui.service.paths import ServicePathError, socket_path
    from scalp_tui.tui.browser import ConsoleServer

    try:
        path = socket_path()
    except ServicePathError as exc:
        raise fail([str(exc)]) from None
    if not answers(path):
        raise fail([f"{no_engine(path)} (or scalp-tui, and leave it running)"])
    command = f"{shlex.quote(sys.executable)} -m scalp_tui.cli attach"
    server = ConsoleServer(command, port, secrets.token_urlsafe(16), typer.echo)
    try:
        server.serve()
    except OSError as exc:
        raise fail([f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}"]) from None
