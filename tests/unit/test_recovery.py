"""Restarts: what the journal brings back, and what happens to it at once."""

import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace

from crash import fill_the_disk
from rig import BTC, ETH, T0, make_rig

from scalp_tui.engine.protocol import (
    ClosePosition,
    EngageKillSwitch,
    EntrySubmitted,
    ErrorEvent,
    ExitReason,
    PositionClosed,
    PositionRestored,
    PositionState,
    SetEntriesEnabled,
)
from scalp_tui.runtime.recovery import attach
from scalp_tui.store.journal import Journal, read_open_positions, read_trades

TIMEOUT_MS = 15 * 60_000


def start(path: Path, now_ms: int = T0, symbols=(BTC,), session: str = "s"):
    """A fresh engine (a restarted process) attached to the journal at `path`."""
    rig = make_rig(symbols)
    rig.clock.set(now_ms)
    journal = Journal(path, session=session)
    host = SimpleNamespace(
        engine=rig.engine, subscribe=rig.engine.subscribe, execute=rig.engine.execute
    )
    notes = attach(host, journal)
    return rig, journal, notes


def open_one(path: Path, symbols=(BTC,)):
    rig, journal, _ = start(path, symbols=symbols)
    for symbol in symbols:
        rig.ask_heavy(symbol)
    assert len(rig.engine.positions) == len(symbols)
    return rig, journal


