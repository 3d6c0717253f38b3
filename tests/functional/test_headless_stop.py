"""Stopping the real `scalp-tui headless` on the simulated market: SIGTERM/SIGINT end
it in order (entries off, summary, journal flushed, exit 0), and --flatten-on-exit
closes every position first and leaves no latch behind."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path

import pytest
from crash import events_since, open_positions, wait_for

from scalp_tui.config import load_config
from scalp_tui.engine.protocol import Event, ModeChanged, OrderStatus
from scalp_tui.runtime.session import Session
from scalp_tui.stopping import EXIT_NOT_FLAT, Stopper

CLI = [sys.executable, "-m", "scalp_tui.cli"]
# Exits that do not come on their own within a test: a short, once open, stays open
# until the stop (or the flatten) closes it.
HOLD = {
    "SCALP_TUI_SHORT_SCALP_PROFIT_TARGET": "0.5",
    "SCALP_TUI_SHORT_SCALP_STOP_LOSS": "0.5",
    "SCALP_TUI_SHORT_SCALP_REVERSAL_THRESHOLD": "0.99",
}


def start(journal: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, "headless", "--speed", "20", "--mode", "auto", "--journal", str(journal), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **HOLD},
    )


def stop(proc: subprocess.Popen[str], *signals: signal.Signals) -> tuple[str, str]:
    for sig in signals:
        proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return out, err


def trades_open(journal: Path) -> dict:
    listed = subprocess.run(
        [*CLI, "trades", "--open", "--json", "--journal", str(journal)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


def entries_paused(journal: Path) -> bool:
    """The last thing the run did before stopping; in the file only if flushed."""
    return any(
        e["what"] == "entries" and e["value"] == "paused"
        for e in events_since(journal, 0, "ModeChanged")
    )


@pytest.mark.parametrize("signals", [(signal.SIGTERM,), (signal.SIGINT, signal.SIGINT)])
def test_a_stop_signal_ends_in_order_and_names_what_stays_open(
    tmp_path: Path, signals: tuple[signal.Signals, ...]
) -> None:
    journal = tmp_path / "journal.sqlite"
    proc = start(journal, "--json")
    try:
        wait_for(lambda: open_positions(journal), 60, "an open short")
    finally:
        out, err = stop(proc, *signals)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    lines = out.strip().splitlines()
    summary = json.loads(lines[-1])  # still the last line of stdout
    assert f"stop: {signals[0].name} received: no new entries" in lines
    assert entries_paused(journal)
    held = trades_open(journal)["open"]
    assert summary["open_positions"] == len(held) >= 1
    named = [line for line in lines if line.startswith("open at exit: ")]
    assert len(named) == len(held)
    for position in held:
        (line,) = [n for n in named if n.startswith(f"open at exit: #{position['id']} ")]
        assert f"{position['symbol']} short {position['qty']:g}" in line
        assert "(paper), no exchange-side stop" in line
        assert line.endswith(f"resume: scalp-tui headless --journal {journal.resolve()}")


def test_flatten_on_exit_at_a_signal_leaves_the_journal_flat_and_unlatched(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "journal.sqlite"
    proc = start(journal, "--json", "--flatten-on-exit")
    try:
        wait_for(lambda: open_positions(journal), 60, "an open short")
    finally:
        out, err = stop(proc, signal.SIGTERM)
    assert proc.returncode == 0, err
    lines = out.strip().splitlines()
    assert json.loads(lines[-1])["open_positions"] == 0
    assert "flatten-on-exit: flat; kill switch released: the next start may trade" in lines
    assert not any(line.startswith("open at exit: ") for line in lines)
    assert trades_open(journal)["open"] == []
    latch = events_since(journal, 0, "KillSwitchChanged")
    assert latch[-1]["engaged"] is False  # the next start is not blocked
    assert any("flatten-on-exit" in e["detail"] for e in latch)


def test_flatten_on_exit_at_the_end_of_the_duration(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    result = subprocess.run(
        [
            *(*CLI, "headless", "--duration", "300", "--speed", "0", "--mode", "auto"),
            *("--journal", str(journal), "--json", "--flatten-on-exit"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **HOLD},
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["exits"].get("kill_switch", 0) >= 1  # there was something to close
    assert summary["open_positions"] == 0
    assert summary["sim_seconds"] == pytest.approx(300, abs=1)
    assert trades_open(journal)["open"] == []


async def test_not_flat_in_time_keeps_the_latch_and_exits_non_zero(tmp_path: Path) -> None:
    """Every exit is rejected: the flatten gives up after its bound, says what is
    left, and keeps the kill switch engaged."""
    settings = load_config(None, env=HOLD, overrides={"mode": "auto"}).settings
    session = Session.simulated(settings, seed=1, speed=0)

    def reject_exits(event: Event) -> None:
        if isinstance(event, ModeChanged) and (event.what, event.value) == ("entries", "paused"):
            # from now on every order is refused, as a venue refuses it
            session.paper.submit = lambda order: session.engine.on_order_status(  # type: ignore[method-assign]
                order.id, OrderStatus.REJECTED, "venue says no"
            )

    session.subscribe(reject_exits)
    out = io.StringIO()
    stopper = Stopper(out, flatten=True, resume=lambda p: f"resume #{p.id}", timeout_s=1.0)
    code = await stopper.drive(session, 300, market_clock=True)
    text = out.getvalue()
    assert code == EXIT_NOT_FLAT
    snap = session.snapshot(depth=0)
    assert snap.positions and snap.killed
    assert "flatten-on-exit: not flat after 1 s, still open: #" in text
    assert "the kill switch stays latched" in text
    for position in snap.positions:
        assert f"open at exit: #{position.id} " in text
        assert f"resume: resume #{position.id}" in text


def test_a_signal_while_stopping_is_only_noted(tmp_path: Path) -> None:
    """Many signals in a row: still one orderly stop, no traceback."""
    journal = tmp_path / "journal.sqlite"
    proc = start(journal, "--flatten-on-exit")
    try:
        wait_for(lambda: open_positions(journal), 60, "an open short")
        proc.send_signal(signal.SIGTERM)
        for _ in range(5):
            time.sleep(0.01)
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
    finally:
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "summary: " in out.strip().splitlines()[-1]
    assert trades_open(journal)["open"] == []


def test_a_signal_while_connecting_abandons_the_start_at_once(tmp_path: Path) -> None:
    """An exchange that accepts connections and never answers: a stop does not wait
    for the client's timeouts and retries."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    port = server.getsockname()[1]
    held: list[socket.socket] = []

    def accept() -> None:
        with suppress(OSError):
            while True:
                held.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    endpoints = {
        "SCALP_TUI_EXCHANGE__REST_URL": f"http://127.0.0.1:{port}",
        "SCALP_TUI_EXCHANGE__WS_URL": f"ws://127.0.0.1:{port}/ws",
    }
    proc = subprocess.Popen(
        [*CLI, "headless", "--exchange", "binanceusdm", "--journal", str(tmp_path / "j")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **endpoints},
    )
    try:
        wait_for(lambda: held, 30, "the connection attempt")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        server.close()
        for conn in held:
            conn.close()
    assert proc.returncode == 128 + signal.SIGTERM
    assert "stop: SIGTERM received while starting: nothing ran" in err
    assert "Traceback" not in err and "summary" not in out


def test_flatten_on_exit_keeps_a_latch_engaged_before_the_run(tmp_path: Path) -> None:
    """A kill switch latched by an earlier run was the user's decision: flattening at
    exit does not release it."""
    from rig import make_rig

    from scalp_tui.engine.protocol import EngageKillSwitch
    from scalp_tui.store.journal import Journal

    journal = tmp_path / "journal.sqlite"
    before = Journal(journal, session="before")
    rig = make_rig()
    rig.engine.subscribe(before)
    rig.engine.execute(EngageKillSwitch())
    before.close()
    run = [*CLI, "headless", "--duration", "60", "--speed", "0", "--flatten-on-exit"]
    result = subprocess.run(
        [*run, "--journal", str(journal)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "flatten-on-exit: flat; the kill switch was engaged before the stop and stays latched"
        in result.stdout
    )
    assert events_since(journal, 0, "KillSwitchChanged")[-1]["engaged"] is True
