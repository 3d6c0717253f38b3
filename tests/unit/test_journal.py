"""The journal: schema, refusals that never overwrite, and what it records."""

import sqlite3
from pathlib import Path

import pytest
from rig import BTC, make_rig

from scalp_tui.engine.protocol import EngageKillSwitch
from scalp_tui.store.journal import (
    SCHEMA_VERSION,
    Journal,
    JournalError,
    open_checked,
    read_trades,
)


def closed_trades(path: Path, session: str = "first") -> int:
    journal = Journal(path, session=session)
    rig = make_rig((BTC,))
    rig.engine.subscribe(journal)
    rig.ask_heavy(BTC)
    rig.balanced(BTC, 60_300.0)  # stop loss
    rig.ask_heavy(BTC)
    rig.balanced(BTC, 59_700.0, 59_700.1)  # profit target
    journal.close()
    return len(rig.engine.closed)


def test_records_closed_trades_with_their_reasons(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    assert closed_trades(path) == 2
    rows = read_trades(path)
    assert [r.exit_reason for r in rows] == ["short_scalp_stop_loss", "short_scalp_profit_target"]
    assert rows[0].symbol == BTC and rows[0].qty == 0.005 and rows[0].pnl < 0 < rows[1].pnl
    conn = sqlite3.connect(path)
    kinds = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM events")}
    assert {"EntrySubmitted", "FillEvent", "PositionOpened", "PositionClosed"} <= kinds
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_history_accumulates_across_sessions(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    closed_trades(path, "first")
    closed_trades(path, "second")  # a restart: same file, new session, ids start over
    assert len(read_trades(path)) == 4


def test_a_file_that_is_not_a_journal_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(JournalError, match="not a journal or corrupt"):
        open_checked(path)
    assert path.read_bytes() == b"this is not sqlite at all" * 100


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    with pytest.raises(JournalError, match="not a scalp-tui journal"):
        open_checked(path)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    open_checked(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(JournalError, match="written by a newer scalp-tui"):
        open_checked(path)


def test_a_locked_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    open_checked(path).close()
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(JournalError, match="locked by another process"):
            open_checked(path)
    finally:
        holder.rollback()
        holder.close()


def test_a_journal_in_use_by_a_running_console_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    first = Journal(path, session="first")
    try:
        with pytest.raises(JournalError, match="in use by another running scalp-tui"):
            Journal(path, session="second")
    finally:
        first.close()
    Journal(path, session="third").close()  # free again once the first one ended


def test_journal_bodies_are_the_protocol_dicts() -> None:
    from dataclasses import asdict

    from scalp_tui.engine.protocol import to_dict
    from scalp_tui.store.journal import plain

    rig = make_rig((BTC,))
    rig.ask_heavy(BTC)
    for event in rig.events:
        body = plain(event)
        body["type"] = type(event).__name__
        assert body == to_dict(event)
        for value in vars(type(event)).get("__slots__", ()):
            item = getattr(event, value)
            if hasattr(item, "__dataclass_fields__"):
                assert plain(item) == asdict(item)


def test_a_late_write_of_an_older_state_never_overtakes_a_newer_one(tmp_path: Path) -> None:
    """An intent is written ahead of events buffered before it; when those follow,
    the position's row must keep the newer state."""
    from scalp_tui.engine.protocol import ClosePosition, PositionSaved, PositionState
    from scalp_tui.store.journal import read_open_positions

    rig = make_rig((BTC,))
    rig.ask_heavy(BTC)
    (position,) = rig.engine.positions.values()
    rig.paper.submit = lambda order: None  # the exit stays in flight
    rig.engine.execute(ClosePosition(position.id))
    opening, opened, closing = [e for e in rig.events if isinstance(e, PositionSaved)]
    journal = Journal(tmp_path / "j.sqlite", session="s")
    journal.write_batch([(30, closing)])
    journal.write_batch([(10, opening), (20, opened)])  # older, written later
    journal.close()
    (row,) = read_open_positions(tmp_path / "j.sqlite")
    assert row.record.state is PositionState.CLOSING


def test_a_journal_of_schema_1_is_migrated_and_keeps_its_trades(tmp_path: Path) -> None:
    from scalp_tui.store.journal import APPLICATION_ID, MIGRATIONS, read_open_positions

    path = tmp_path / "j.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[1])
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.execute("PRAGMA user_version=1")
    conn.execute(
        "INSERT INTO trades VALUES (7, 'old', ?, 'paper', 0.005, 60000, 59700, 1, 2,"
        " 'short_scalp_profit_target', 1.2, 0.3)",
        (BTC,),
    )
    conn.commit()
    conn.close()
    Journal(path, session="new").close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    (trade,) = read_trades(path)
    assert trade.pnl == 1.2 and trade.exit_reason == "short_scalp_profit_target"
    assert read_open_positions(path) == []


def test_the_kill_switch_latch_is_on_disk_before_the_first_close_leaves(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal = Journal(path, session="s")
    rig = make_rig((BTC,))
    rig.engine.subscribe(journal)
    journal.bind(rig.engine)
    rig.ask_heavy(BTC)
    assert rig.engine.positions
    latched_when_sent: list[bool] = []
    submit = rig.paper.submit

    def submit_and_look(order) -> None:  # type: ignore[no-untyped-def]
        # another connection, as a restart would read it, while the close is leaving
        reader = sqlite3.connect(path)
        row = reader.execute(
            "SELECT body FROM events WHERE kind = 'KillSwitchChanged' ORDER BY seq DESC"
        ).fetchone()
        reader.close()
        latched_when_sent.append(row is not None and '"engaged": true' in row[0])
        submit(order)

    rig.paper.submit = submit_and_look  # type: ignore[method-assign]
    rig.engine.execute(EngageKillSwitch())
    assert latched_when_sent == [True]
    journal.close()
    again = Journal(path, session="t")
    assert again.kill_switch_latched()
    assert (
        sqlite3.connect(path)
        .execute("SELECT count(*) FROM events WHERE body LIKE '%engaged by user%'")
        .fetchone()[0]
        == 1  # written once, not again by the writer thread
    )
    again.close()
