"""The journal: every engine event in SQLite (WAL), written off the event loop.

Opening checks the file before anything is written (`journal_file`): a file that is
not a journal, a corrupt one, one locked by another process, or one from a newer
version of the console gives one clear line (`JournalError`) and is never written.
Events are queued by the engine's thread and written by a writer thread in small
batches. Reading from outside a run is `journal_read`.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from scalp_tui.engine.orders import new_client_tag
from scalp_tui.engine.protocol import (
    EntrySubmitted,
    Event,
    ExitTriggered,
    KillSwitchChanged,
    OrderView,
    PositionRecord,
    PositionSaved,
    PositionState,
    StopPlaced,
)
from scalp_tui.store.intent_log import INSERT_INTENT, IntentLog, apply_intent_log
from scalp_tui.store.journal_file import JournalError, default_path, open_checked, own
from scalp_tui.store.journal_read import OpenRow, TradeRow, read_open_positions, read_trades
from scalp_tui.store.journal_rows import DONE, ORDER_STATES, Rows, plain
from scalp_tui.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

# what callers of the journal use, wherever it is defined
__all__ = [
    "APPLICATION_ID",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Journal",
    "JournalError",
    "OpenRow",
    "SavedState",
    "TradeRow",
    "default_path",
    "open_checked",
    "plain",
    "read_open_positions",
    "read_trades",
]

BATCH = 500
GATHER_S = 0.02
SWITCH_INTERVAL_S = 0.001
CHECKPOINT_S = 2.0  # how often the writer thread folds the WAL back into the database
MAX_UNWRITTEN = 100_000  # events kept in memory while the disk refuses them
INTENTS = (EntrySubmitted, ExitTriggered, StopPlaced)
# an intent's rows on the order path: the same JSON as `json.dumps(plain(...))` reads
# back, in a twentieth of the time
BODY = msgspec.json.Encoder()


@dataclass(frozen=True)
class SavedState:
    """What an earlier run left open on one venue, for `Engine.restore`."""

    positions: list[PositionRecord]
    orders: list[OrderView]  # orders of those positions that were still working
    next_id: int  # ids continue, so client order ids never repeat
    elsewhere: dict[str, int]  # open positions on other venues, by venue


class Journal:
    """Writes engine events on a thread of its own; intents synchronously.

    Events are buffered by the engine's thread and written in batches (the writer
    looks every `GATHER_S`). An intent (an entry or exit about to be sent) writes the
    state a restart needs (its order and its position) to the intent log before the
    order leaves; its rows follow in SQLite with the batch.
    Every event carries a `seq`, and a state row only ever takes a later one, so
    rows written after the intent never take its state back.
    """

    def __init__(self, path: Path, session: str, venue: str = "simulated") -> None:
        self.path = path
        self.session = session
        self.venue = venue
        self._rows = Rows(venue, session)
        # one running console per journal: two would both restore, and both manage,
        # the same open positions
        self._owner = own(path)
        try:
            self._conn = open_checked(path)
            # intents a crashed run sent its orders on, before anything reads state
            apply_intent_log(self._conn, path)
            self._intents = IntentLog(path)
        except JournalError:
            self._owner.close()
            raise
        except (OSError, sqlite3.Error) as exc:
            self._owner.close()
            raise JournalError(f"{path}: cannot apply the intent log ({exc})") from None
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
        self._report_failure()

    _records_intents = False
    _latched: KillSwitchChanged | None = None

    def record(
        self, event: EntrySubmitted | ExitTriggered | StopPlaced | KillSwitchChanged
    ) -> str | None:
        """The engine's recorder: make the state an intent needs after a crash (its
        position as saved just before it, its order, and the latest state of the
        position's other orders still in the buffer, so a restart never reads a
        position ahead of its orders' fills) safe now, with one write to the intent
        log; an error line when it could not be (the engine then does not send an
        entry). The rows follow in SQLite with the writer thread, `seq` keeping each
        state row from going back. The kill switch engaging is committed to SQLite as
        its own event row."""
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
            position = (record.id, seq, is_open, BODY.encode(record).decode())
        order_open = int(order.status not in DONE)
        params = (
            *(intent[0], self.venue, self.session, event.ts_ms),
            *position,
            *(order.id, order_open, BODY.encode(order).decode()),
        )
        statements = [(INSERT_INTENT, params)]
        for seq, sibling in siblings.values():
            statements += self._rows.state(seq, sibling)
        with self._cond:
            # while SQLite refuses the writer's batches no new entry goes out: the
            # intent log would grow with nothing behind it
            failure = self.error if isinstance(event, EntrySubmitted) else None
            # under the buffer's lock: the writer empties the log only when nothing
            # logged is still waiting to be written
            failure = failure or self._intents.append(intent[0], statements)
            if failure is not None:
                self.error = self._reported = failure  # the engine reports this one itself
                if isinstance(event, EntrySubmitted):
                    return failure  # not sent: nothing of it is to be written
            self._buffer.append(intent)  # its state and event rows, with the batch
        return failure

    def _record_latch(self, event: KillSwitchChanged) -> str | None:
        with self._cond:
            self._seq += 1
            seq = self._seq
        failure = self._execute(self._rows.event(seq, event), transaction=False)
        if failure is None:
            self._latched = event
        else:
            with self._cond:  # the writer keeps trying, like any other event
                self._buffer.append((seq, event))
        return failure

    def bind(self, engine: Any) -> None:
        """Record intents for `engine` before its orders are sent."""
        self._records_intents = True
        engine.recorder = self.record

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """The journal's own connection, held: nothing else writes while it is held
        (for a limit of its own, e.g. `PRAGMA max_page_count`, which is per connection)."""
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(10)
        with self._lock:
            self._conn.close()
        self._intents.close()
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
                # Polled, never woken by the engine: a wake-up on the engine's thread
                # hands the interpreter to this thread in the middle of an entry (a
                # third of a millisecond on the order path). Events come in bursts
                # (an entry: order, fill, position), gathered meanwhile.
                with self._cond:
                    if not self._closing and len(self._buffer) < BATCH:
                        self._cond.wait(GATHER_S)
                with self._cond:
                    batch = [*self._unwritten, *self._buffer[:BATCH]]
                    self._buffer, self._unwritten = self._buffer[BATCH:], []
                    done = self._closing and not self._buffer
                if batch:
                    self.write_batch(batch)
                with self._cond:
                    if not self._buffer and not self._unwritten:
                        self._intents.clear()  # all it holds is committed
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

    def write_batch(self, batch: list[tuple[int, Event]]) -> None:
        """Write these numbered events now (the writer thread's step), serialised, in
        one transaction; a failed batch is kept for the next try. A row only ever
        takes a later state, however late an earlier one is written."""
        statements = [st for seq, event in batch for st in self._rows.event(seq, event)]
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
