"""How a headless run ends: on SIGINT/SIGTERM or at the end of `--duration`.

Entries stop first. With `--flatten-on-exit` every position is closed with the kill
switch's semantics and the run waits, bounded, for the engine to be flat; only then
is the latch released, so the next start may trade. Without it, each position still
open is named with what protects it at the venue and how to resume managing it: a
live short left behind silently is the worst way for a run to end.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, TextIO, TypeVar

from scalp_tui.engine.protocol import (
    EngageKillSwitch,
    Event,
    KillSwitchChanged,
    PositionClosed,
    PositionState,
    PositionView,
    ResetKillSwitch,
    SetEntriesEnabled,
)
from scalp_tui.runtime.interface import EngineSession

T = TypeVar("T")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
FLATTEN_TIMEOUT_S = 30.0
# --flatten-on-exit could not get flat in time: positions remain, the latch stays on.
EXIT_NOT_FLAT = 3


def describe_open(position: PositionView, resume: str) -> str:
    """One line naming a position left open, its venue-side protection, and the
    command that manages it again."""
    state = "" if position.state is PositionState.OPEN else f", {position.state.value}"
    stop = (
        f"exchange-side stop at {position.exchange_stop_price:g}"
        if position.exchange_stop_price is not None
        else "no exchange-side stop"
    )
    return (
        f"open at exit: #{position.id} {position.symbol} short {position.qty:g} "
        f"@ {position.entry_price:g} ({position.broker}{state}), {stop}; resume: {resume}"
    )


class Stopper:
    """Ends a headless session in order. `resume(position)` is the command line that
    restores `position` (the same venue and journal, `--live` for a live one)."""

    def __init__(
        self,
        out: TextIO,
        flatten: bool,
        resume: Callable[[PositionView], str],
        timeout_s: float = FLATTEN_TIMEOUT_S,
    ) -> None:
        self.out = out
        self.flatten = flatten
        self.resume = resume
        self.timeout_s = timeout_s
        self.signal_name: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._requested: asyncio.Event | None = None
        self._stopping = False

    # -- signals --------------------------------------------------------------

    def catch_signals(self) -> None:
        """From now until the process exits, SIGINT and SIGTERM ask for a stop, and
        any later one is only noted: nothing cuts the stop, the summary or the
        journal's last writes short. Python-level handlers rather than the event
        loop's, which go back to the defaults as the loop closes, before the journal
        is flushed; and never put back, since a signal during the interpreter's own
        shutdown would still kill the process."""
        for sig in STOP_SIGNALS:
            signal.signal(sig, self._on_signal)

    def ignore_signals(self) -> None:
        """Once everything is written: further signals are ignored. The interpreter
        puts Python-level handlers back to the defaults as it shuts down (so a late
        SIGINT would still kill the process), but leaves ignored ones ignored."""
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        # Runs between two bytecodes of whatever the main thread was doing: no
        # printing here (a print interrupted mid-write cannot be re-entered).
        name = signal.Signals(signum).name
        again = self.signal_name is not None
        self.signal_name = self.signal_name or name
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._heard, name, again)
        elif again and not self._stopping:
            # twice before the run's loop listens (still setting up, nothing trades
            # yet): give up starting; any signal after this one is only noted
            self._stopping = True
            raise KeyboardInterrupt
        elif again:
            os.write(2, f"stop: {name} again: already stopping\n".encode())

    def _heard(self, name: str, again: bool) -> None:
        if again or self._stopping:
            # stderr: with --json the summary must stay the last line of stdout
            print(f"stop: {name} again: already stopping", file=sys.stderr, flush=True)
        if self._requested is not None:
            self._requested.set()

    # -- the run --------------------------------------------------------------

    def _bind(self) -> asyncio.Event:
        """Signals from now on reach the running loop."""
        if self._requested is None:
            self._requested = asyncio.Event()
            self._loop = asyncio.get_running_loop()
            if self.signal_name is not None:  # heard before the loop ran
                self._requested.set()
        return self._requested

    async def starting(self, start: Awaitable[T]) -> T | None:
        """`start` (connecting, recovery), abandoned if a stop is asked for first: a
        stop must not wait for an exchange that does not answer. None then, and the
        run ends without a session (nothing ran, so there is nothing to summarise)."""
        requested = self._bind()
        task = asyncio.ensure_future(start)
        asked = asyncio.create_task(requested.wait())
        try:
            await asyncio.wait({task, asked}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            asked.cancel()
        if task.done():
            return task.result()
        task.cancel()
        with suppress(Exception, asyncio.CancelledError):
            await task
        print(f"stop: {self.signal_name} received while starting: nothing ran", file=sys.stderr)
        return None

    @property
    def signal_exit_code(self) -> int:
        """The shell's code for a run ended by a signal before it started."""
        name = self.signal_name or "SIGINT"
        return 128 + signal.Signals[name].value

    async def drive(
        self, session: EngineSession, duration_s: float | None, market_clock: bool
    ) -> int:
        """Run `session` until a signal or the end of `duration_s` (simulated seconds
        when `market_clock`, else wall seconds), then stop it. The exit code."""
        requested = self._bind()
        run = asyncio.create_task(session.run(duration_s if market_clock else None))
        asked = asyncio.create_task(requested.wait())
        try:
            await asyncio.wait(
                {run, asked},
                timeout=None if market_clock else duration_s,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            asked.cancel()
        self._stopping = True
        if self.signal_name is not None:
            why = f"{self.signal_name} received"
        elif duration_s is not None:
            why = "end of --duration"
        else:
            why = "the market feed ended"
        print(f"stop: {why}: no new entries", file=self.out)
        if run.done() and not run.cancelled() and run.exception() is not None:
            await run  # the market failed: nothing here can trade or flatten any more
        session.execute(SetEntriesEnabled(False))
        code = 0
        if self.flatten:
            code, run = await self._flatten(session, run)
        session.stop()
        await run
        self._name_open(session)
        return code

    async def _flatten(
        self, session: EngineSession, run: asyncio.Task[None]
    ) -> tuple[int, asyncio.Task[None]]:
        """Kill-switch every position, wait for flat (bounded), release the latch if
        flat. The exit code, and the task now running the market."""
        was_killed = session.snapshot(depth=0).killed
        flat = asyncio.Event()

        def watch(event: Event) -> None:
            if isinstance(event, PositionClosed | KillSwitchChanged) and not open_count(session):
                flat.set()

        session.subscribe(watch)
        session.execute(EngageKillSwitch(source="flatten-on-exit"))
        if not open_count(session):
            flat.set()
        elif run.done():
            # the simulated market ended with --duration: it plays on while the
            # remaining exits are retried and fill (nothing has stopped the session
            # itself yet: `stop()` comes after this)
            run = asyncio.create_task(session.run(None))
        try:
            await asyncio.wait_for(flat.wait(), self.timeout_s)
        except TimeoutError:
            still = ", ".join(
                f"#{p.id} {p.symbol} ({p.state.value})" for p in session.snapshot(0).positions
            )
            print(
                f"flatten-on-exit: not flat after {self.timeout_s:g} s, still open: {still}; "
                "the kill switch stays latched (the next start flattens them; "
                f"scalp-tui reset-kill-switch releases it); exit code {EXIT_NOT_FLAT}",
                file=self.out,
            )
            return EXIT_NOT_FLAT, run
        if was_killed:
            # engaged before this stop (e.g. latched by an earlier run): that was the
            # user's decision, not ours to undo
            print(
                "flatten-on-exit: flat; the kill switch was engaged before the stop and "
                "stays latched",
                file=self.out,
            )
            return 0, run
        session.execute(ResetKillSwitch())
        print(
            "flatten-on-exit: flat; kill switch released: the next start may trade",
            file=self.out,
        )
        return 0, run

    def _name_open(self, session: EngineSession) -> None:
        for position in session.snapshot(depth=0).positions:
            print(describe_open(position, self.resume(position)), file=self.out)


def open_count(session: EngineSession) -> int:
    count = session.summary()["open_positions"]
    assert isinstance(count, int)
    return count
