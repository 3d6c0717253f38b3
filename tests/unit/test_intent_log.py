"""The intent log: what a restart reads at the moment an order leaves includes that
order and its position, though SQLite has not been written yet."""

import shutil
from pathlib import Path

from rig import BTC, make_rig

from scalp_tui.engine.protocol import PositionState
from scalp_tui.store.intent_log import logged_intents
from scalp_tui.store.journal import Journal, read_open_positions


def disk_at_send(journal: Journal, path: Path, into: Path) -> None:
    """Copy the journal's files as they are on disk now: what a process killed at
    this instant leaves behind (the writer thread kept out meanwhile)."""
    into.mkdir()
    with journal.connection():
        for name in (path.name, path.name + "-wal", path.name + ".intents"):
            source = path.with_name(name)
            if source.exists():
                shutil.copy(source, into / name)


def test_an_entry_is_restored_from_the_disk_as_it_was_when_its_order_left(
    tmp_path: Path,
) -> None:
    path = tmp_path / "run" / "journal.sqlite"
    journal = Journal(path, session="s")
    rig = make_rig((BTC,))
    rig.engine.subscribe(journal)
    journal.bind(rig.engine)
    crashed = tmp_path / "crashed"
    submit = rig.paper.submit

    def submit_after_a_crash_snapshot(order) -> None:  # type: ignore[no-untyped-def]
        if not crashed.exists():
            disk_at_send(journal, path, crashed)
        submit(order)

    rig.paper.submit = submit_after_a_crash_snapshot  # type: ignore[method-assign]
    rig.ask_heavy(BTC)
    assert rig.engine.positions
    journal.close()

    sent = crashed / "journal.sqlite"
    assert logged_intents(sent)  # SQLite alone would not hold it yet
    restarted = Journal(sent, session="t")
    saved = restarted.saved_state()
    restarted.close()
    assert [p.symbol for p in saved.positions] == [BTC]
    assert saved.positions[0].state is PositionState.OPENING
    assert [o.position_id for o in saved.orders] == [saved.positions[0].id]
    assert logged_intents(sent) == []  # applied, then emptied


def test_the_log_is_emptied_once_the_writer_has_committed_it(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    journal = Journal(path, session="s")
    rig = make_rig((BTC,))
    rig.engine.subscribe(journal)
    journal.bind(rig.engine)
    rig.ask_heavy(BTC)
    assert logged_intents(path)
    journal.close()
    assert logged_intents(path) == []
    assert [r.record.symbol for r in read_open_positions(path)] == [BTC]


def test_positions_read_from_outside_include_a_crashed_runs_intent(tmp_path: Path) -> None:
    path = tmp_path / "run" / "journal.sqlite"
    journal = Journal(path, session="s")
    rig = make_rig((BTC,))
    rig.engine.subscribe(journal)
    journal.bind(rig.engine)
    crashed = tmp_path / "crashed"
    submit = rig.paper.submit
    rig.paper.submit = lambda order: (  # type: ignore[method-assign]
        disk_at_send(journal, path, crashed),
        submit(order),
    )
    rig.ask_heavy(BTC)
    journal.close()
    # a torn line after it (the machine went down while writing) is skipped
    log = crashed / "journal.sqlite.intents"
    data = log.read_bytes()
    end = data.index(b"\0")
    log.write_bytes(data[:end] + b'[99,[["orders",[1' + data[end + 17 :])
    rows = read_open_positions(crashed / "journal.sqlite")
    assert [r.record.symbol for r in rows] == [BTC]
