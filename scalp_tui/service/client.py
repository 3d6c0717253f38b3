"""A connection to the running engine: the hello, then frames both ways.

`connect` is what `kill`, `status` and an attached console start with. Every way it
can fail (no engine, a socket of another user, another protocol version, an engine
that does not answer) is a ServiceError whose str() is the one line to print.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from pathlib import Path

from scalp_tui.engine.protocol import Command
from scalp_tui.engine.protocol.wire import (
    HEADER,
    PROTOCOL_VERSION,
    Frame,
    Hello,
    Refused,
    Welcome,
    WireError,
    command_frame,
    decode_frame,
    encode_frame,
    frame_length,
)

HANDSHAKE_TIMEOUT_S = 5.0
TCP_HOST = "127.0.0.1"


class ServiceError(Exception):
    """The engine cannot be reached or refused us: str() is one line."""


async def read_frame(reader: asyncio.StreamReader) -> Frame:
    """The next frame. Raises IncompleteReadError at the end of the stream, WireError
    for bytes that are not the protocol."""
    header = await reader.readexactly(HEADER.size)
    return decode_frame(await reader.readexactly(frame_length(header)))


def no_engine(path: Path) -> ServiceError:
    return ServiceError(
        f"no engine is running (nothing answers at {path}); start one with: scalp-tui engine"
    )


def open_socket(path: Path) -> socket.socket:
    """A blocking connection to the engine's socket. Raises ServiceError."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        raise no_engine(path) from None
    except PermissionError:
        sock.close()
        raise ServiceError(f"{path} is not yours: permission denied") from None
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.ENOTSOCK, errno.ENOTDIR):
            raise no_engine(path) from None
        raise ServiceError(f"cannot reach the engine at {path}: {exc.strerror}") from None
    return sock


CLOSE_TIMEOUT_S = 2.0


class Connection:
    """One client's link to the engine after the hello."""

    def __init__(
        self, welcome: Welcome, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.welcome = welcome
        self.reader = reader
        self.writer = writer
        self._next_id = 0

    async def read(self) -> Frame:
        return await read_frame(self.reader)

    def send(self, command: Command) -> int:
        """Send without waiting: the answer comes back as a CommandAnswered event."""
        self._next_id += 1
        self.writer.write(encode_frame(command_frame(self._next_id, command)))
        return self._next_id

    async def close(self) -> None:
        """Say nothing more, let the engine read what was sent, then close. Closing at
        once could lose a command just sent: the engine's next write to a closed
        socket fails, and a failed write ends its side before it reads the command."""
        with contextlib.suppress(OSError, RuntimeError, TimeoutError, asyncio.CancelledError):
            if self.writer.can_write_eof() and not self.writer.is_closing():
                self.writer.write_eof()
                # the engine closes once it has read everything: EOF here
                await asyncio.wait_for(self._drain_until_closed(), CLOSE_TIMEOUT_S)
        self.writer.close()
        with contextlib.suppress(OSError, asyncio.CancelledError):
            await self.writer.wait_closed()

    async def _drain_until_closed(self) -> None:
        while await self.reader.read(65536):
            pass


async def connect(
    path: Path | int, client: str, events: bool = True, token: str = ""
) -> Connection:
    """Connect and say hello: to the Unix socket at `path`, or to a TCP port on
    127.0.0.1 (`token`: its engine_token). Raises ServiceError."""
    if isinstance(path, int):
        try:
            reader, writer = await asyncio.open_connection(TCP_HOST, path)
        except OSError:
            raise ServiceError(f"no engine answers on {TCP_HOST}:{path}") from None
    else:
        reader, writer = await asyncio.open_unix_connection(sock=open_socket(path))
    writer.write(encode_frame(Hello(PROTOCOL_VERSION, client, events, token)))
    try:
        answer = await asyncio.wait_for(read_frame(reader), HANDSHAKE_TIMEOUT_S)
    except TimeoutError:
        writer.close()
        raise ServiceError(
            f"the engine at {path} did not answer within {HANDSHAKE_TIMEOUT_S:g} s"
        ) from None
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
        raise ServiceError(f"the engine at {path} closed the connection") from None
    except WireError as exc:
        writer.close()
        raise ServiceError(f"the engine at {path} speaks something else: {exc}") from None
    if isinstance(answer, Refused):
        writer.close()
        raise ServiceError(f"the engine refused this client: {answer.reason}")
    if not isinstance(answer, Welcome) or answer.version != PROTOCOL_VERSION:
        writer.close()
        raise ServiceError(f"the engine at {path} answered with something other than a welcome")
    return Connection(answer, reader, writer)
