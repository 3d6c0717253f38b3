"""What a backtest replays, opened as the same Session a paper run would use.

A source is a recording (any format the replay reader knows, told from its content),
several files of one recording joined with `+` (tardis.dev's book and trades CSV of
the same day: `book.csv.gz+trades.csv.gz`, merged by receive time), or
`sim[:SEED[:SECONDS]]`, the embedded simulated market (seed 1, 600 s unless given),
which needs no data file and is what the tests run on.

The engine, its paper broker and its paced feed are built by the runtime's builder
(`scalp_tui.runtime.builder.build`), the one behind `scalp-tui --replay` and the
simulated console: a backtest cannot wire anything differently from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

SIM_PREFIX = "sim"
SIM_SECONDS = 600.0
JOIN = "+"


class SourceError(ValueError):
    """A source that can't be replayed; str() is one line saying why."""


@dataclass
class OpenedSource:
    label: str
    session: Any  # scalp_tui.runtime.session.Session at speed 0, not yet started
    duration_ms: int | None = None  # None: until the recording ends
    end_ms: int | None = None  # where the progress bar ends, when known


def is_sim(spec: str) -> bool:
    return spec == SIM_PREFIX or spec.startswith(SIM_PREFIX + ":")


def split(spec: str) -> list[Path]:
    """The files of one recording; a path that exists is never split at a `+`."""
    if Path(spec).exists() or JOIN not in spec:
        return [Path(spec)]
    return [Path(part) for part in spec.split(JOIN)]


def resolve(spec: str) -> str:
    """Absolute paths: a worker process or a Ray task may run in another directory."""
    if is_sim(spec):
        return spec
    return JOIN.join(str(p.resolve()) for p in split(spec))


def open_source(
    spec: str, settings: Any, symbol: str | None = None, label: str = ""
) -> OpenedSource:
    """Open `spec` for one run. Each run opens its own: a session plays once, and a
    worker process or Ray task opens the file where it runs. Paper and auto mode are
    forced: a backtest never sends an order, and nobody is there to confirm one."""
    settings = settings.model_copy(update={"paper": True, "mode": "auto"})
    if is_sim(spec):
        return _open_sim(spec, settings, label or spec)
    return _open_recording(spec, settings, symbol, label or spec)


def _open_sim(spec: str, settings: Any, label: str) -> OpenedSource:
    from scalp_tui.market.sim import DEFAULT_START_MS
    from scalp_tui.runtime.builder import SessionRequest, build
    from scalp_tui.runtime.interface import StartError

    usage = f"{spec}: expected sim[:SEED[:SECONDS]], e.g. sim:1:600"
    parts = spec.split(":")[1:]
    try:
        seed = int(parts[0]) if parts and parts[0] else 1
        seconds = float(parts[1]) if len(parts) > 1 else SIM_SECONDS
    except ValueError:
        raise SourceError(usage) from None
    if len(parts) > 2 or seconds <= 0:
        raise SourceError(usage)
    try:
        # a fixed start date (not today's, as the console uses): runs repeat exactly
        session = build(SessionRequest(settings, seed=seed, speed=0.0, start_ms=DEFAULT_START_MS))
    except StartError as exc:  # a symbol the simulated market does not list
        raise SourceError(str(exc)) from None
    duration_ms = int(seconds * 1000)
    return OpenedSource(label, session, duration_ms, DEFAULT_START_MS + duration_ms)


def _open_recording(spec: str, settings: Any, symbol: str | None, label: str) -> OpenedSource:
    from scalp_tui.market.replay import RecordingError
    from scalp_tui.runtime.builder import SessionRequest, build

    try:
        session = build(
            SessionRequest(settings, speed=0.0, replay=split(spec), replay_symbol=symbol)
        )
    except RecordingError as exc:
        raise SourceError(str(exc)) from None
    except OSError as exc:
        raise SourceError(f"{spec}: can't read it ({exc.strerror or exc})") from None
    return OpenedSource(label, session)
