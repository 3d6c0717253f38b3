"""The headless frontend: the engine on a feed, one log line per event, a summary."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TextIO

from scalp_tui.engine.protocol import (
    AcceptProposal,
    Event,
    ProposalCreated,
    RejectProposal,
)
from scalp_tui.eventlog import format_event
from scalp_tui.runtime.builder import SessionRequest, build, connect
from scalp_tui.runtime.interface import EngineSession
from scalp_tui.stopping import Stopper


class HeadlessLogger:
    """Prints events; in confirm mode answers every proposal (reject unless told)."""

    def __init__(self, accept: bool, out: TextIO, quiet: bool = False) -> None:
        self.session: EngineSession | None = None
        self.accept = accept
        self.out = out
        self.quiet = quiet
        self.notes_said = 0

    def attach(self, session: EngineSession) -> None:
        """Listen to `session` from now on (before the journal restores into it, so
        what comes back is printed too)."""
        self.session = session
        session.subscribe(self)

    def say_notes(self) -> None:
        """Print the session's start notes not printed yet."""
        assert self.session is not None
        notes = self.session.notes
        for note in notes[self.notes_said :]:
            print(f"start: {note}", file=self.out)
        self.notes_said = len(notes)

    def __call__(self, event: Event) -> None:
        # stamped with the engine's clock as it is emitted: lines in event order
        at_ms = self.session.now_ms() if self.session is not None else None
        line = format_event(event, at_ms)
        if line is not None and not self.quiet:
            print(line, file=self.out, flush=False)
        if isinstance(event, ProposalCreated) and self.session is not None:
            pid = event.proposal.id
            command = AcceptProposal(pid) if self.accept else RejectProposal(pid)
            self.session.execute(command)


def run_headless(
    request: SessionRequest,
    duration_s: float | None,
    accept: bool = False,
    as_json: bool = False,
    out: TextIO | None = None,
    stopper: Stopper | None = None,
) -> int:
    """Run the simulated market or a recording until the end of `duration_s`
    simulated seconds or a stop signal; print the summary. The exit code. Raises
    StartError, or RecordingError for a recording."""
    out = out or sys.stdout  # looked up now: a default taken at import outlives its stream
    stopper = stopper or Stopper(out, flatten=False, resume=lambda _p: "scalp-tui headless")
    logger = HeadlessLogger(accept, out)
    request.on_ready = logger.attach
    session = build(request)
    logger.say_notes()

    async def main() -> int:
        code = await stopper.drive(session, duration_s, market_clock=True)
        print_summary(session, as_json, out)
        return code

    return asyncio.run(main())


async def run_headless_live(
    request: SessionRequest,
    duration_s: float | None,
    accept: bool = False,
    as_json: bool = False,
    out: TextIO | None = None,
    stopper: Stopper | None = None,
) -> int:
    """Connect to the configured exchange, run until the end of `duration_s` wall
    seconds or a stop signal, print the summary: one event loop, since ccxt's client
    belongs to the loop it was created in. The exit code. Raises StartError."""
    out = out or sys.stdout  # looked up now: a default taken at import outlives its stream
    stopper = stopper or Stopper(out, flatten=False, resume=lambda _p: "scalp-tui headless")
    logger = HeadlessLogger(accept, out)

    def ready(session: EngineSession) -> None:
        logger.session = session
        logger.say_notes()  # how the symbols were chosen
        if session.notes:
            print(f"start: {len(session.symbols)} symbols: {', '.join(session.symbols)}", file=out)
        logger.attach(session)

    async def start() -> EngineSession:
        request.on_ready = ready
        session = await connect(request)
        logger.say_notes()  # what was restored and agreed with the exchange
        return session

    session = await stopper.starting(start())
    if session is None:
        return stopper.signal_exit_code
    code = await stopper.drive(session, duration_s, market_clock=False)
    print_summary(session, as_json, out)
    return code


def print_summary(
    session: EngineSession, as_json: bool, out: TextIO | None = None
) -> dict[str, object]:
    out = out or sys.stdout
    summary = session.summary()
    summary[session.elapsed_key] = round(session.elapsed_s(), 3)
    if as_json:
        print(json.dumps(summary, sort_keys=True), file=out, flush=True)
    else:
        print(summary_text(summary), file=out, flush=True)
    return summary


def summary_text(summary: dict[str, object]) -> str:
    exits = summary.get("exits") or {}
    exit_text = ", ".join(f"{k} {v}" for k, v in sorted(exits.items())) or "none"  # type: ignore[union-attr]
    return (
        f"summary: {summary['entries']} entries, {summary['trades']} trades "
        f"(win rate {float(summary['win_rate']):.0%}), pnl {float(summary['pnl']):+.4f}, "
        f"fees {float(summary['fees']):.4f}, exits: {exit_text}, "
        f"{summary['book_updates']} book updates, {summary['open_positions']} open positions"
        f" ({summary.get('restored_positions', 0)} restored at start)"
    )
