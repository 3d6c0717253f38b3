"""Reading the journal from outside a run: closed trades and open positions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scalp_tui.engine.protocol import PositionRecord
from scalp_tui.store.intent_log import logged_positions
from scalp_tui.store.journal_file import open_checked


@dataclass(frozen=True)
class TradeRow:
    symbol: str
    broker: str
    qty: float
    entry_price: float
    exit_price: float | None
    opened_ms: int | None
    closed_ms: int
    exit_reason: str | None
    pnl: float | None
    fees: float | None


@dataclass(frozen=True)
class OpenRow:
    venue: str
    record: PositionRecord
    updated_ms: int


def read_open_positions(path: Path, symbol: str | None = None) -> list[OpenRow]:
    """Positions the journal holds open, on every venue (what the next start restores),
    with the intents not yet in SQLite (a crashed run's, or a running engine's last
    few milliseconds') read from the intent log."""
    if not path.exists():
        return []
    conn = open_checked(path)
    try:
        rows = conn.execute("SELECT id, seq, venue, open, body, updated_ms FROM positions")
        latest = {pid: (seq or 0, venue, bool(o), body, u) for pid, seq, venue, o, body, u in rows}
    finally:
        conn.close()
    for pid, logged in logged_positions(path).items():
        if pid not in latest or latest[pid][0] < logged[0]:
            latest[pid] = logged
    found = [
        OpenRow(venue, PositionRecord.from_dict(json.loads(body)), updated)
        for _pid, (_seq, venue, is_open, body, updated) in sorted(latest.items())
        if is_open
    ]
    return [r for r in found if symbol is None or r.record.symbol == symbol]


def read_trades(
    path: Path, since_ms: int | None = None, symbol: str | None = None
) -> list[TradeRow]:
    if not path.exists():
        return []
    conn = open_checked(path)
    try:
        query = (
            "SELECT symbol, broker, qty, entry_price, exit_price, opened_ms, closed_ms,"
            " exit_reason, pnl, fees FROM trades WHERE 1=1"
        )
        params: list[Any] = []
        if since_ms is not None:
            query += " AND closed_ms >= ?"
            params.append(since_ms)
        if symbol is not None:
            query += " AND symbol = ?"
            params.append(symbol)
        rows = conn.execute(query + " ORDER BY closed_ms", params).fetchall()
    finally:
        conn.close()
    return [TradeRow(*row) for row in rows]
