"""The journal: every engine event in SQLite (WAL), written off the event loop.

Opening checks the file before anything is written: a file that is not a journal,
a corrupt one, one locked by another process, or one from a newer version of the
console gives one clear line (`JournalError`) and is never overwritten. Events are
queued by the engine's thread and written by a writer thread in small batches.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

from scalp_tui.engine.orders import new_client_tag
from scalp_tui.engine.protocol import (
    EntrySubmitted,
    Event,
    ExitTriggered,
    KillSwitchChanged,
    OrderStatus,
    OrderUpdated,
    OrderView,
    PositionClosed,
    PositionRecord,
    PositionSaved,
    PositionState,
    StopPlaced,
)

SCHEMA_VERSION = 3
BATCH = 500
GATHER_S = 0.02
SWITCH_INTERVAL_S = 0.001
CHECKPOINT_S = 2.0  # how often the writer thread folds the WAL back into the database
MAX_UNWRITTEN = 100_000  # events kept in memory while the disk refuses them
INTENTS = (EntrySubmitted, ExitTriggered, StopPlaced)
ORDER_STATES = (*INTENTS, OrderUpdated)  # events that carry an order's state
INSERT_INTENT = "INSERT INTO intents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
DONE = tuple(s for s in OrderStatus if s.done)
APPLICATION_ID = 0x5C4170  # "scalp" marker in the SQLite header


def _upsert_sql(table: str, values: str) -> str:
    """Insert or replace the row of an id, unless the row holds a later state."""
    return (
        f"INSERT INTO {table} (id, venue, session, open, updated_ms, seq, body) {values} "
        "ON CONFLICT(id) DO UPDATE SET venue = excluded.venue, session = excluded.session, "
        "open = excluded.open, updated_ms = excluded.updated_ms, seq = excluded.seq, "
        f"body = excluded.body WHERE excluded.seq > {table}.seq"
    )


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
    # what a restart restores: the latest state of each position and order
    # (`seq` orders every event of every run: an intent is written ahead of events
    # buffered before it, and a row is only ever replaced by a later state)
    2: "ALTER TABLE events ADD COLUMN seq INTEGER;"
    + "".join(
        f"""
    CREATE TABLE {table} (
        id INTEGER PRIMARY KEY,
        venue TEXT NOT NULL,
        session TEXT NOT NULL,
        open INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX {table}_open ON {table}(open, venue);
    """
        for table in ("positions", "orders")
    )
    # An intent (entry or exit about to be sent) is one INSERT here: the trigger
    # applies it inside SQLite, so the order path makes a single call into it.
    + f"""
    CREATE TABLE intents (
        seq INTEGER PRIMARY KEY,
        venue TEXT NOT NULL,
        session TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
        position_id INTEGER,
        position_seq INTEGER,
        position_open INTEGER,
        position_body TEXT,
        order_id INTEGER NOT NULL,
        order_open INTEGER NOT NULL,
        order_body TEXT NOT NULL
    );
    CREATE TRIGGER intents_apply AFTER INSERT ON intents BEGIN
        {
        _upsert_sql(
            "positions",
            "SELECT NEW.position_id, NEW.venue, NEW.session, "
            "NEW.position_open, NEW.ts_ms, NEW.position_seq, NEW.position_body "
            "WHERE NEW.position_id IS NOT NULL",
        )
    };
        {
        _upsert_sql(
            "orders",
            "VALUES (NEW.order_id, NEW.venue, NEW.session, "
            "NEW.order_open, NEW.ts_ms, NEW.seq, NEW.order_body)",
        )
    };
        DELETE FROM intents WHERE seq = NEW.seq;
    END;
    """,
    # The tag our client order ids carry on the venue: random per journal, so two
    # journals on one account never share an id. Journals from before it keep the
    # untagged ids their working orders were sent with.
    3: """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta SELECT 'client_tag', '' WHERE EXISTS (SELECT 1 FROM orders);
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
        # checkpoints (which fsync) run from the writer thread's own connection, never
        # in a commit on the order path
        conn.execute("PRAGMA wal_autocheckpoint=0")
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


@dataclass(frozen=True)
class SavedState:
    """What an earlier run left open on one venue, for `Engine.restore`."""

    positions: list[PositionRecord]
    orders: list[OrderView]  # orders of those positions that were still working
    next_id: int  # ids continue, so client order ids never repeat
    elsewhere: dict[str, int]  # open positions on other venues, by venue


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


def _own(path: Path) -> Any:
    """An exclusive lock beside the journal, held while this process runs; the OS
    releases it when the process dies, however it dies."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path.with_name(path.name + ".lock"), "a+")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        raise JournalError(
            f"{path}: in use by another running scalp-tui (pid {holder}); one console per journal"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


class Journal:
    """Writes engine events on a thread of its own; intents synchronously.

    Events are buffered by the engine's thread and written in batches. An intent (an
    entry or exit about to be sent) commits the state a restart needs (its order and
    its position) before the order leaves; its event row follows with the batch.
    Every event carries a `seq`, and a state row only ever takes a later one, so
    rows written after the intent never take its state back.
    """

    def __init__(self, path: Path, session: str, venue: str = "simulated") -> None:
        self.path = path
        self.session = session
        self.venue = venue
        # one running console per journal: two would both restore, and both manage,
        # the same open positions
        self._owner = _own(path)
        try:
            self._conn = open_checked(path)
        except JournalError:
            self._owner.close()
            raise
        # explicit transactions: a batch is one, an intent is one statement on its own
        self._conn.isolation_level = None
        self._cond = threading.Condition()  # the buffers
        self._lock = threading.Lock()  # the connection
        self._seq = (
            self._conn.execute(
                "SELECT max(coalesce(m, 0)) FROM (SELECT max(seq) AS m FROM events "
                "UNION ALL SELECT max(seq) FROM positions UNION ALL SELECT max(seq) FROM orders)"
            ).fetchone()[0]
            or 0
        )
        self._buffer: list[tuple[int, Event]] = []
        self._unwritten: list[tuple[int, Event]] = []  # a failed batch, tried again later
        self._closing = False
        self.error: str | None = None  # the last write failure (disk full, ...)
        self._reported: str | None = None
        self.on_failure: Callable[[str], None] | None = None
        # The writer thread competes for the interpreter with the engine's: an intent
        # write gives it up once (its SQLite call) and must not wait the default 5 ms
        # to get it back.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
        self._thread = threading.Thread(target=self._write_loop, name="journal", daemon=True)
        self._thread.start()

    # -- reading -------------------------------------------------------------------

    @property
    def client_tag(self) -> str:
        """This journal's tag for client order ids, created on first use."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'client_tag'").fetchone()
            if row is not None:
                return str(row[0])
            tag = new_client_tag()
            self._conn.execute("INSERT INTO meta VALUES ('client_tag', ?)", (tag,))
            return tag

    def kill_switch_latched(self) -> bool:
        """Whether the last kill-switch event journaled (any earlier run) engaged it."""
        with self._lock:
            row = self._conn.execute(
                "SELECT body FROM events WHERE kind = 'KillSwitchChanged' "
                # seq, not id: the engaging row is committed at once, ahead of
                # earlier events still in the writer's buffer
                "ORDER BY coalesce(seq, 0) DESC, id DESC LIMIT 1"
            ).fetchone()
        return bool(row and json.loads(row[0]).get("engaged"))

    def saved_state(self) -> SavedState:
        with self._lock:
            rows = self._conn.execute(
                "SELECT venue, body FROM positions WHERE open = 1 ORDER BY id"
            ).fetchall()
            order_rows = self._conn.execute(
                "SELECT body FROM orders WHERE open = 1 AND venue = ? ORDER BY id", (self.venue,)
            ).fetchall()
            top = self._conn.execute(
                "SELECT max(m) FROM (SELECT max(id) AS m FROM positions "
                "UNION ALL SELECT max(id) FROM orders)"
            ).fetchone()[0]
        positions, elsewhere = [], {}
        for venue, body in rows:
            if venue == self.venue:
                positions.append(PositionRecord.from_dict(json.loads(body)))
            else:
                elsewhere[venue] = elsewhere.get(venue, 0) + 1
        ids = {p.id for p in positions}
        orders = [OrderView.from_dict(json.loads(b)) for (b,) in order_rows]
        orders = [o for o in orders if o.position_id in ids]
        return SavedState(positions, orders, (top or 0) + 1, elsewhere)

    def last_ts_ms(self) -> int | None:
        """The time of the last event journaled: a simulated clock never goes back
        before it, so countdowns read the same after a restart."""
        with self._cond:
            return self._conn.execute("SELECT max(ts_ms) FROM events").fetchone()[0]

    def record_reset(self, ts_ms: int) -> None:
        """Release a latched kill switch from outside a running console."""
        self(KillSwitchChanged(ts_ms, False, detail="reset from the command line"))

    # -- writing -------------------------------------------------------------------

    def __call__(self, event: Event) -> None:
        """An engine listener: only buffers (safe on any thread, never waits on disk)."""
        if isinstance(event, INTENTS) and self._records_intents:
            return  # written already, by `record`
        if event is self._latched:
            return  # written already, by `record`
        with self._cond:
            self._seq += 1
            self._buffer.append((self._seq, event))
            self._cond.notify()
        self._report_failure()

    _records_intents = False
    _latched: KillSwitchChanged | None = None

    def record(
        self, event: EntrySubmitted | ExitTriggered | StopPlaced | KillSwitchChanged
    ) -> str | None:
        """The engine's recorder: commit the state an intent needs after a crash (its
        position as saved just before it, its order, and the latest state of the
        position's other orders still in the buffer, so a restart never reads a
        position ahead of its orders' fills) now, in one statement when there is
        nothing else (an entry); an error line when it could not be (the engine then
        does not send an entry). The event rows follow with the writer thread, `seq`
        keeping each state row from going back. The kill switch engaging is
        committed as its own event row."""
        if isinstance(event, KillSwitchChanged):
            return self._record_latch(event)
        pid = event.position.id if isinstance(event, EntrySubmitted) else event.position_id
        with self._cond:
            saved = next(
                (
                    (seq, e.record)
                    for seq, e in reversed(self._buffer)
                    if isinstance(e, PositionSaved) and e.record.id == pid
                ),
                None,
            )
            siblings = {
                e.order.id: (seq, e)
                for seq, e in self._buffer
                if isinstance(e, ORDER_STATES)
                and e.order is not None
                and e.order.position_id == pid
                and e.order.id != event.order.id  # type: ignore[union-attr]
            }
            self._seq += 1
            intent = (self._seq, event)
        order = event.order
        assert order is not None
        position: tuple[Any, ...] = (None, None, None, None)
        if saved is not None:
            seq, record = saved
            is_open = int(record.state is not PositionState.CLOSED)
            position = (record.id, seq, is_open, json.dumps(plain(record)))
        order_open = int(order.status not in DONE)
        params = (
            *(intent[0], self.venue, self.session, event.ts_ms),
            *position,
            *(order.id, order_open, json.dumps(plain(order))),
        )
        statements = [(INSERT_INTENT, params)]
        for seq, sibling in siblings.values():
            statements += self._state_statements(seq, sibling)
        failure = self._execute(statements, transaction=len(statements) > 1)
        with self._cond:
            if failure is not None:
                self._reported = failure  # the engine reports this one itself
                if isinstance(event, EntrySubmitted):
                    return failure  # not sent: nothing of it is to be written
            self._buffer.append(intent)  # its event row (and, for an exit, a retry)
            self._cond.notify()
        return failure

    def _record_latch(self, event: KillSwitchChanged) -> str | None:
        with self._cond:
            self._seq += 1
            seq = self._seq
        failure = self._execute(self._statements(seq, event), transaction=False)
        if failure is None:
            self._latched = event
        else:
            with self._cond:  # the writer keeps trying, like any other event
                self._buffer.append((seq, event))
                self._cond.notify()
        return failure

    def bind(self, engine: Any) -> None:
        """Record intents for `engine` before its orders are sent."""
        self._records_intents = True
        engine.recorder = self.record

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(10)
        with self._lock:
            self._conn.close()
        self._owner.close()

    def _report_failure(self) -> None:
        error = self.error
        if error is not None and error != self._reported and self.on_failure is not None:
            self._reported = error
            self.on_failure(error)

    def _write_loop(self) -> None:
        checkpointer = sqlite3.connect(self.path, timeout=5)
        last_checkpoint = time.monotonic()
        try:
            while True:
                with self._cond:
                    if not self._buffer and not self._closing:
                        self._cond.wait(CHECKPOINT_S)
                if self._buffer and not self._closing:
                    # events come in bursts (an entry: order, fill, position): gather
                    # the burst rather than compete with the engine while it runs
                    time.sleep(GATHER_S)
                with self._cond:
                    batch = [*self._unwritten, *self._buffer[:BATCH]]
                    self._buffer, self._unwritten = self._buffer[BATCH:], []
                    done = self._closing and not self._buffer
                if batch:
                    self._write_batch(batch)
                if done:
                    return
                if time.monotonic() - last_checkpoint >= CHECKPOINT_S:
                    # PASSIVE: copies what no reader needs, never blocks a writer
                    with contextlib.suppress(sqlite3.Error):
                        checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    last_checkpoint = time.monotonic()
        finally:
            with contextlib.suppress(sqlite3.Error):
                checkpointer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            checkpointer.close()

    def _write_batch(self, batch: list[tuple[int, Event]]) -> None:
        """Serialise, then write in one transaction; a failed batch is kept for the
        next try."""
        statements = [st for seq, event in batch for st in self._statements(seq, event)]
        if self._execute(statements) is not None:
            with self._cond:
                self._unwritten = [*batch, *self._unwritten][-MAX_UNWRITTEN:]
        else:
            self._reported = None

    def _execute(
        self, statements: list[tuple[str, tuple[Any, ...]]], transaction: bool = True
    ) -> str | None:
        """Run `statements` (in one transaction, or one statement on its own); the
        error line if it failed."""
        with self._lock:
            try:
                if transaction:
                    self._conn.execute("BEGIN")
                for sql, params in statements:
                    self._conn.execute(sql, params)
                if transaction:
                    self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                self.error = f"journal write failed ({exc})"
                return self.error
        self.error = None
        return None

    def _statements(self, seq: int, event: Event) -> list[tuple[str, tuple[Any, ...]]]:
        body = plain(event)
        body["type"] = type(event).__name__
        row = (event.ts_ms, type(event).__name__, seq, json.dumps(body))
        return [
            ("INSERT INTO events (ts_ms, kind, seq, body) VALUES (?, ?, ?, ?)", row),
            *self._state_statements(seq, event),
        ]

    def _state_statements(self, seq: int, event: Event) -> list[tuple[str, tuple[Any, ...]]]:
        """The rows a restart reads: positions, orders, closed trades."""
        if isinstance(event, PositionSaved):
            record = event.record
            is_open = record.state is not PositionState.CLOSED
            return [self._upsert("positions", record.id, is_open, record, event.ts_ms, seq)]
        if isinstance(event, ORDER_STATES):
            order = event.order
            if order is None:
                return []
            is_open = order.status not in DONE
            return [self._upsert("orders", order.id, is_open, order, event.ts_ms, seq)]
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

    def _upsert(
        self, table: str, id_: int, is_open: bool, item: Any, ts_ms: int, seq: int
    ) -> tuple[str, tuple[Any, ...]]:
        """The row of `id_` becomes this state unless a later one is there already."""
        return (
            _upsert_sql(table, "VALUES (?, ?, ?, ?, ?, ?, ?)"),
            (id_, self.venue, self.session, int(is_open), ts_ms, seq, json.dumps(plain(item))),
        )


@dataclass(frozen=True)
class OpenRow:
    venue: str
    record: PositionRecord
    updated_ms: int


def read_open_positions(path: Path, symbol: str | None = None) -> list[OpenRow]:
    """Positions the journal holds open, on every venue (what the next start restores)."""
    if not path.exists():
        return []
    conn = open_checked(path)
    try:
        rows = conn.execute(
            "SELECT venue, body, updated_ms FROM positions WHERE open = 1 ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    found = [OpenRow(v, PositionRecord.from_dict(json.loads(b)), u) for v, b, u in rows]
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
