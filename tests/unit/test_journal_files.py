"""The journal's files: someone else's file is never written, ours are private."""

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from scalp_tui.store.journal import Journal, JournalError, read_trades


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_another_programs_database_is_not_switched_to_wal(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    assert before[18:20] == b"\x01\x01"  # rollback journal, as its program left it
    with pytest.raises(JournalError, match="not a scalp-tui journal; left untouched"):
        Journal(path, session="s")
    with pytest.raises(JournalError, match="not a scalp-tui journal"):
        read_trades(path)
    assert path.read_bytes()[18:20] == b"\x01\x01"
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite"]  # no .lock, no -wal


def test_a_refused_file_gets_no_lock_file_beside_it(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 20)
    with pytest.raises(JournalError, match="not a journal or corrupt"):
        Journal(text, session="s")
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(JournalError, match="not a regular file"):
        Journal(folder, session="s")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "notes.txt"]
    assert list(folder.iterdir()) == []


def test_a_device_is_refused_without_a_lock_file() -> None:
    with pytest.raises(JournalError, match="/dev/null: not a regular file"):
        Journal(Path("/dev/null"), session="s")
    assert not Path("/dev/null.lock").exists()


def test_journal_lock_and_wal_are_private_in_private_directories(tmp_path: Path) -> None:
    path = tmp_path / "data" / "scalp" / "journal.sqlite"
    old = os.umask(0o022)  # the usual umask: created files would be 0644
    try:
        journal = Journal(path, session="s")
        try:
            files = [
                path,
                path.with_name("journal.sqlite.lock"),
                path.with_name("journal.sqlite-wal"),
                path.with_name("journal.sqlite.intents"),
            ]
            assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
            assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
        finally:
            journal.close()
    finally:
        os.umask(old)


def test_a_journal_in_a_read_only_directory_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    ro = folder
    try:
        if os.access(folder, os.W_OK):  # root writes anywhere but in sysfs
            folder = Path("/sys")
        with pytest.raises(JournalError, match=r"lock file \(Permission denied\)"):
            Journal(folder / "journal.sqlite", session="s")
        assert not (folder / "journal.sqlite").exists()
    finally:
        ro.chmod(0o700)


def test_a_journal_whose_id_is_still_only_in_its_wal_is_ours(tmp_path: Path) -> None:
    """Killed just after creating its journal, a run leaves the application id in the
    WAL, not yet in the header: the next start must still take it as a journal."""
    import shutil

    from scalp_tui.store.journal import APPLICATION_ID

    first = tmp_path / "first.sqlite"
    conn = sqlite3.connect(first)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE unrelated (x)")
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.commit()
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(first, copy / "j.sqlite")  # as a crash leaves it: header and WAL apart
    shutil.copy(tmp_path / "first.sqlite-wal", copy / "j.sqlite-wal")
    conn.close()
    assert int.from_bytes((copy / "j.sqlite").read_bytes()[68:72], "big") == 0
    Journal(copy / "j.sqlite", session="s").close()  # migrated, not refused
