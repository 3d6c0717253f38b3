"""The protocol on the wire: the engine's own Commands, Events and Snapshots between
processes, each checked against its type by msgspec on the way in.

A connection is a stream of frames, each a 4-byte big-endian length and a MessagePack
body. The first frame is the client's `Hello` naming the protocol version it speaks;
the engine answers `Welcome` or `Refused` (another version: one line saying both). A
payload travels as its type's name plus its own encoding, and is decoded with that
type's decoder: a field of the wrong type or a name outside the protocol is refused,
never guessed at.
"""

from __future__ import annotations

import struct
from typing import Any, get_args

import msgspec

from scalp_tui.engine.protocol.commands import Command
from scalp_tui.engine.protocol.events import Event
from scalp_tui.engine.protocol.snapshot import Snapshot

# Bump on any change to a frame or to a Command, Event or Snapshot type.
PROTOCOL_VERSION = 5
# a snapshot of 100 symbols at depth 20 is well under 1 MiB; past this it is garbage
MAX_FRAME_BYTES = 16 * 1024 * 1024
HEADER = struct.Struct(">I")


class WireError(Exception):
    """A frame that is not the protocol: str() is one line."""


class Hello(msgspec.Struct, tag="hello", tag_field="kind"):
    version: int
    client: str  # what the client is: "console", "kill", "status"
    events: bool = True  # False: a one-shot client that wants no event stream
    # the engine's TCP token (secrets file); the Unix socket checks the peer's uid instead
    token: str = ""


class Welcome(msgspec.Struct, tag="welcome", tag_field="kind"):
    version: int
    you: str  # this client's name in the engine's answers: "console#3"
    pid: int
    exchange: str
    live_orders: bool  # started with --live: real orders may be sent
    symbols: tuple[str, ...]
    elapsed_key: str
    max_daily_loss: float
    notes: tuple[str, ...] = ()
    # the engine's settings without its secrets: what an attached console shows
    settings: dict[str, Any] = {}
    # how to start this engine again (a console offers it when the engine is lost)
    command: tuple[str, ...] = ()
    cwd: str = ""
    # the engine holds credentials for its exchange: a trader's typed LIVE in a
    # console can route new entries there (the credentials never leave the engine)
    live_broker: bool = False


class Refused(msgspec.Struct, tag="refused", tag_field="kind"):
    reason: str


class CommandFrame(msgspec.Struct, tag="command", tag_field="kind"):
    id: int
    name: str
    body: msgspec.Raw


class EventFrame(msgspec.Struct, tag="event", tag_field="kind"):
    name: str
    body: msgspec.Raw
    # the engine's clock when it emitted the event: what every log line is stamped
    # with (a fill's own time is its book's, which can be older than the line before)
    at_ms: int = 0


class SnapshotFrame(msgspec.Struct, tag="snapshot", tag_field="kind"):
    body: msgspec.Raw
    elapsed_s: float = 0.0
    # consoles attached now (this one included): a console that quits while others
    # are attached only detaches
    consoles: int = 0


Frame = Hello | Welcome | Refused | CommandFrame | EventFrame | SnapshotFrame

COMMAND_TYPES: dict[str, type[Any]] = {t.__name__: t for t in get_args(Command)}
EVENT_TYPES: dict[str, type[Any]] = {t.__name__: t for t in get_args(Event)}

_encoder = msgspec.msgpack.Encoder()
_frame_decoder = msgspec.msgpack.Decoder(Frame)
_decoders: dict[type[Any], msgspec.msgpack.Decoder[Any]] = {
    t: msgspec.msgpack.Decoder(t) for t in (*COMMAND_TYPES.values(), *EVENT_TYPES.values())
}
_decoders[Snapshot] = msgspec.msgpack.Decoder(Snapshot)


def encode_frame(frame: Frame) -> bytes:
    """The frame with its length prefix, ready to write."""
    body = _encoder.encode(frame)
    return HEADER.pack(len(body)) + body


def decode_frame(body: bytes) -> Frame:
    """A frame's body (without its length prefix). Raises WireError."""
    try:
        return _frame_decoder.decode(body)
    except msgspec.DecodeError as exc:
        raise WireError(f"not a frame of protocol {PROTOCOL_VERSION}: {exc}") from None


def frame_length(header: bytes) -> int:
    """The body length a 4-byte header announces. Raises WireError past the cap."""
    (length,) = HEADER.unpack(header)
    if length > MAX_FRAME_BYTES:
        raise WireError(f"a frame of {length} bytes (at most {MAX_FRAME_BYTES})")
    return length


def command_frame(request_id: int, command: Command) -> CommandFrame:
    return CommandFrame(request_id, type(command).__name__, msgspec.Raw(_encoder.encode(command)))


def event_frame(event: Event, at_ms: int = 0) -> EventFrame:
    return EventFrame(type(event).__name__, msgspec.Raw(_encoder.encode(event)), at_ms)


def snapshot_frame(snapshot: Snapshot, elapsed_s: float = 0.0, consoles: int = 0) -> SnapshotFrame:
    return SnapshotFrame(msgspec.Raw(_encoder.encode(snapshot)), elapsed_s, consoles)


def read_command(frame: CommandFrame) -> Command:
    return _payload(COMMAND_TYPES, frame.name, frame.body)


def read_event(frame: EventFrame) -> Event:
    return _payload(EVENT_TYPES, frame.name, frame.body)


def read_snapshot(frame: SnapshotFrame) -> Snapshot:
    return _decode(Snapshot, frame.body)


def version_refusal(client_version: int) -> str:
    """The one line a client of another protocol version is refused with."""
    return (
        f"protocol version {client_version} is not this engine's ({PROTOCOL_VERSION}): "
        "use the scalp-tui that started the engine, or restart the engine with this one"
    )


def schema() -> dict[str, Any]:
    """The JSON Schema of every frame and payload type (docs/engine-service.md)."""
    types = (Frame, *COMMAND_TYPES.values(), *EVENT_TYPES.values(), Snapshot)
    schemas, components = msgspec.json.schema_components(types)
    return {"version": PROTOCOL_VERSION, "types": schemas, "$defs": components}


def _payload(types: dict[str, type[Any]], name: str, body: msgspec.Raw) -> Any:
    kind = types.get(name)
    if kind is None:
        raise WireError(f"{name!r} is not a type of protocol {PROTOCOL_VERSION}")
    return _decode(kind, body)


def _decode(kind: type[Any], body: msgspec.Raw) -> Any:
    try:
        return _decoders[kind].decode(body)
    except msgspec.DecodeError as exc:
        raise WireError(f"a {kind.__name__} that does not fit its type: {exc}") from None
