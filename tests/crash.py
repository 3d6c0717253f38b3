"""Killing the real process and reading what it left behind in its journal."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scalp_tui.store.intent_log import logged_rows


def read(path: Path, query: str, *params: Any) -> list[tuple]:
    """A read-only look at a journal another process may be writing."""
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(query, params).fetchall()
    except sqlite3.OperationalError as exc:  # the schema is not there yet
        if "no such table" in str(exc):
            return []
        raise
    finally:
        conn.close()


def latest_rows(path: Path, table: str) -> dict[int, tuple[bool, str]]:
    """(open, body) of each row of `table` ("positions" or "orders") as a restart reads
    them: SQLite's, or the intent log's where it holds a later state."""
    rows = read(path, f"SELECT id, seq, open, body FROM {table}")
    latest = {rid: (seq or 0, bool(is_open), body) for rid, seq, is_open, body in rows}
    for rid, (seq, _venue, is_open, body, _ts) in logged_rows(path, table).items():
        if rid not in latest or latest[rid][0] < seq:
            latest[rid] = (seq, is_open, body)
    return {rid: (is_open, body) for rid, (_seq, is_open, body) in latest.items()}


def open_positions(path: Path, with_unfilled: bool = False) -> dict[int, dict[str, Any]]:
    """Positions the journal holds open: with something filled (what a paper restart
    brings back), or also those whose entry was sent and not yet heard of (a live
    restart asks the exchange about them). Read as a restart reads them, the intent
    log included."""
    found = {}
    for is_open, body in latest_rows(path, "positions").values():
        record = json.loads(body)
        if is_open and (with_unfilled or record["qty"] > 0):
            found[record["id"]] = record
    return found


def open_orders(path: Path) -> list[dict[str, Any]]:
    """Orders the journal holds working, the intent log included."""
    return [json.loads(body) for is_open, body in latest_rows(path, "orders").values() if is_open]


def last_event_id(path: Path) -> int:
    rows = read(path, "SELECT coalesce(max(id), 0) FROM events")
    return rows[0][0] if rows else 0  # no journal, or its tables not created yet


def events_since(path: Path, after_id: int, kind: str) -> list[dict[str, Any]]:
    rows = read(
        path, "SELECT body FROM events WHERE id > ? AND kind = ? ORDER BY id", after_id, kind
    )
    return [json.loads(body) for (body,) in rows]


def closed_ids(path: Path) -> list[int]:
    """Position ids in the trades table, one per close (duplicates would repeat)."""
    return [pid for (pid,) in read(path, "SELECT position_id FROM trades")]


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def fill_the_disk(conn: sqlite3.Connection) -> None:
    """SQLite's own "database or disk is full": no page may be added, and the free
    room left in every table's pages is taken (filler rows: closed, negative ids)."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    filler = {
        "events": "INSERT INTO events (ts_ms, kind, body) VALUES (0, 'x', ?)",
        "positions": "INSERT INTO positions VALUES (?, 'x', 'x', 0, 0, 0, ?)",
        "orders": "INSERT INTO orders VALUES (?, 'x', 'x', 0, 0, 0, ?)",
    }
    next_id = -1
    for table, sql in filler.items():
        for size in (4000, 1000, 100, 10, 1):
            try:
                while True:
                    with conn:
                        if table == "events":
                            conn.execute(sql, ("x" * size,))
                        else:
                            conn.execute(sql, (next_id, "x" * size))
                    next_id -= 1
            except sqlite3.OperationalError as exc:
                assert "full" in str(exc), (table, exc)