def test_an_open_position_comes_back_with_its_countdown(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    before, journal = open_one(path)
    (position,) = before.engine.positions.values()
    opened_view = position.view(None, before.engine.exit_rule)
    journal.close()  # the process ends without closing anything

    later = T0 + 4 * 60_000
    rig, journal2, notes = start(path, now_ms=later)
    (restored,) = rig.engine.positions.values()
    assert restored.id == position.id and restored.qty == position.qty
    assert restored.entry_price == position.entry_price
    assert restored.state is PositionState.OPEN
    view = restored.view(None, rig.engine.exit_rule)
    assert view.opened_ms == opened_view.opened_ms == T0
    assert view.timeout_ms == T0 + TIMEOUT_MS  # the countdown did not start over
    assert view.stop_price == opened_view.stop_price
    (event,) = rig.of(PositionRestored)
    assert "timeout in 660 s" in event.detail
    assert notes == [
        f"restored 1 open position(s) from the journal: #{position.id} {BTC} "
        f"{position.qty:g} (timeout in 660 s)"
    ]
    assert rig.paper.net_position(BTC) == -position.qty  # the paper broker holds it again
    assert rig.engine.summary()["restored_positions"] == 1
    # ids go on from the journal: nothing a restart creates reuses an old id
    rig.ask_heavy(BTC, 60_000.0)
    rig.advance(1000)
    assert rig.engine._next_id > max(position.id, position.entry_order_id or 0)
    journal2.close()


def test_a_timeout_that_passed_while_down_closes_at_once(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    _, journal = open_one(path)
    journal.close()

    rig, journal2, _ = start(path, now_ms=T0 + TIMEOUT_MS + 30_000)
    (event,) = rig.of(PositionRestored)
    assert "timeout passed 30 s ago" in event.detail
    rig.balanced(BTC, 60_000.0)  # the first book after the start
    (closed,) = rig.of(PositionClosed)
    assert closed.position.exit_reason is ExitReason.TIMEOUT
    assert not rig.engine.positions
    journal2.close()
    assert [t.exit_reason for t in read_trades(path)] == ["short_scalp_timeout"]
    assert read_open_positions(path) == []


def test_a_crash_between_an_exit_and_its_fill_exits_again(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    rig, journal = open_one(path)
    rig.paper.submit = lambda order: None  # the exit leaves, the process dies before a fill
    (position,) = rig.engine.positions.values()
    rig.engine.execute(ClosePosition(position.id))
    assert position.state is PositionState.CLOSING
    journal.close()
    (row,) = read_open_positions(path)
    assert row.record.state is PositionState.CLOSING  # the intent reached the disk

    rig2, journal2, _ = start(path, now_ms=T0 + 5_000)
    (restored,) = rig2.engine.positions.values()
    # the paper order died with the process: the position is open, the user's manual
    # exit still stands and goes out on the first book
    assert restored.state is PositionState.OPEN and restored.forced_exit is ExitReason.MANUAL
    rig2.balanced(BTC, 60_000.0)
    (closed,) = rig2.of(PositionClosed)
    assert closed.position.exit_reason is ExitReason.MANUAL
    journal2.close()
    assert len(read_trades(path)) == 1 and read_open_positions(path) == []


def test_an_entry_that_never_filled_is_not_restored(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    rig, journal, _ = start(path)
    rig.paper.submit = lambda order: None  # sent; the process dies before the fill
    rig.ask_heavy(BTC)
    assert len(rig.of(EntrySubmitted)) == 1
    journal.close()
    rig2, journal2, notes = start(path, now_ms=T0 + 1000)
    assert not rig2.engine.positions and notes == []
    assert any("had not filled before the restart" in e.message for e in rig2.of(ErrorEvent))
    journal2.close()
    assert read_open_positions(path) == []


def test_restarts_neither_lose_nor_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    _, journal = open_one(path, symbols=(BTC, ETH))
    journal.close()
    for n in range(1, 4):
        rig, journal, _ = start(path, now_ms=T0 + n * 1000, symbols=(BTC, ETH))
        assert sorted(p.symbol for p in rig.engine.positions.values()) == [BTC, ETH]
        journal.close()
    assert len(read_open_positions(path)) == 2


def test_the_entry_intent_is_on_disk_before_the_broker_sees_the_order(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    rig, journal, _ = start(path)
    seen = []
    submit = rig.paper.submit

    def look_then_submit(order) -> None:
        # another reader, as after a crash at this instant (the writer thread kept out)
        with journal.connection():
            seen.extend(r.record.entry_order_id for r in read_open_positions(path))
        submit(order)

    rig.paper.submit = look_then_submit
    rig.ask_heavy(BTC)
    assert len(seen) == 1 and seen[0] is not None
    journal.close()


def test_a_full_journal_pauses_entries_and_loses_nothing_once_it_has_room(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    rig, journal, _ = start(path, symbols=(BTC, ETH))
    with journal.connection() as conn:  # held: nothing else writes meanwhile
        fill_the_disk(conn)
    rig.ask_heavy(BTC)  # its intent is in the intent log: sent, and known
    (first,) = rig.engine.positions
    assert [r.record.id for r in read_open_positions(path)] == [first]
    deadline = time.monotonic() + 10
    while journal.error is None and time.monotonic() < deadline:
        time.sleep(0.01)  # the writer thread finds SQLite full
    rig.ask_heavy(ETH)  # the next entry is refused: SQLite cannot write
    assert list(rig.engine.positions) == [first]
    assert not rig.engine.entries_enabled
    errors = [e.message for e in rig.of(ErrorEvent) if "journal" in e.message]
    assert errors and all("full" in m and "entries paused" in m for m in errors)
    rig.engine.execute(SetEntriesEnabled(True))  # too early: still full
    rig.ask_heavy(ETH)
    assert list(rig.engine.positions) == [first]  # refused while SQLite cannot write

    with journal.connection() as conn:
        conn.execute("PRAGMA max_page_count = 1000000")  # room again
    deadline = time.monotonic() + 10
    while journal.error is not None and time.monotonic() < deadline:
        time.sleep(0.01)  # the writer's next batch goes through
    rig.engine.execute(SetEntriesEnabled(True))
    rig.ask_heavy(ETH)
    assert len(rig.engine.positions) == 2
    journal.close()
    conn = sqlite3.connect(path)
    kinds = [k for (k,) in conn.execute("SELECT kind FROM events ORDER BY id")]
    assert kinds.count("ErrorEvent") >= 1 and "ModeChanged" in kinds  # kept, then written
    assert len(read_open_positions(path)) == 2


def test_a_latched_kill_switch_flattens_restored_positions(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    rig, journal = open_one(path)
    rig.paper.submit = lambda order: None  # the kill switch's exit never lands: crash
    rig.engine.execute(EngageKillSwitch())
    journal.close()

    rig2, journal2, notes = start(path, now_ms=T0 + 2_000)
    assert rig2.engine.killed
    assert any("stays latched" in note for note in notes)  # said at start, not only shown
    rig2.balanced(BTC, 60_000.0)
    rig2.advance(1_000)  # the first try had no book yet (paper): the retry flattens
    (closed,) = rig2.of(PositionClosed)
    assert closed.position.exit_reason is ExitReason.KILL_SWITCH
    assert not rig2.engine.positions
    journal2.close()


def test_live_positions_without_a_live_broker_refuse_the_start(tmp_path: Path) -> None:
    import pytest

    from scalp_tui.engine.protocol import PositionRecord, PositionSaved
    from scalp_tui.runtime.recovery import RecoveryError

    path = tmp_path / "j.sqlite"
    journal = Journal(path, session="live run", venue="binanceusdm")
    record = PositionRecord(
        4,
        BTC,
        "live",
        PositionState.OPEN,
        0.005,
        60_000.0,
        0.15,
        T0,
        5,
        None,
        None,
        None,
        0.0,
        0.0,
        0.0,
    )
    journal(PositionSaved(T0, record))
    journal.close()

    rig = make_rig()  # paper only: no credentials this time
    journal = Journal(path, session="no keys", venue="binanceusdm")
    host = SimpleNamespace(engine=rig.engine, subscribe=rig.engine.subscribe)
    with pytest.raises(RecoveryError, match=r"live positions on binanceusdm \(#4 BTC"):
        attach(host, journal)
    journal.close()
    assert [r.record.id for r in read_open_positions(path)] == [4]  # still there, untouched
    # another venue's start leaves it alone and says so
    rig, journal, notes = start(path)
    assert not rig.engine.positions
    assert notes[0].startswith("1 open position on binanceusdm kept in the journal")
    journal.close()
