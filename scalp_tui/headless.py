"""The headless frontend: the engine on a feed, one log line per event, a summary."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, TextIO

from scalp_tui.engine.protocol import (
    AcceptProposal,
    Event,
    ProposalCreated,
    RejectProposal,
)
from scalp_tui.eventlog import format_event
from scalp_tui.recovery import attach, attach_live
from scalp_tui.stopping import Stopper


class HeadlessLogger:
    """Prints events; in confirm mode answers every proposal (reject unless told)."""

    def __init__(self, session: Any, accept: bool, out: TextIO, quiet: bool = False) -> None:
        self.session = session
        self.accept = accept
        self.out = out
        self.quiet = quiet

    def __call__(self, event: Event) -> None:
        line = format_event(event)
        if line is not None and not self.quiet:
            print(line, file=self.out, flush=False)
        if isinstance(event, ProposalCreated):
            pid = event.proposal.id
            command = AcceptProposal(pid) if self.accept else RejectProposal(pid)
            self.session.execute(command)


def run_headless(
    session: Any,
    duration_s: float | None,
    accept: bool = False,
    as_json: bool = False,
    out: TextIO = sys.stdout,
    journal: Any = None,
    stopper: Stopper | None = None,
) -> int:
    """Run a simulated session until the end of `duration_s` simulated seconds or a
    stop signal; print the summary. The exit code."""
    stopper = stopper or Stopper(out, flatten=False, resume=lambda _p: "scalp-tui headless")
    session.subscribe(HeadlessLogger(session, accept, out))
    if journal is not None:
        for note in attach(session, journal):
            print(f"start: {note}", file=out)

    async def main() -> int:
        code = await stopper.drive(session, duration_s, market_clock=True)
        print_summary(session, as_json, out)
        return code

    return asyncio.run(main())


async def run_headless_live(
    settings: Any,
    duration_s: float | None,
    accept: bool = False,
    as_json: bool = False,
    out: TextIO = sys.stdout,
    live_orders: bool = False,
    pairlist: Any = None,
    blacklist: Any = None,
    journal: Any = None,
    extra_symbols: list[str] | None = None,
    stopper: Stopper | None = None,
) -> int:
    """Connect to the configured exchange, run until the end of `duration_s` wall
    seconds or a stop signal, print the summary: one event loop, since ccxt's client
    belongs to the loop it was created in. The exit code."""
    from scalp_tui.live_session import LiveSession

    stopper = stopper or Stopper(out, flatten=False, resume=lambda _p: "scalp-tui headless")

    async def start() -> LiveSession:
        # real orders come from `live_orders` (the --live flag) alone: connect decides
        session = await LiveSession.connect(
            settings,
            live_orders=live_orders,
            pairlist=pairlist,
            blacklist=blacklist,
            extra_symbols=extra_symbols,
        )
        for note in session.notes:
            print(f"start: {note}", file=out)
        if session.notes:
            print(
                f"start: {len(session.feed.symbols)} symbols: {', '.join(session.feed.symbols)}",
                file=out,
            )
        session.subscribe(HeadlessLogger(session, accept, out))
        if journal is not None:
            for note in await attach_live(session, journal, settings.restart_open_orders):
                print(f"start: {note}", file=out)
        return session

    session = await stopper.starting(start())
    if session is None:
        return stopper.signal_exit_code
    code = await stopper.drive(session, duration_s, market_clock=False)
    print_summary(session, as_json, out)
    return code


def print_summary(session: Any, as_json: bool, out: TextIO = sys.stdout) -> dict[str, object]:
    summary = session.engine.summary()
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
