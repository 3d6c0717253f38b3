"""The intent log: an append-only file beside the journal that makes an intent safe
from a crash with one write, before its order is sent.

Committing the intent to SQLite on the order path cost a quarter of a millisecond at
best and several when the writer thread held the database for a batch. A line
appended to this file (one `write` call, no lock shared with the writer) survives
the process dying just as a WAL commit with `synchronous=NORMAL` does: both are in
the operating system's hands once the call returns, neither survives a power cut.
The writer thread commits the same state to SQLite with its next batch; once
everything buffered is written the file is emptied. On open, the journal applies
whatever the file still holds (the rows carry their `seq`, and a row never takes an
older state back, so applying one twice changes nothing), then empties it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import msgspec

from scalp_tui.store.schema import upsert_sql

INSERT_INTENT = "INSERT INTO intents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
PRIVATE_FILE = 0o600

# the only statements an intent is made of, by the name they are logged under: the
# file holds data, never SQL
STATEMENTS: dict[str, str] = {
    "intent": INSERT_INTENT,
    "orders": upsert_sql("orders", "VALUES (?, ?, ?, ?, ?, ?, ?)"),
    "positions": upsert_sql("positions", "VALUES (?, ?, ?, ?, ?, ?, ?)"),
}
_NAMES = {sql: name for name, sql in STATEMENTS.items()}
LINE = msgspec.json.Encoder()


def intent_log_path(journal: Path) -> Path:
    return journal.with_name(journal.name + ".intents")


class IntentLog:
    """Appends intents for the journal at `journal` (whose lock the caller holds)."""

    def __init__(self, journal: Path) -> None:
        self.path = intent_log_path(journal)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        self._fd = os.open(self.path, flags, PRIVATE_FILE)
        self._dirty = os.fstat(self._fd).st_size > 0

    def append(self, seq: int, statements: list[tuple[str, tuple[Any, ...]]]) -> str | None:
        """Write one intent; the error line if it could not be written whole."""
        entries = [[_NAMES[sql], params] for sql, params in statements]
        line = LINE.encode([seq, entries]) + b"\n"
        try:
            written = os.write(self._fd, line)
            while written < len(line):  # a short write: the rest follows, in order
                written += os.write(self._fd, line[written:])
        except OSError as exc:
            return f"journal write failed ({exc.strerror or exc})"
        self._dirty = True
        return None

    def clear(self) -> None:
        """Everything logged is in SQLite now."""
        if self._dirty:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
                self._dirty = False

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)


def logged_intents(journal: Path) -> list[list[tuple[str, tuple[Any, ...]]]]:
    """The statements of each intent the log beside `journal` holds. A line cut short
    (the machine, not the process, went down while writing it) is skipped: its order
    was never sent."""
    try:
        data = intent_log_path(journal).read_bytes()
    except FileNotFoundError:
        return []
    intents = []
    for raw in data.splitlines():
        try:
            _seq, entries = json.loads(raw)
            statements = [(STATEMENTS[name], tuple(params)) for name, params in entries]
        except (ValueError, TypeError, KeyError):
            continue
        intents.append(statements)
    return intents


def logged_positions(journal: Path) -> dict[int, tuple[int, str, bool, str, int]]:
    """The latest position row each logged intent carries, by id: (seq, venue, open,
    body, ts_ms); for a reader that must not write (a row in SQLite with a later seq
    is newer)."""
    found: dict[int, tuple[int, str, bool, str, int]] = {}
    for statements in logged_intents(journal):
        for sql, params in statements:
            if sql == INSERT_INTENT and params[4] is not None:
                _seq, venue, _session, ts_ms, pid, seq, is_open, body = params[:8]
            elif sql == STATEMENTS["positions"]:
                pid, venue, _session, is_open, ts_ms, seq, body = params
            else:
                continue
            if pid not in found or found[pid][0] < seq:
                found[pid] = (seq, venue, bool(is_open), body, ts_ms)
    return found


def apply_intent_log(conn: sqlite3.Connection, journal: Path) -> int:
    """Commit what the intent log beside `journal` holds, then empty it (the
    journal's owner only). The number of intents applied."""
    path = intent_log_path(journal)
    intents = logged_intents(journal)
    if intents:
        conn.execute("BEGIN")
        for statements in intents:
            for sql, params in statements:
                conn.execute(sql, params)
        conn.execute("COMMIT")
    with contextlib.suppress(OSError):
        os.truncate(path, 0)
    return len(intents)
