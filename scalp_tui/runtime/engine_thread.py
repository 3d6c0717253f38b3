"""A session (feed, engine, brokers) on its own thread and event loop.

The console draws frames of several milliseconds; on one event loop a market
message that arrives mid-frame waits for the frame. Here the engine's loop runs on
a thread of its own, and the console reaches it only through the session surface
(execute, snapshot, subscribe), each call marshalled onto the engine's loop. The
GIL switch interval is shortened so the engine thread gets the interpreter within
about a millisecond of its socket becoming readable.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from scalp_tui.engine.protocol import Command, CommandResult, Event, Snapshot
from scalp_tui.runtime.interface import EngineSession

T = TypeVar("T")
CALL_TIMEOUT_S = 5.0
SWITCH_INTERVAL_S = 0.001


class ThreadedSession:
    """An `EngineSession` whose engine runs on a thread of its own."""

    def __init__(self, factory: Callable[[], Awaitable[EngineSession]]) -> None:
        self._factory = factory
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="engine", daemon=True)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.session: EngineSession | None = None

    def start(self, timeout: float = 30.0) -> None:
        """Build the session on the engine thread; re-raise anything it raised."""
        if self._thread.is_alive():
            return
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the engine did not start in time")
        if self._error is not None:
            raise self._error

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self.loop = loop
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.close()

    async def _serve(self) -> None:
        try:
            self.session = await self._factory()
        except BaseException as exc:  # handed to the starting thread
            self._error = exc
            self._ready.set()
            return
        self.session.start()
        self._ready.set()
        await self.session.run()

    # -- the session surface, from the console's thread ------------------------

    @property
    def _inner(self) -> EngineSession:
        assert self.session is not None, "the session is not started"
        return self.session

    @property
    def notes(self) -> list[str]:
        return list(self.session.notes) if self.session is not None else []

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._inner.symbols  # fixed once the session is built

    @property
    def elapsed_key(self) -> str:
        return self._inner.elapsed_key

    def now_ms(self) -> int:
        return self._inner.now_ms()  # a clock read: safe from any thread

    def elapsed_s(self) -> float:
        return self._inner.elapsed_s()

    def summary(self) -> dict[str, object]:
        session = self._inner
        return self._call(session.summary)

    def _call(self, fn: Callable[[], T]) -> T:
        assert self.loop is not None

        async def on_engine_loop() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(on_engine_loop(), self.loop).result(CALL_TIMEOUT_S)

    def execute(self, command: Command) -> CommandResult:
        assert self.session is not None
        session = self.session
        return self._call(lambda: session.execute(command))

    def snapshot(self, depth: int = 20) -> Snapshot:
        assert self.session is not None
        session = self.session
        return self._call(lambda: session.snapshot(depth))

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        """`listener` runs on the engine thread: it must only hand events over."""
        assert self.session is not None
        session = self.session
        self._call(lambda: session.subscribe(listener))

    async def run(self, duration_s: float | None = None) -> None:
        """Wait, without blocking the caller's loop, until the engine thread ends."""
        await asyncio.to_thread(self._thread.join)

    def stop(self) -> None:
        if self.loop is not None and self.session is not None and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.session.stop)
            self._thread.join(CALL_TIMEOUT_S)
