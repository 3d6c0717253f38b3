"""What the commands of `scalp_tui.cli` share: their options, one-line failures
(exit 2), loading the configuration, opening the journal, starting sessions."""

from __future__ import annotations

import contextlib
import math
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from scalp_tui.config import CONSENT_ANY, ConfigError, LoadedConfig, load_config

EXIT_CONFIG = 2

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="JSON configuration file [default: configs/default.json]"),
]
SecretsOpt = Annotated[
    Path | None,
    typer.Option("--secrets", help="JSON file with api_key / api_secret / api_password."),
]
MAX_SPEED = 1e6  # simulated seconds per wall second: far beyond what any machine plays
MAX_DURATION_S = 10 * 365 * 86_400.0  # ten years: longer means "until stopped", say so


def seconds_between(option: str, upper: float) -> Callable[[float | None], float | None]:
    """A check of a time option: a finite number from 0 to `upper` (inf and 1e308
    would overflow the clocks they are added to)."""

    def check(value: float | None) -> float | None:
        if value is not None and not (math.isfinite(value) and 0 <= value <= upper):
            raise fail([f"{option} {value:g}: must be a number from 0 to {upper:g}"])
        return value

    return check


SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the simulated market.")]
SpeedOpt = Annotated[
    float,
    typer.Option(
        "--speed",
        help="Simulated seconds per wall-clock second (0: as fast as possible).",
        callback=seconds_between("--speed", MAX_SPEED),
    ),
]
finite_duration = seconds_between("--duration", MAX_DURATION_S)
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
ReplayOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--replay",
        help="Replay this recording with the paper broker, on its own clock (repeatable: "
        "a tardis.dev book and trades file are merged). Formats: docs/recording-formats.md.",
    ),
]
SymbolOpt = Annotated[
    list[str] | None,
    typer.Option("--symbol", "-s", help="Symbol to trade, e.g. BTC/USDT:USDT (repeatable)."),
]
SimSymbolsOpt = Annotated[
    int | None,
    typer.Option(
        "--sim-symbols",
        min=1,
        max=200,
        help="Watch the simulated market's first N symbols (BTC, ETH, SOL, then others) "
        "instead of --symbol or the config's.",
    ),
]


def fail(lines: list[str]) -> typer.Exit:
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    return typer.Exit(EXIT_CONFIG)


