"""Finding, checking and opening the journal's file without harming anyone else's.

A file is read, never written, until it is known to be a journal (or there is no file
yet): its SQLite header is read directly, and only a journal of ours is opened for
writing and switched to WAL. The lock file beside it is created only after that
check, so a refused file never gets a `.lock` neighbour. Everything created here is
private to the user: files 0600, directories 0700 (the journal holds the account's
positions and orders).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import IO, Any

from scalp_tui.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 100
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


class JournalError(Exception):
    """One line for the user; the CLI exits with code 2."""


def default_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("scalp-tui") / "journal.sqlite"


def make_private_dir(directory: Path) -> None:
    """`directory` and any missing parent, created 0700 (existing ones are left alone)."""
    missing = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    try:
        for folder in reversed(missing):
            folder.mkdir(mode=PRIVATE_DIR)
    except OSError as exc:
        raise JournalError(f"{directory}: cannot create the directory ({exc.strerror})") from None


def is_journal(path: Path) -> bool:
    """Whether `path` holds a journal of ours (False: nothing there yet, one may be
    created). Raises `JournalError` for anything else. Only reads."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise JournalError(f"{path}: cannot read the journal ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise JournalError(f"{path}: not a regular file; left untouched")
    if info.st_size == 0:
        return False
    try:
        with path.open("rb") as handle:
            header = handle.read(HEADER_BYTES)
    except OSError as exc:
        raise JournalError(f"{path}: cannot read the journal ({exc.strerror})") from None
    if len(header) < HEADER_BYTES or not header.startswith(SQLITE_MAGIC):
        raise JournalError(
            f"{path}: not a journal or corrupt (not an SQLite database); left untouched"
        )
    app_id = int.from_bytes(header[68:72], "big")
    in_wal_mode = header[18] == 2
    if app_id == APPLICATION_ID:
        return True
    if app_id != 0 or not in_wal_mode:
        raise JournalError(f"{path}: not a scalp-tui journal; left untouched")
    # A journal created just before a crash may hold its id only in its WAL (the
    # header page not yet checkpointed): ask SQLite, read-only.
    if _application_id_read_only(path) != APPLICATION_ID:
        raise JournalError(f"{path}: not a scalp-tui journal; left untouched")
    return True


def _application_id_read_only(path: Path) -> int:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.5)
    except sqlite3.Error as exc:
        raise JournalError(f"{path}: cannot read the journal ({exc})") from None
    try:
        return int(conn.execute("PRAGMA application_id").fetchone()[0])
    except sqlite3.Error as exc:
        raise JournalError(f"{path}: not a journal or corrupt ({exc}); left untouched") from None
    finally:
        conn.close()


def _create_private(path: Path) -> None:
    """An empty file 0600 for SQLite to fill (its -wal and -shm take the same mode)."""
    make_private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass  # an empty file: SQLite writes a new journal into it
    except OSError as exc:
        raise JournalError(f"{path}: cannot create the journal ({exc.strerror})") from None


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
    if not is_journal(path):
        _create_private(path)
    conn = _connect(path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
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


def own(path: Path) -> IO[Any]:
    """An exclusive lock beside the journal, held while this process runs; the OS
    releases it when the process dies, however it dies. Taken only once `path` is
    known to be a journal or free for one."""
    import fcntl

    is_journal(path)
    make_private_dir(path.parent)
    lock_path = path.with_name(path.name + ".lock")
    try:
        handle = os.fdopen(os.open(lock_path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE), "r+")
    except OSError as exc:
        raise JournalError(f"{lock_path}: cannot create the lock file ({exc.strerror})") from None
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
