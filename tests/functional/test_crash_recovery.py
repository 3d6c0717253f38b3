"""kill -9 the real `scalp-tui headless` with paper positions open, again and again:
every restart brings back exactly what the journal held open, countdowns intact."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from crash import closed_ids, events_since, last_event_id, open_positions, wait_for

ROUNDS = 10
TIMEOUT_MIN = 2.0
# positions live a few seconds of wall time here: opened, closed and killed mid-way
CONFIG = {"mode": "auto", "short_scalp_timeout": TIMEOUT_MIN, "max_daily_loss": 100000}


def start(tmp_path: Path, journal: Path, *args: str) -> subprocess.Popen[str]:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(CONFIG))
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scalp_tui.cli",
            "headless",
            "--config",
            str(config),
            "--speed",
            "30",
            "--journal",
            str(journal),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.mark.slow
def test_kill_9_with_paper_positions_open_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    rng = random.Random(661)
    expected: dict[int, dict] = {}
    restored_total = 0
    for round_ in range(ROUNDS + 1):
        mark = last_event_id(journal)
        last = round_ == ROUNDS
        proc = start(tmp_path, journal, *(["--duration", "1", "--json"] if last else []))
        # what comes back is exactly what the journal held open when the last one died
        want = len(expected)
        wait_for(
            lambda m=mark, n=want: (
                last_event_id(journal) > m
                and len(events_since(journal, m, "PositionRestored")) >= n
            ),
            30,
            "the restart",
        )
        came_back = {
            e["position"]["id"]: e["position"]
            for e in events_since(journal, mark, "PositionRestored")
        }
        assert set(came_back) == set(expected), f"round {round_}"
        for pid, before in expected.items():
            after = came_back[pid]
            assert after["qty"] == before["qty"] and after["entry_price"] == before["entry_price"]
            assert after["opened_ms"] == before["opened_ms"]
            # the countdown runs from the original open time
            assert after["timeout_ms"] == before["opened_ms"] + int(TIMEOUT_MIN * 60_000)
        restored_total += len(came_back)
        if last:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            summary = json.loads(out.strip().splitlines()[-1])
            assert summary["restored_positions"] == len(expected)
            break
        # let it trade a while (entries, exits), then kill it without warning at a
        # moment when something is open
        time.sleep(rng.uniform(0.2, 1.5))
        wait_for(lambda: open_positions(journal), 30, "an open position")
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        expected = open_positions(journal)
        ids = closed_ids(journal)
        assert len(ids) == len(set(ids)), "a position was closed twice"
        assert not set(ids) & set(expected), "a closed position is still open"
    assert restored_total >= ROUNDS  # the loop really restored positions, round after round


def test_a_timeout_that_passes_while_the_process_is_dead_closes_at_once(
    tmp_path: Path,
) -> None:
    """Real time: the simulated market runs on the wall clock at speed 1, so the
    seconds the process is dead count against the countdown."""
    journal = tmp_path / "journal.sqlite"
    config = tmp_path / "short.json"
    config.write_text(json.dumps({**CONFIG, "short_scalp_timeout": 0.1}))  # 6 s
    run = [sys.executable, "-m", "scalp_tui.cli", "headless", "--config", str(config)]
    proc = subprocess.Popen([*run, "--journal", str(journal)], stdout=subprocess.DEVNULL)
    held = wait_for(lambda: open_positions(journal), 30, "an open position")
    proc.kill()
    proc.wait(30)
    held = open_positions(journal)
    deadline_ms = max(p["opened_ms"] for p in held.values()) + 6_000
    time.sleep(max(0.0, deadline_ms / 1000 - time.time()) + 0.5)  # dead past every timeout

    mark = last_event_id(journal)
    result = subprocess.run(
        [*run, "--journal", str(journal), "--duration", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "timeout passed" in result.stdout
    closed = {
        e["position"]["id"]: e["position"] for e in events_since(journal, mark, "PositionClosed")
    }
    assert set(held) <= set(closed)
    assert {closed[pid]["exit_reason"] for pid in held} == {"short_scalp_timeout"}
    assert json.loads(result.stdout.strip().splitlines()[-1])["restored_positions"] == len(held)


def test_trades_open_lists_what_the_next_start_restores(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    proc = start(tmp_path, journal)
    wait_for(lambda: len(open_positions(journal)) >= 2, 30, "two open positions")
    proc.kill()
    proc.communicate(timeout=30)
    # entries in flight are listed too: on an exchange they may have filled meanwhile
    held = open_positions(journal, with_unfilled=True)
    cli = [sys.executable, "-m", "scalp_tui.cli", "trades", "--open", "--journal", str(journal)]
    listed = json.loads(subprocess.run([*cli, "--json"], capture_output=True, text=True).stdout)
    assert {p["id"] for p in listed["open"]} == set(held)
    assert listed["totals"]["positions"] == len(held)
    table = subprocess.run(cli, capture_output=True, text=True).stdout
    assert f"total: {len(held)} open positions" in table
    some = next(iter(held.values()))
    only = subprocess.run(
        [*cli, "--json", "--symbol", some["symbol"]], capture_output=True, text=True
    ).stdout
    assert {p["symbol"] for p in json.loads(only)["open"]} == {some["symbol"]}


@pytest.mark.parametrize("damage", ["corrupt", "in use"])
def test_a_journal_that_cannot_be_used_is_one_line_and_exit_2(tmp_path: Path, damage) -> None:
    from scalp_tui.store.journal import Journal

    journal = tmp_path / "journal.sqlite"
    holder = None
    if damage == "corrupt":
        journal.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    else:
        holder = Journal(journal, session="another console")
    before = journal.read_bytes()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "scalp_tui.cli", "headless", "--duration", "1"],
            capture_output=True,
            text=True,
            env={**os.environ, "SCALP_TUI_JOURNAL": str(journal)},
            timeout=60,
        )
    finally:
        if holder is not None:
            holder.close()
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and str(journal) in line
    if damage == "corrupt":
        assert journal.read_bytes() == before  # never overwritten
