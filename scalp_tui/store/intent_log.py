"""The intent log: an append-only file beside the journal that makes an intent safe
from a crash, before its order is sent, with one copy into memory.

Committing the intent to SQLite on the order path cost a quarter of a millisecond at
best and several when the writer thread held the database for a batch. A line
copied into this file's mapping (no system call, no lock shared with the writer)
survives the process dying just as a WAL commit with `synchronous=NORMAL` does: both
are in the operating system's hands once done, neither survives a power cut. The
writer thread commits the same state to SQLite with its next batch; once everything
buffered is written, the lines are zeroed. On open, the journal applies whatever the
file still holds (the rows carry their `seq`, and a row never takes an older state
back, so applying one twice changes nothing), then zeroes it.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import sqlite3
from pathlib import Path
from typing import Any

import msgspec

from scalp_tui.store.schema import upsert_sql

INSERT_INTENT = "INSERT INTO intents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
PRIVATE_FILE = 0o600
INITIAL_CAPACITY = 256 * 1024  # some 250 intents; grows when the writer falls behind

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
    """Appends intents for the journal at `journal` (whose lock the caller holds).

    The file is mapped into memory and a line is copied into the mapping: no system
    call, so the engine's thread never gives up the interpreter to the writer thread
    in the middle of an entry (a `write` call did, and waited up to a switch interval
    to get it back). The pages are the file's own, in the operating system's page
    cache: a process killed at any moment leaves every line it finished copying. A
    line cut short by the kill is not valid JSON and is skipped on reading; its order
    was never sent. The room is allocated on disk beforehand, so a full disk can
    never fault a copy into the mapping: it refuses the growth instead.
    """

    def __init__(self, journal: Path) -> None:
        self.path = intent_log_path(journal)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
        try:
            size = os.fstat(self._fd).st_size
            data = os.pread(self._fd, size, 0) if size else b""
            self._end = len(data.split(b"\0", 1)[0])  # after the last line written
            self._capacity = max(INITIAL_CAPACITY, size)
            os.posix_fallocate(self._fd, 0, self._capacity)
            self._map = mmap.mmap(self._fd, self._capacity)
        except OSError:
            os.close(self._fd)
            raise

    def append(self, seq: int, statements: list[tuple[str, tuple[Any, ...]]]) -> str | None:
        """Write one intent; the error line if it could not be written whole."""
        entries = [[_NAMES[sql], params] for sql, params in statements]
        line = LINE.encode([seq, entries]) + b"\n"
        end = self._end + len(line)
        if end > self._capacity:
            failure = self._grow(end)
            if failure is not None:
                return failure
        self._map[self._end : end] = line
        self._end = end
        return None

    def _grow(self, needed: int) -> str | None:
        capacity = max(2 * self._capacity, needed)
        try:
            os.posix_fallocate(self._fd, 0, capacity)  # on disk first: never a fault
            self._map.resize(capacity)
        except (OSError, ValueError, SystemError) as exc:
            return f"journal write failed (intent log: {getattr(exc, 'strerror', None) or exc})"
        self._capacity = capacity
        return None

    def clear(self) -> None:
        """Everything logged is in SQLite now."""
        if self._end:
            self._map[: self._end] = bytes(self._end)
            self._end = 0

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError, BufferError):
            self._map.close()
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
    for raw in data.split(b"\0", 1)[0].splitlines():  # the room after the lines is zeros
        try:
            _seq, entries = json.loads(raw)
            statements = [(STATEMENTS[name], tuple(params)) for name, params in entries]
        except (ValueError, TypeError, KeyError):
            continue
        intents.append(statements)
    return intents


def logged_rows(journal: Path, table: str) -> dict[int, tuple[int, str, bool, str, int]]:
    """The latest row of `table` ("positions" or "orders") each logged intent carries,
    by id: (seq, venue, open, body, ts_ms); for a reader that must not write (a row in
    SQLite with a later seq is newer)."""
    found: dict[int, tuple[int, str, bool, str, int]] = {}
    for statements in logged_intents(journal):
        for sql, params in statements:
            if sql == INSERT_INTENT:
                intent_seq, venue, _session, ts_ms, pid, pseq, p_open, p_body = params[:8]
                oid, o_open, o_body = params[8:]
                if table == "positions" and pid is not None:
                    row_id, seq, is_open, body = pid, pseq, p_open, p_body
                elif table == "orders":
                    row_id, seq, is_open, body = oid, intent_seq, o_open, o_body
                else:
                    continue
            elif sql == STATEMENTS[table]:
                row_id, venue, _session, is_open, ts_ms, seq, body = params
            else:
                continue
            if row_id not in found or found[row_id][0] < seq:
                found[row_id] = (seq, venue, bool(is_open), body, ts_ms)
    return found


def logged_positions(journal: Path) -> dict[int, tuple[int, str, bool, str, int]]:
    return logged_rows(journal, "positions")


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
    if intents:
        with contextlib.suppress(FileNotFoundError), path.open("r+b") as log:
            log.write(bytes(path.stat().st_size))  # zeros: room kept for the next run
    return len(intents)
