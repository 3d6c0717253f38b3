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
