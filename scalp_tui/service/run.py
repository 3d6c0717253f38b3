"""`scalp-tui engine`: a session served on the control socket until a stop signal
(or --duration), each event logged as one line on stdout.

Nobody may be watching: in confirm mode a proposal waits for an attached console
and expires unanswered otherwise (never accepted by default). SIGUSR1 engages the kill
switch; SIGINT/SIGTERM stop the engine in order, as headless does.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any, TextIO

from scalp_tui.config import Settings
from scalp_tui.config_sources import SECRET_KEYS
from scalp_tui.engine.protocol import Event
from scalp_tui.eventlog import format_event
from scalp_tui.runtime.builder import SessionRequest, build, connect
from scalp_tui.runtime.interface import EngineSession
from scalp_tui.service.deferred import AfterStep
from scalp_tui.service.paths import socket_path
from scalp_tui.service.server import EngineFacts, EngineService, TcpEndpoint
from scalp_tui.stopping import Stopper


class EarlyKill:
    """SIGUSR1 before the socket listens (still connecting, restoring): remembered
    and acted on as soon as the engine runs, instead of SIGUSR1's default (death)."""

    def __init__(self) -> None:
        self.requested = False

    def catch(self) -> None:
        signal.signal(signal.SIGUSR1, self._heard)

    def _heard(self, _signum: int, _frame: Any) -> None:
        self.requested = True


def facts_of(
    settings: Settings, live_orders: bool, command: tuple[str, ...], cwd: str
) -> EngineFacts:
    """What the engine tells its clients about itself: never a secret."""
    public = settings.model_dump(mode="json", exclude=set(SECRET_KEYS))
    return EngineFacts(
        exchange=settings.exchange.id,
        live_orders=live_orders,
        max_daily_loss=settings.max_daily_loss,
        settings=public,
        command=command,
        cwd=cwd,
        live_broker=settings.exchange.id != "simulated" and settings.has_credentials,
    )


class EventPrinter:
    """engine.log: one line per event, stamped with the engine's clock when it was
    emitted (as every console's log is), so the file reads in event order."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, stamped: tuple[Event, int]) -> None:
        event, emitted_ms = stamped
        line = format_event(event, emitted_ms)
        if line is not None:
            print(line, file=self.out, flush=True)


def log_events(session: EngineSession, printer: AfterStep[tuple[Event, int]]) -> None:
    """Each event of `session` to `printer`: stamped as it is emitted, written after
    the engine's step (not between a tick and its order)."""
    session.subscribe(lambda event: printer((event, session.now_ms())))


async def _serve(
    session: EngineSession,
    facts: EngineFacts,
    stopper: Stopper,
    duration_s: float | None,
    market_clock: bool,
    out: TextIO,
    early: EarlyKill,
    tcp: TcpEndpoint | None,
) -> int:
    for note in session.notes:
        print(f"start: {note}", file=out)
    service = EngineService(session, facts, socket_path(), out, tcp)
    await service.open(kill_requested=early.requested)
    try:
        return await stopper.drive(session, duration_s, market_clock)
    finally:
        await service.close()


def run_engine(
    request: SessionRequest,
    facts: EngineFacts,
    stopper: Stopper,
    duration_s: float | None,
    out: TextIO,
    early: EarlyKill,
    tcp: TcpEndpoint | None = None,
) -> int:
    """The simulated market (its own clock) or an exchange, served until stopped.
    The exit code. Raises StartError, ServicePathError."""
    printer = AfterStep(EventPrinter(out))

    def ready(session: EngineSession) -> None:
        log_events(session, printer)

    request.on_ready = ready

    async def on_exchange() -> int:
        live = await stopper.starting(connect(request))
        if live is None:
            return stopper.signal_exit_code
        return await _serve(live, facts, stopper, duration_s, False, out, early, tcp)

    try:
        if not request.on_exchange:
            session = build(request)
            return asyncio.run(_serve(session, facts, stopper, duration_s, True, out, early, tcp))
        return asyncio.run(on_exchange())
    finally:
        printer.flush()  # the last lines, whatever stopped the loop
