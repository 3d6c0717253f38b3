"""The journal's tag for client order ids: kept across restarts (a restart must find
its orders by the same ids), different per journal (two consoles on one account must
never send the same id), and none for a journal from before tags existed whose
working orders went out untagged."""

import sqlite3
from pathlib import Path

from scalp_tui.store import journal_file
from scalp_tui.store.journal import Journal


def tag_of(path: Path) -> str:
    journal = Journal(path, session="s")
    try:
        return journal.client_tag
    finally:
        journal.close()


def test_the_tag_is_kept_across_restarts_and_differs_between_journals(tmp_path) -> None:
    first = tag_of(tmp_path / "a.sqlite")
    assert first.isalnum() and len(first) == 8
    assert tag_of(tmp_path / "a.sqlite") == first
    assert tag_of(tmp_path / "b.sqlite") != first


def test_a_journal_from_before_tags_keeps_untagged_ids(tmp_path, monkeypatch) -> None:
    path = tmp_path / "old.sqlite"
    monkeypatch.setattr(journal_file, "SCHEMA_VERSION", 2)
    Journal(path, session="s").close()
    with sqlite3.connect(path) as conn:  # an order journaled by that version
        conn.execute("INSERT INTO orders VALUES (1, 'binanceusdm', 's', 1, 0, 1, '{}')")
    monkeypatch.setattr(journal_file, "SCHEMA_VERSION", 3)
    assert tag_of(path) == ""  # the broker's untagged scheme: scalp<id>
