"""The wire protocol: every Command, Event and the Snapshot cross it unchanged, typed;
frames that are not the protocol are refused with one line."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import hashlib
import json
import types
from typing import Any, Union, get_args, get_origin, get_type_hints

import msgspec
import pytest

from scalp_tui.config import load_config
from scalp_tui.engine.protocol import EngageKillSwitch, Event, Snapshot, wire
from scalp_tui.runtime.session import Session


def sample(kind: Any) -> Any:
    """A value of `kind` with every field set away from its default."""
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        return sample(next(a for a in get_args(kind) if a is not type(None)))
    if origin is tuple:
        args = get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return (sample(args[0]), sample(args[0]))
        return tuple(sample(a) for a in args)
    if origin is dict:
        return {"entries": 3, "exits": {"kill_switch": 1}}
    if dataclasses.is_dataclass(kind):
        hints = get_type_hints(kind)
        return kind(**{f.name: sample(hints[f.name]) for f in dataclasses.fields(kind)})
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return list(kind)[-1]
    return {bool: True, int: 7, float: 1.25, str: "BTC/USDT:USDT"}[kind]


def through_the_wire(frame: wire.Frame) -> wire.Frame:
    data = wire.encode_frame(frame)
    assert wire.frame_length(data[:4]) == len(data) - 4
    return wire.decode_frame(data[4:])


@pytest.mark.parametrize("name", sorted(wire.COMMAND_TYPES))
def test_every_command_round_trips(name: str) -> None:
    command = sample(wire.COMMAND_TYPES[name])
    back = through_the_wire(wire.command_frame(41, command))
    assert isinstance(back, wire.CommandFrame) and back.id == 41
    assert wire.read_command(back) == command


@pytest.mark.parametrize("name", sorted(wire.EVENT_TYPES))
def test_every_event_round_trips(name: str) -> None:
    event = sample(wire.EVENT_TYPES[name])
    back = wire.read_event(through_the_wire(wire.event_frame(event)))
    assert back == event and type(back) is type(event)


def test_every_event_type_of_the_engine_is_on_the_wire() -> None:
    assert set(wire.EVENT_TYPES.values()) == set(get_args(Event))
    assert {"EngageKillSwitch", "AcceptProposal", "ClosePosition"} <= set(wire.COMMAND_TYPES)


def test_a_snapshot_round_trips() -> None:
    snapshot = sample(Snapshot)
    back = through_the_wire(wire.snapshot_frame(snapshot, elapsed_s=12.5))
    assert wire.read_snapshot(back) == snapshot and back.elapsed_s == 12.5


def test_a_real_run_crosses_the_wire_unchanged() -> None:
    """The events and snapshot of a simulated run with trades and a kill switch."""
    settings = load_config(
        None, overrides={"mode": "auto", "short_scalp_min_volume": 1.0}, env={}
    ).settings
    session = Session.simulated(settings, seed=3, speed=0)
    events: list[Event] = []
    session.subscribe(events.append)
    session.start()
    asyncio.run(session.run(900))
    session.execute(EngageKillSwitch("test"))
    snapshot = session.snapshot(20)
    kinds = {type(e).__name__ for e in events}
    assert {"EntrySubmitted", "FillEvent", "KillSwitchChanged"} <= kinds
    for event in events:
        assert wire.read_event(through_the_wire(wire.event_frame(event))) == event
    assert wire.read_snapshot(through_the_wire(wire.snapshot_frame(snapshot))) == snapshot


def test_a_field_of_the_wrong_type_is_refused_in_one_line() -> None:
    bad = wire.CommandFrame(
        1, "ClosePosition", msgspec.Raw(msgspec.msgpack.encode({"position_id": "x"}))
    )
    with pytest.raises(wire.WireError) as caught:
        wire.read_command(through_the_wire(bad))
    assert "ClosePosition" in str(caught.value) and "\n" not in str(caught.value)


def test_a_name_outside_the_protocol_is_refused() -> None:
    bad = wire.CommandFrame(1, "FormatDisk", msgspec.Raw(msgspec.msgpack.encode({})))
    with pytest.raises(wire.WireError, match="'FormatDisk' is not a type of protocol"):
        wire.read_command(bad)


def test_garbage_and_oversized_frames_are_refused() -> None:
    with pytest.raises(wire.WireError):
        wire.decode_frame(b"\xc1\x00garbage")
    with pytest.raises(wire.WireError, match="at most"):
        wire.frame_length((wire.MAX_FRAME_BYTES + 1).to_bytes(4, "big"))


def test_the_schema_names_every_type_and_the_version() -> None:
    schema = wire.schema()
    assert schema["version"] == wire.PROTOCOL_VERSION
    for name in (*wire.COMMAND_TYPES, *wire.EVENT_TYPES, "Snapshot", "Hello", "Welcome"):
        assert name in schema["$defs"]


def signature(kind: Any, seen: dict[str, Any]) -> None:
    """Every type the wire carries, by name: its fields and their types, an enum's
    values; nested types included."""
    if get_origin(kind) is not None:
        for arg in get_args(kind):
            signature(arg, seen)
        return
    if not isinstance(kind, type) or kind.__name__ in seen:
        return
    if issubclass(kind, enum.Enum):
        seen[kind.__name__] = [m.value for m in kind]
    elif dataclasses.is_dataclass(kind) or issubclass(kind, msgspec.Struct):
        hints = get_type_hints(kind)
        fields = [(name, str(hint)) for name, hint in hints.items()]
        tag = getattr(getattr(kind, "__struct_config__", None), "tag", None)
        seen[kind.__name__] = [tag, fields]
        for hint in hints.values():
            signature(hint, seen)


# The signature of each protocol version. A console and an engine of one version must
# decode each other exactly: changing any type on the wire without a new version
# would let an old console misread a new engine.
SIGNATURES = {
    1: "89e9cf94953abec5a26179e86f97e5d4",
    # 2: proposals on the human clock with live conditions, manual entries and tags,
    # the entries state, feed health and the trade tape in the snapshot
    2: "3fd4026c4550cf0994312faa2ebbfb30",
    # 3: the welcome says whether the engine holds credentials; the hello carries a
    # token (TCP)
    3: "77a54689aa352fcf7b4b8e6857772e3c",
    # 4: moving a position's target or stop (MoveExitLevel, ExitLevelMoved); positions
    # carry the moved prices, the liquidation estimate and the reversal rule's inputs
    4: "75e8f164b18a3eb0319acc651a07745a",
    # 5: event frames carry the engine's clock when emitted, snapshot frames how many
    # consoles are attached, a command's answer whether its own events said it
    5: "038324fbc422b5ff9c5e2a46d694af2a",
}


def test_the_types_on_the_wire_change_only_with_the_version() -> None:
    seen: dict[str, Any] = {}
    signature(wire.Frame, seen)
    for kind in (*wire.COMMAND_TYPES.values(), *wire.EVENT_TYPES.values(), Snapshot):
        signature(kind, seen)
    digest = hashlib.sha256(json.dumps(seen, sort_keys=True).encode()).hexdigest()[:32]
    assert SIGNATURES.get(wire.PROTOCOL_VERSION) == digest, (
        f"the protocol's types changed (signature {digest}): bump PROTOCOL_VERSION in "
        "scalp_tui/engine/protocol/wire.py and add its signature here"
    )
