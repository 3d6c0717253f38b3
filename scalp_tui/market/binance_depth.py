"""Binance USD-M depth diffs and trades, as they come off the socket, into the
engine's book updates and trades: the venue's own sync rule, no ccxt book.

Binance's rule for a local book (USD-M: diffs carry `pu`):
- buffer the diffs from the moment the stream is subscribed; fetch a REST snapshot;
- drop the diffs with `u < lastUpdateId`; the first one applied must have
  `U <= lastUpdateId <= u` (or `pu == lastUpdateId`: the snapshot ended exactly on the
  diff before it, which ccxt accepts the same way);
- after it, every diff's `pu` equals the previous diff's `u`; otherwise a diff was
  lost, the book is wrong and must be rebuilt from a new snapshot.

`DepthSync` holds that state for one symbol and turns what arrives into BookUpdates:
the snapshot whole (snapshot=True, every level the venue sent), then each diff as the
levels it changed (quantity 0 removes a level), as a replay of a recording does.
Sizes are in base units: a USD-M contract is one unit of the base asset.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from scalp_tui.engine.protocol import BookUpdate, FlatLevels, Level, Side, TradeTick
from scalp_tui.market.binance_frames import bridges, numeric_depth

PENDING_DIFFS = 2_000  # diffs held while a snapshot is fetched: minutes at 100 ms
DEPTH_FRAME = '{"e":"depthUpdate"'  # how Binance's depth diffs begin on the socket


def parse_depth(text: str) -> dict | None:
    """A depth diff as it came off the socket, parsed as a replay parses a recorded
    one: its levels become floats inside the JSON parser, one flat list a side
    (FlatLevels), instead of a list of two strings per level. None when
    the frame is not in that exact shape: it is then parsed as any other message."""
    return numeric_depth(text.encode())


def levels(raw: Any) -> tuple[Level, ...]:
    """A side's levels as (price, qty) floats: from the flat numbers parse_depth
    left, or from `[["price", "qty"], ...]` strings (as Binance sends them)."""
    if type(raw) is FlatLevels:
        numbers = iter(raw.flat)
        return tuple(zip(numbers, numbers, strict=False))  # paired in C: an even count
    return tuple([(float(p), float(q)) for p, q in raw])


@dataclass(frozen=True, slots=True)
class Gap:
    """The chain broke: `reason` says where; the book must be rebuilt."""

    reason: str


@dataclass(frozen=True, slots=True)
class StaleSnapshot:
    """The snapshot ends before the oldest diff held: a newer one is needed."""

    reason: str


class DepthSync:
    """One symbol's book sync: diffs held until a snapshot, then the first diff must
    bridge the snapshot and every later one continue the `pu` chain.

    The snapshot is the book at its `lastUpdateId`, so it is handed over at once
    (diffs older than it are already in it); a held diff newer than it that does
    not bridge it means the snapshot is too old, and a newer one is needed."""

    __slots__ = ("anchor", "last_u", "pending", "symbol")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.last_u: int | None = None  # the `u` of the last diff applied
        self.anchor: int | None = None  # the snapshot's id, until a diff bridges it
        self.pending: deque[dict] = deque(maxlen=PENDING_DIFFS)

    @property
    def live(self) -> bool:
        """The engine has this book (from a snapshot, maybe with diffs on it)."""
        return self.last_u is not None or self.anchor is not None

    def restart(self) -> None:
        """Forget the book (a new subscription or a gap): hold diffs for a snapshot."""
        self.last_u = self.anchor = None
        self.pending.clear()

    def on_diff(self, data: dict, ts_ms: int) -> list[BookUpdate] | Gap:
        """The update a diff makes (none while it waits for a snapshot, or for one
        older than the snapshot), or the gap it reveals."""
        last_u = self.last_u
        if last_u is not None:
            if data["pu"] != last_u:
                self.restart()
                self.pending.append(data)
                return Gap(f"sequence gap (pu {data['pu']} after u {last_u})")
            self.last_u = data["u"]
            return [self._update(data, ts_ms)]
        anchor = self.anchor
        if anchor is None:
            self.pending.append(data)
            return []
        if data["u"] < anchor:
            return []  # already in the snapshot
        if not bridges(data, anchor):
            self.restart()
            self.pending.append(data)
            return Gap(f"sequence gap (diff {data['U']}..{data['u']} after snapshot {anchor})")
        self.anchor, self.last_u = None, data["u"]
        return [self._update(data, ts_ms)]

    def on_snapshot(self, snapshot: dict, ts_ms: int) -> list[BookUpdate] | Gap | StaleSnapshot:
        """A REST depth answer (`lastUpdateId`, `bids`, `asks`): the book from it and
        the held diffs that follow it; or why it can't be used."""
        snapshot_id = int(snapshot["lastUpdateId"])
        pending = self.pending
        while pending and pending[0]["u"] < snapshot_id:
            pending.popleft()  # already in the snapshot
        if pending and not bridges(pending[0], snapshot_id):
            first = pending[0]
            return StaleSnapshot(
                f"snapshot {snapshot_id} ends before the held diffs ({first['U']}..{first['u']})"
            )
        held = list(pending)
        pending.clear()
        self.last_u, self.anchor = None, snapshot_id
        updates = [
            BookUpdate(
                self.symbol,
                ts_ms,
                levels(snapshot["bids"]),
                levels(snapshot["asks"]),
                snapshot=True,
                update_id=snapshot_id,
            )
        ]
        for i, data in enumerate(held):
            result = self.on_diff(data, ts_ms)
            if type(result) is Gap:  # a diff lost among those held
                self.pending.extend(held[i + 1 :])
                return result
            updates += result  # type: ignore[arg-type]
        return updates

    def _update(self, data: dict, ts_ms: int) -> BookUpdate:
        stamp = data.get("E")
        return BookUpdate(
            self.symbol,
            ts_ms,
            levels(data["b"]),
            levels(data["a"]),
            update_id=data["u"],
            venue_ts_ms=stamp if type(stamp) is int and stamp > 0 else None,
        )


def trade_tick(symbol: str, data: dict, now_ms: int) -> TradeTick:
    """A `trade` frame: `m` true means the buyer was the maker, so the taker sold."""
    stamp = data.get("T") or data.get("E")
    return TradeTick(
        symbol,
        int(stamp) if stamp else now_ms,
        float(data["p"]),
        float(data["q"]),
        Side.SELL if data.get("m") else Side.BUY,
    )
