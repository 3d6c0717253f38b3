"""The engine's control endpoint: a Unix socket on the engine's own event loop.

Every client gets each event as it happens (stamped with the engine's clock when it
was emitted) and the newest snapshot every `SNAPSHOT_INTERVAL_S` (and at once after
any command or when a console comes or goes; it says how many consoles are
attached), and may send commands, which the engine executes as it would a key press;
the answer goes to every client as a CommandAnswered event, so a kill switch from one
console is seen by all. Nothing here waits on a client: each has its own queue and
writer, and a client that falls `MAX_PENDING_FRAMES` behind is dropped rather than
allowed to slow the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import os
import signal
import socket
import struct
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from scalp_tui.engine.protocol import (
    Command,
    CommandAnswered,
    CommandResult,
    EngageKillSwitch,
    Event,
)
from scalp_tui.engine.protocol.wire import (
    PROTOCOL_VERSION,
    CommandFrame,
    Hello,
    Refused,
    Welcome,
    WireError,
    encode_frame,
    event_frame,
    read_command,
    snapshot_frame,
    version_refusal,
)
from scalp_tui.eventlog import has_line
from scalp_tui.runtime.interface import EngineSession
from scalp_tui.service.client import open_socket, read_frame
from scalp_tui.service.deferred import AfterStep
from scalp_tui.service.paths import (
    ServicePathError,
    check_socket_path,
    ensure_private_dir,
)

SNAPSHOT_INTERVAL_S = 0.05  # a console frame: every console shows the same state
SNAPSHOT_DEPTH = 20  # book levels a side, what the console's ladder draws
MAX_PENDING_FRAMES = 5000
HELLO_TIMEOUT_S = 5.0
_PEERCRED = struct.Struct("3i")  # pid, uid, gid


@dataclass
class EngineFacts:
    """What the engine tells each client about itself (the Welcome)."""

    exchange: str
    live_orders: bool
    max_daily_loss: float
    settings: dict[str, Any] = field(default_factory=dict)
    command: tuple[str, ...] = ()
    cwd: str = ""
    live_broker: bool = False  # credentials loaded: SetBroker("live") can route entries


@dataclass
class TcpEndpoint:
    """TCP on 127.0.0.1: any local user can reach it, so a client must give the token
    (engine_token from the engine's secrets file) in its hello."""

    port: int
    token: str = field(repr=False)

    def admits(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self.token.encode())


TCP_HOST = "127.0.0.1"
MIN_TOKEN_CHARS = 16


CONSOLE = "console"  # the hello of a console (a terminal or a browser tab)


class _Client:
    def __init__(
        self, name: str, writer: asyncio.StreamWriter, events: bool, console: bool = False
    ) -> None:
        self.name = name
        self.writer = writer
        self.events = events
        self.console = console
        self.pending: deque[bytes] = deque()
        self.snapshot: bytes | None = None
        self.wake = asyncio.Event()
        self.dropped = False

    def push(self, frame: bytes) -> None:
        if len(self.pending) >= MAX_PENDING_FRAMES:
            self.dropped = True  # too slow: its writer ends it
        else:
            self.pending.append(frame)
        self.wake.set()


class EngineService:
    """Serves `session` on the socket at `path` while the engine runs."""

    def __init__(
        self,
        session: EngineSession,
        facts: EngineFacts,
        path: Path,
        out: TextIO,
        tcp: TcpEndpoint | None = None,
    ):
        self.session = session
        self.tcp = tcp
        self._tcp_server: asyncio.Server | None = None
        self.facts = facts
        self.path = path
        self.out = out
        self._clients: set[_Client] = set()
        self._server: asyncio.Server | None = None
        self._pusher: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._count = 0
        # frames are encoded and queued after the engine's step: not between a tick
        # and the order it triggers
        self._fanout: AfterStep[tuple[Event, int]] = AfterStep(self._send_event)
        self._said: int | None = None  # log lines the command being executed caused

    # -- life -----------------------------------------------------------------

    async def open(self, kill_requested: bool = False) -> None:
        """Listen (socket 0600 in a 0700 directory) and take SIGUSR1 as the kill
        switch. `kill_requested`: a SIGUSR1 arrived before the service listened.
        Raises ServicePathError."""
        ensure_private_dir(self.path.parent)
        check_socket_path(self.path)
        claim_socket_path(self.path)
        old_umask = os.umask(0o177)  # the socket is born 0600: no moment open to others
        try:
            self._server = await asyncio.start_unix_server(self._serve_client, path=self.path)
        finally:
            os.umask(old_umask)
        os.chmod(self.path, 0o600)
        if self.tcp is not None:
            try:
                self._tcp_server = await asyncio.start_server(
                    self._serve_client, TCP_HOST, self.tcp.port
                )
            except OSError as exc:
                raise ServicePathError(
                    f"--tcp {self.tcp.port}: cannot listen on {TCP_HOST}: {exc.strerror}"
                ) from None
            print(f"engine: listening on {TCP_HOST}:{self.tcp.port} (token)", file=self.out)
        self.session.subscribe(self._on_event)
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGUSR1, self.engage_kill_switch, "SIGUSR1")
        self._pusher = asyncio.create_task(self._push_snapshots())
        print(f"engine: listening on {self.path} (pid {os.getpid()})", file=self.out, flush=True)
        if kill_requested:
            self.engage_kill_switch("SIGUSR1")

    async def close(self) -> None:
        """Stop listening, say goodbye to every client, remove the socket."""
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGUSR1)
        # the engine no longer trades; SIGUSR1's default would kill it mid-flush
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        if self._pusher is not None:
            self._pusher.cancel()
        for server in (self._server, self._tcp_server):
            if server is not None:
                server.close()
        self._fanout.flush()
        for client in list(self._clients):
            client.writer.close()
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    # -- what every client receives ---------------------------------------------

    @property
    def consoles(self) -> int:
        """Consoles attached now (not `status` or `kill`)."""
        return sum(client.console for client in self._clients)

    def _on_event(self, event: Event) -> None:
        if self._said is not None and has_line(event):
            self._said += 1
        if self._clients:
            self._fanout((event, self.session.now_ms()))  # stamped as it is emitted

    def _send_event(self, stamped: tuple[Event, int]) -> None:
        event, emitted_ms = stamped
        frame = encode_frame(event_frame(event, emitted_ms))
        for client in self._clients:
            if client.events:
                client.push(frame)

    def _snapshot_frame(self) -> bytes:
        snapshot = self.session.snapshot(SNAPSHOT_DEPTH)
        return encode_frame(snapshot_frame(snapshot, self.session.elapsed_s(), self.consoles))

    def push_snapshot(self) -> None:
        if not self._clients:
            return
        self._fanout.flush()  # the events before the state that follows them
        frame = self._snapshot_frame()
        for client in self._clients:
            client.snapshot = frame
            client.wake.set()

    async def _push_snapshots(self) -> None:
        while True:
            await asyncio.sleep(SNAPSHOT_INTERVAL_S)
            self.push_snapshot()

    # -- commands ---------------------------------------------------------------

    def execute(self, command: Command, origin: str) -> CommandResult:
        """Execute for a client (or a signal) and tell every client the outcome."""
        self._said = 0
        try:
            result = self.session.execute(command)
        except Exception as exc:  # the engine's own refusal must not end the service
            result = CommandResult(False, f"{type(exc).__name__}: {exc}")
        finally:
            said, self._said = self._said, None
        now = self.session.now_ms()
        answer = CommandAnswered(
            now, type(command).__name__, result.ok, result.message, origin, said=bool(said)
        )
        self._fanout.flush()  # what the command did, before its answer
        frame = encode_frame(event_frame(answer, now))
        for client in self._clients:
            if client.events or client.name == origin:
                client.push(frame)
        self.push_snapshot()
        return result

    def engage_kill_switch(self, source: str) -> None:
        result = self.execute(EngageKillSwitch(source), source)
        print(f"engine: kill switch from {source}: {result.message}", file=self.out, flush=True)

    # -- one client ---------------------------------------------------------------

    async def _serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._converse(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        over_tcp = sock is not None and sock.family != socket.AF_UNIX
        if not over_tcp and not self._same_user(writer):
            return self._refuse(writer, "this engine serves its own user only")
        try:
            hello = await asyncio.wait_for(read_frame(reader), HELLO_TIMEOUT_S)
        except (TimeoutError, WireError):
            return self._refuse(writer, f"expected a hello of protocol {PROTOCOL_VERSION}")
        if not isinstance(hello, Hello):
            return self._refuse(writer, f"expected a hello of protocol {PROTOCOL_VERSION}")
        if over_tcp and (self.tcp is None or not self.tcp.admits(hello.token)):
            return self._refuse(
                writer, "wrong or missing token (engine_token in the engine's secrets file)"
            )
        if hello.version != PROTOCOL_VERSION:
            return self._refuse(writer, version_refusal(hello.version))
        self._count += 1
        client = _Client(
            f"{hello.client}#{self._count}", writer, hello.events, hello.client == CONSOLE
        )
        writer.write(encode_frame(self._welcome(client.name)))
        self._clients.add(client)
        if client.console:
            self.push_snapshot()  # every console's count changes now
        else:
            client.snapshot = self._snapshot_frame()
        sender = asyncio.create_task(self._send(client))
        try:
            # Until the client goes (or is dropped): a command sent just before it
            # closed is still read and executed, though its sender ended when the
            # socket refused what it was writing back.
            while not client.dropped:
                frame = await read_frame(reader)
                if not isinstance(frame, CommandFrame):
                    return self._refuse(writer, "a client sends commands only")
                try:
                    command = read_command(frame)
                except WireError as exc:
                    return self._refuse(writer, str(exc))
                self.execute(command, client.name)
        except WireError as exc:
            self._refuse(writer, str(exc))
        finally:
            self._clients.discard(client)
            sender.cancel()
            if client.console:
                self.push_snapshot()

    async def _send(self, client: _Client) -> None:
        client.wake.set()
        with contextlib.suppress(ConnectionError):
            while not client.dropped:
                await client.wake.wait()
                client.wake.clear()
                while client.pending:
                    client.writer.write(client.pending.popleft())
                if client.snapshot is not None:
                    client.writer.write(client.snapshot)
                    client.snapshot = None
                await client.writer.drain()
        if client.dropped:
            print(f"engine: {client.name} dropped: too slow", file=self.out, flush=True)
        client.writer.close()

    def _welcome(self, name: str) -> Welcome:
        facts = self.facts
        return Welcome(
            version=PROTOCOL_VERSION,
            you=name,
            pid=os.getpid(),
            exchange=facts.exchange,
            live_orders=facts.live_orders,
            symbols=self.session.symbols,
            elapsed_key=self.session.elapsed_key,
            max_daily_loss=facts.max_daily_loss,
            notes=tuple(self.session.notes),
            settings=facts.settings,
            command=facts.command,
            cwd=facts.cwd,
            live_broker=facts.live_broker,
        )

    @staticmethod
    def _same_user(writer: asyncio.StreamWriter) -> bool:
        """The socket's mode already keeps others out; the peer's uid says so again."""
        sock = writer.get_extra_info("socket")
        if sock is None:
            return False
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size)
        _pid, uid, _gid = _PEERCRED.unpack(creds)
        return uid == os.getuid()

    @staticmethod
    def _refuse(writer: asyncio.StreamWriter, reason: str) -> None:
        writer.write(encode_frame(Refused(reason)))


def claim_socket_path(path: Path) -> None:
    """Make `path` free for a new engine: another engine still listening there is
    refused; a socket left by a dead one is removed. Raises ServicePathError."""
    ensure_private_dir(path.parent)
    check_socket_path(path)
    if not path.exists() and not path.is_symlink():
        return
    try:
        probe = open_socket(path)
    except Exception:
        path.unlink()
        return
    probe.close()
    raise ServicePathError(
        f"an engine is already running at {path}: "
        "scalp-tui attach opens a console on it, scalp-tui status describes it"
    )
