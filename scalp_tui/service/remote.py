"""RemoteSession: the running engine, seen from a console in another process, through
the same `EngineSession` surface an in-process session offers.

Nothing here waits on the engine. The engine pushes its events and its newest
snapshot; `snapshot()` returns the newest one received (decoded only when asked, so
snapshots that arrive faster than frames are drawn cost nothing); `execute()` writes
the command and returns at once, and the engine's answer comes back as a
CommandAnswered event. A closed connection, or silence longer than `SILENCE_S`
(the engine pushes a snapshot every 50 ms), is `link_problem`: the console covers
its screen with it and offers `restart_engine()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable
from pathlib import Path

from scalp_tui.engine.protocol import Command, CommandResult, Event, Snapshot
from scalp_tui.engine.protocol.wire import (
    HEADER,
    PROTOCOL_VERSION,
    EventFrame,
    Frame,
    Hello,
    Refused,
    SnapshotFrame,
    Welcome,
    WireError,
    command_frame,
    decode_frame,
    encode_frame,
    frame_length,
    read_event,
    read_snapshot,
)
from scalp_tui.service.client import (
    HANDSHAKE_TIMEOUT_S,
    Connection,
    ServiceError,
    connect,
    open_socket,
)
from scalp_tui.service.launch import last_line, log_path, start_engine_process

SILENCE_S = 0.6  # no frame for this long: the engine has stopped answering
RESTART_TIMEOUT_S = 30.0


def _read_blocking(sock: socket.socket) -> Frame:
    def exactly(size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = sock.recv(size - len(data))
            if not chunk:
                raise ServiceError("the engine closed the connection")
            data += chunk
        return data

    return decode_frame(exactly(frame_length(exactly(HEADER.size))))


class RemoteSession:
    """An `EngineSession` whose engine runs in another process (scalp-tui engine)."""

    def __init__(self, path: Path, welcome: Welcome, first: SnapshotFrame, sock: socket.socket):
        self.path = path
        self.welcome = welcome
        self._sock: socket.socket | None = sock  # handed to the console's loop by run()
        self._conn: Connection | None = None
        self._latest = first
        self._decoded: Snapshot | None = None
        self._last_frame = time.monotonic()
        self._event_ms = 0  # the engine's clock when it emitted the last event received
        self._listeners: list[Callable[[Event], None]] = []
        self._lost: str | None = None
        self._relinked: asyncio.Event | None = None
        self._stopping = False

    @classmethod
    def open(cls, path: Path) -> RemoteSession:
        """Connect, say hello, take the first snapshot: before the console draws
        anything. Raises ServiceError."""
        sock = open_socket(path)
        try:
            sock.settimeout(HANDSHAKE_TIMEOUT_S)
            sock.sendall(encode_frame(Hello(PROTOCOL_VERSION, "console")))
            welcome = _read_blocking(sock)
            if isinstance(welcome, Refused):
                raise ServiceError(f"the engine refused this client: {welcome.reason}")
            if not isinstance(welcome, Welcome):
                raise ServiceError(f"the engine at {path} did not welcome this client")
            first = _read_blocking(sock)
            while not isinstance(first, SnapshotFrame):
                first = _read_blocking(sock)
        except TimeoutError:
            sock.close()
            raise ServiceError(
                f"the engine at {path} did not answer within {HANDSHAKE_TIMEOUT_S:g} s"
            ) from None
        except (ServiceError, WireError, OSError) as exc:
            sock.close()
            raise ServiceError(str(exc)) from None
        sock.settimeout(None)
        return cls(path, welcome, first, sock)

    # -- the EngineSession surface ------------------------------------------------

    @property
    def elapsed_key(self) -> str:
        return self.welcome.elapsed_key

    @property
    def notes(self) -> list[str]:
        return list(self.welcome.notes)

    @property
    def symbols(self) -> tuple[str, ...]:
        return self.welcome.symbols

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        self._listeners.append(listener)

    def execute(self, command: Command) -> CommandResult:
        name = type(command).__name__
        if self._conn is None or self._lost is not None:
            return CommandResult(False, f"{name} not sent: the engine is not reachable")
        self._conn.writer.write(encode_frame(command_frame(0, command)))
        return CommandResult(True, f"{name} sent to the engine")

    def snapshot(self, depth: int = 20) -> Snapshot:
        if self._decoded is None:
            self._decoded = read_snapshot(self._latest)
        return self._decoded

    def summary(self) -> dict[str, object]:
        return dict(self.snapshot().stats)

    def now_ms(self) -> int:
        """The engine's clock as last heard: its newest snapshot or event, whichever
        came later (an event emitted after a snapshot was built can arrive first), so
        a line stamped with it never reads earlier than an event line before it."""
        return max(self.snapshot().ts_ms, self._event_ms)

    @property
    def other_consoles(self) -> int:
        """Consoles attached to the engine besides this one, as of its last snapshot."""
        return max(0, self._latest.consoles - 1)

    def elapsed_s(self) -> float:
        return self._latest.elapsed_s

    def start(self) -> None:
        """The engine is already running: nothing to start."""

    def stop(self) -> None:
        """Leave: the engine runs on."""
        self._stopping = True
        if self._conn is not None:
            self._conn.writer.close()
        elif self._sock is not None:
            self._sock.close()
        if self._relinked is not None:
            self._relinked.set()

    async def run(self, duration_s: float | None = None) -> None:
        """Receive until the console quits, across reconnections."""
        self._relinked = asyncio.Event()
        # silence counts from now: the console may take a while to start receiving
        self._last_frame = time.monotonic()
        if self._sock is not None:
            reader, writer = await asyncio.open_unix_connection(sock=self._sock)
            self._sock = None
            self._conn = Connection(self.welcome, reader, writer)
        while not self._stopping:
            conn = self._conn
            if conn is None or self._lost is not None:
                await self._relinked.wait()
                self._relinked.clear()
                continue
            why = await self._receive(conn)
            if not self._stopping and conn is self._conn:
                self._lost = why

    async def _receive(self, conn: Connection) -> str:
        try:
            while True:
                frame = await conn.read()
                self._last_frame = time.monotonic()
                if isinstance(frame, SnapshotFrame):
                    self._latest, self._decoded = frame, None
                elif isinstance(frame, EventFrame):
                    event = read_event(frame)
                    self._event_ms = max(self._event_ms, frame.at_ms)
                    for listener in self._listeners:
                        listener(event)
                elif isinstance(frame, Refused):
                    return f"the engine ended this connection: {frame.reason}"
        except (asyncio.IncompleteReadError, ConnectionError):
            return "the engine closed the connection (it stopped or died)"
        except WireError as exc:
            return f"the engine sent something unreadable: {exc}"

    # -- the link ------------------------------------------------------------------

    @property
    def link_problem(self) -> str | None:
        """Why the engine cannot be reached now, or None while it answers."""
        if self._lost is not None:
            return self._lost
        silent = time.monotonic() - self._last_frame
        if silent > SILENCE_S:
            return f"the engine has not answered for {silent:.1f} s (pid {self.welcome.pid})"
        return None

    @property
    def restart_command(self) -> str:
        return "scalp-tui " + " ".join(self.welcome.command)

    async def restart_engine(self) -> str | None:
        """Start the engine again with the command line it was started with (it
        restores its positions and kill switch from the journal) and attach to it.
        None once attached, else why not, in one line. An engine already answering
        (another console restarted it) is attached to, not started a second time."""
        with contextlib.suppress(ServiceError):
            await self._relink(await connect(self.path, "console"))
            return None
        if not self.welcome.command:
            return "this engine did not say how to start it again"
        log = log_path(self.path)
        process = start_engine_process(
            self.path, list(self.welcome.command), self.welcome.cwd or None
        )
        deadline = time.monotonic() + RESTART_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return f"the engine did not start: {last_line(log)}"
            with contextlib.suppress(ServiceError):
                conn = await connect(self.path, "console")
                await self._relink(conn)
                return None
            await asyncio.sleep(0.2)
        return f"the engine did not answer within {RESTART_TIMEOUT_S:g} s (see {log})"

    async def _relink(self, conn: Connection) -> None:
        old = self._conn
        self.welcome = conn.welcome
        self._conn = conn
        self._lost = None
        self._event_ms = 0  # a new engine: its clock may start anywhere
        self._last_frame = time.monotonic()
        if old is not None:
            old.writer.close()
        if self._relinked is not None:
            self._relinked.set()