def run_program(app: typer.Typer, argv: list[str] | None) -> None:
    """Run the command line; click's usage errors (a bad value, an unknown option) as
    one line like every other failure, instead of a usage panel."""
    import sys

    try:
        code = app(args=argv, standalone_mode=False)
    except typer.Abort:
        sys.exit(130)
    except Exception as exc:
        # typer raises click's errors: they carry their message and exit code (2)
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            raise
        context = getattr(exc, "ctx", None)
        where = f" (see {context.command_path} --help)" if context is not None else ""
        typer.echo(f"error: {' '.join(exc.format_message().split())}{where}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


def load_or_exit(
    config: Path | None,
    secrets: Path | None = None,
    consent: str = CONSENT_ANY,
    **overrides: Any,
) -> LoadedConfig:
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        loaded = load_config(config, overrides=clean, secrets_file=secrets, consent=consent)
    except ConfigError as exc:
        raise fail(exc.problems) from None
    for warning in loaded.warnings:
        typer.echo(f"warning: {warning}", err=True)
    return loaded


def check_like_run(settings: Any) -> None:
    """What the console checks in a configuration beyond its values, so that `config
    check` passes exactly what `run` accepts: key bindings name console actions, and
    the exchange is one this console can trade on."""
    from scalp_tui.tui.keymap import action_ids, unknown_actions
    from scalp_tui.venue import VenueError, check_capabilities

    unknown = unknown_actions(settings.keys)
    problems = []
    if unknown:
        known = ", ".join(action_ids())
        problems += [f"keys.{name}: unknown console action (known: {known})" for name in unknown]
    if settings.exchange.id != "simulated":
        try:
            check_capabilities(settings.exchange.id)
        except VenueError as exc:
            problems.append(f"exchange.id: {exc}")
    if problems:
        raise fail(problems)


def check_mode(mode: str | None) -> str | None:
    if mode is not None and mode not in ("auto", "confirm"):
        raise fail([f"--mode {mode!r}: must be 'auto' or 'confirm'"])
    return mode


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


def resume_command(venue: str, config: Path | None, journal: Path) -> Callable[[Any], str]:
    """The command line that manages a position again after this run: its venue, its
    journal (absolute: it may be run from elsewhere), `--live` for a live one."""

    def command(position: Any) -> str:
        parts = ["scalp-tui", "headless"]
        if venue != "simulated":
            parts += ["--exchange", venue]
        if config is not None:
            parts += ["--config", str(config.resolve())]
        if position.broker == "live":
            parts.append("--live")
        return shlex.join([*parts, "--journal", str(journal.resolve())])

    return command


def read_pairlists(pairlist: Path | None, blacklist: Path | None) -> tuple[Any, Any]:
    from scalp_tui.pairlist import PairlistError, read_blacklist, read_pairlist

    try:
        steps = read_pairlist(pairlist) if pairlist else None
        if blacklist and steps is None:
            steps = [{"method": "StaticPairList"}]
        patterns = read_blacklist(blacklist) if blacklist else None
    except PairlistError as exc:
        raise fail([str(exc)]) from None
    return steps, patterns


@contextlib.contextmanager
def start_errors_fail(before: Callable[[], None] | None = None) -> Iterator[None]:
    """A session that cannot start says why in one line (exit 2). `before` runs first:
    the event lines still on their way out go before it (it is the log's last line)."""
    from scalp_tui.market.replay import RecordingError
    from scalp_tui.runtime.interface import StartError

    try:
        yield
    except (StartError, RecordingError) as exc:
        if before is not None:
            before()
        raise fail([str(exc) if isinstance(exc, StartError) else f"--replay: {exc}"]) from None


def start_session(request: Any) -> Any:
    """The console's session (runtime/builder.py), or one line and exit 2."""
    from scalp_tui.runtime.builder import open_session

    with start_errors_fail():
        return open_session(request)


def headless_replay(
    paths: list[Path],
    duration: float | None,
    speed: float,
    mode: str | None,
    config: Path | None,
    secrets: Path | None,
    symbol: list[str] | None,
    accept: bool,
    as_json: bool,
    exchange: str | None,
    live: bool,
    flatten_on_exit: bool,
) -> None:
    """headless --replay: the recording to its end (or --duration), paper fills, no
    journal (its times are the recording's), then the summary."""
    import sys

    from scalp_tui.background_out import BackgroundOut
    from scalp_tui.config import CONSENT_HEADLESS
    from scalp_tui.headless import run_headless
    from scalp_tui.runtime.builder import SessionRequest
    from scalp_tui.stopping import Stopper

    if exchange is not None or live:
        raise fail(["--replay plays a recording: it takes no --exchange or --live"])
    loaded = load_or_exit(config, secrets, CONSENT_HEADLESS, mode=check_mode(mode) or "auto")
    request = SessionRequest(
        loaded.settings,
        speed=speed,
        replay=paths,
        replay_symbol=symbol[0] if symbol else None,
    )
    out = BackgroundOut(sys.stdout)  # the engine's loop never waits on its output
    stopper = Stopper(out, flatten_on_exit, lambda _p: "scalp-tui headless --replay")
    stopper.catch_signals()
    try:
        with start_errors_fail(out.drain):
            code = run_headless(request, duration, accept, as_json, out, stopper)
    finally:
        out.close()
        sys.stdout.flush()
        stopper.ignore_signals()
    if code:
        raise typer.Exit(code)
