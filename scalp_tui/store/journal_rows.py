"""The SQL statements that journal an event: its event row and the state rows a
restart reads (positions, orders, closed trades)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from scalp_tui.engine.protocol import (
    EntrySubmitted,
    Event,
    ExitTriggered,
    OrderStatus,
    OrderUpdated,
    PositionClosed,
    PositionSaved,
    PositionState,
    StopPlaced,
)
from scalp_tui.store.schema import upsert_sql

ORDER_STATES = (EntrySubmitted, ExitTriggered, StopPlaced, OrderUpdated)  # carry an order
DONE = tuple(s for s in OrderStatus if s.done)
Statement = tuple[str, tuple[Any, ...]]

_FIELDS: dict[type, tuple[str, ...]] = {}


def plain(item: Any) -> Any:
    """JSON-ready data of a protocol value. `dataclasses.asdict` deep-copies every
    leaf, which made it most of the cost of writing an intent on the order path."""
    kind = type(item)
    names = _FIELDS.get(kind)
    if names is None:
        if kind is tuple or kind is list:
            return [plain(x) for x in item]
        if kind is dict:
            return {k: plain(v) for k, v in item.items()}
        if not is_dataclass(kind):
            return item  # str (enums too), numbers, None
        names = _FIELDS[kind] = tuple(f.name for f in fields(kind))
    return {name: plain(getattr(item, name)) for name in names}


@dataclass(frozen=True, slots=True)
class Rows:
    """Statements for the events of one run (`session`) on one venue."""

    venue: str
    session: str

    def event(self, seq: int, event: Event) -> list[Statement]:
        body = plain(event)
        body["type"] = type(event).__name__
        row = (event.ts_ms, type(event).__name__, seq, json.dumps(body))
        return [
            ("INSERT INTO events (ts_ms, kind, seq, body) VALUES (?, ?, ?, ?)", row),
            *self.state(seq, event),
        ]

    def state(self, seq: int, event: Event) -> list[Statement]:
        """The rows a restart reads: positions, orders, closed trades."""
        if isinstance(event, PositionSaved):
            record = event.record
            is_open = record.state is not PositionState.CLOSED
            return [self.upsert("positions", record.id, is_open, record, event.ts_ms, seq)]
        if isinstance(event, ORDER_STATES):
            order = event.order
            if order is None:
                return []
            is_open = order.status not in DONE
            return [self.upsert("orders", order.id, is_open, order, event.ts_ms, seq)]
        if isinstance(event, PositionClosed):
            p = event.position
            reason = p.exit_reason.value if p.exit_reason else None
            return [
                ("UPDATE positions SET open = 0, seq = max(seq, ?) WHERE id = ?", (seq, p.id)),
                (
                    "INSERT OR REPLACE INTO trades VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        p.id,
                        self.session,
                        p.symbol,
                        p.broker,
                        p.qty,
                        p.entry_price,
                        p.exit_price,
                        p.opened_ms,
                        event.ts_ms,
                        reason,
                        p.realised_pnl,
                        p.fees,
                    ),
                ),
            ]
        return []

    def upsert(
        self, table: str, id_: int, is_open: bool, item: Any, ts_ms: int, seq: int
    ) -> Statement:
        """The row of `id_` becomes this state unless a later one is there already."""
        return (
            upsert_sql(table, "VALUES (?, ?, ?, ?, ?, ?, ?)"),
            (id_, self.venue, self.session, int(is_open), ts_ms, seq, json.dumps(plain(item))),
        )
