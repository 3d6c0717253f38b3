"""The journal: every engine event in SQLite (WAL), written off the event loop.

Opening checks the file before anything is written: a file that is not a journal,
a corrupt one, one locked by another process, or one from a newer version of the
console gives one clear line (`JournalError`) and is never overwritten. Events are
queued by the engine's thread and written by a writer thread in small batches.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scalp_tui.engine.protocol import Event, KillSwitchChanged, PositionClosed, to_dict

SCHEMA_VERSION = 1
APPLICATION_ID = 0x5C4170  # "scalp" marker in the SQLite header
MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        ts_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX events_kind ON events(kind, ts_ms);
    CREATE TABLE trades (
        position_id INTEGER NOT NULL,
        session TEXT NOT NULL,
        symbol TEXT NOT NULL,
        broker TEXT NOT NULL,
        qty REAL NOT NULL,
        entry_price REAL NOT NULL,
        exit_price REAL,
        opened_ms INTEGER,
        closed_ms INTEGER NOT NULL,
        exit_reason TEXT,
        pnl REAL,
        fees REAL,
        PRIMARY KEY (session, position_id)
    );
    CREATE INDEX trades_closed ON trades(closed_ms);
    """,
}


class JournalError(Exception):
    """One line for the user; the CLI exits with code 2."""


def default_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("scalp-tui") / "journal.sqlite"


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


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(path, timeout=0.5, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            raise JournalError(f"{path}: the journal is locked by another process") from None
        raise JournalError(f"{path}: cannot open the journal ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"{path}: not a journal or corrupt ({exc}); left untouched") from None


def open_checked(path: Path) -> sqlite3.Connection:
    """A connection to a journal at `path`, created or migrated; never clobbers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists() and path.stat().st_size > 0
    conn = _connect(path)
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if existed and app_id != APPLICATION_ID:
            raise JournalError(f"{path}: not a scalp-tui journal; left untouched")
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"{path}: written by a newer scalp-tui (schema {version}, this one reads "
                f"{SCHEMA_VERSION}); left untouched"
            )
        if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise JournalError(f"{path}: the journal is corrupt; left untouched")
        with conn:
            conn.execute("BEGIN IMMEDIATE")  # fails at once if another writer holds it
            for step in range(version + 1, SCHEMA_VERSION + 1):
                conn.executescript(MIGRATIONS[step])
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except sqlite3.OperationalError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise JournalError(f"{path}: the journal is locked by another process") from None
        raise JournalError(f"{path}: cannot use the journal ({exc})") from None
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise JournalError(f"{path}: not a journal or corrupt ({exc}); left untouched") from None
    except JournalError:
        conn.close()
        raise
    return conn


class Journal:
    """Writes engine events from a queue on a thread of its own."""

    def __init__(self, path: Path, session: str) -> None:
        self.path = path
        self.session = session
        self._conn = open_checked(path)
        self._queue: queue.Queue[Event | None] = queue.Queue()
        self.error: str | None = None  # set when writing failed (disk full, ...)
        self._thread = threading.Thread(target=self._write_loop, name="journal", daemon=True)
        self._thread.start()

    def kill_switch_latched(self) -> bool:
        """Whether the last kill-switch event journaled (any earlier run) engaged it."""
        row = self._conn.execute(
            "SELECT body FROM events WHERE kind = 'KillSwitchChanged' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return bool(row and json.loads(row[0]).get("engaged"))

    def record_reset(self, ts_ms: int) -> None:
        """Release a latched kill switch from outside a running console."""
        self(KillSwitchChanged(ts_ms, False, detail="reset from the command line"))

    def __call__(self, event: Event) -> None:
        """An engine listener: only enqueues (safe on any thread, never blocks)."""
        self._queue.put(event)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(10)
        self._conn.close()

    def _write_loop(self) -> None:
        while True:
            batch = [self._queue.get()]
            while not self._queue.empty() and len(batch) < 500:
                batch.append(self._queue.get_nowait())
            done = batch[-1] is None
            events = [e for e in batch if e is not None]
            if events:
                try:
                    self._write(events)
                except sqlite3.Error as exc:
                    self.error = f"journal write failed: {exc}"
            if done:
                return

    def _write(self, events: Iterable[Event]) -> None:
        with self._conn:
            for event in events:
                body = to_dict(event)
                self._conn.execute(
                    "INSERT INTO events (ts_ms, kind, body) VALUES (?, ?, ?)",
                    (event.ts_ms, type(event).__name__, json.dumps(body, default=str)),
                )
                if isinstance(event, PositionClosed):
                    p = event.position
                    self._conn.execute(
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
                            p.exit_reason.value if p.exit_reason else None,
                            p.realised_pnl,
                            p.fees,
                        ),
                    )


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


def attach(session: Any, journal: Journal) -> None:
    """Journal `session`, and keep a kill switch latched by an earlier run latched.

    Call it after the frontend subscribed, so the frontend sees the re-engagement.
    """
    from scalp_tui.engine.protocol import EngageKillSwitch

    latched = journal.kill_switch_latched()
    session.subscribe(journal)
    if latched:
        session.execute(EngageKillSwitch(source="the journal: latched before this start"))
