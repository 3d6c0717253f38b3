"""ctrl+k in the real `scalp-tui` console, then `kill -9` a moment later, round after
round: every time, a fresh process reads the kill switch as latched in the journal, so
a restart would not trade."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from crash import read, wait_for
from engines import engine_pid

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

SCALP_TUI = Path(sys.executable).with_name("scalp-tui")
ROUNDS = 20
MAX_DELAY_S = 0.4
# The journal's event writer gathers a burst for 20 ms before it commits, so a latch
# left to it is lost only to a kill within a few tens of milliseconds: the delays grow
# as a cube, putting a third of the rounds in that window while still reaching 0.4 s.
DELAYS_S = [MAX_DELAY_S * (i / (ROUNDS - 1)) ** 3 for i in range(ROUNDS)]
# auto mode at 10x trades at once; many rounds of kill-switch closes (fees, slippage)
# must not reach the daily loss limit, which would stop the entries each round needs
CONFIG = {"mode": "auto", "max_daily_loss": 100000}

# open positions the kill switch has not touched: its exit orders for them are the
# sign that ctrl+k was acted on
UNTOUCHED_OPEN = (
    "SELECT id FROM positions WHERE open = 1 AND json_extract(body, '$.state') = 'open' "
    "AND json_extract(body, '$.qty') > 0 AND json_extract(body, '$.forced_exit') IS NULL"
)
KILL_EXITS = (
    "SELECT json_extract(body, '$.position_id') FROM orders "
    "WHERE json_extract(body, '$.purpose') = 'kill_switch'"
)


class Tmux:
    """A tmux server of this test's own: no user configuration, kept up between rounds
    (a server per round would add its start-up to every one)."""

    def __init__(self) -> None:
        self.socket = f"scalp-latch-{uuid.uuid4().hex[:8]}"
        self.socket_path: Path | None = None

    def __call__(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def start(self) -> None:
        # remain-on-exit: a console that dies on its own leaves its last screen to read
        self("start-server", ";", "set", "-g", "exit-empty", "off", ";",
             "set", "-g", "remain-on-exit", "on")  # fmt: skip
        self.socket_path = Path(self("display", "-p", "#{socket_path}").strip())

    def stop(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)
        # a killed server leaves its socket file behind
        if self.socket_path is not None:
            self.socket_path.unlink(missing_ok=True)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    server = Tmux()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def start_console(tmux: Tmux, session: str, cwd: Path, config: Path, journal: Path) -> int:
    """Start the console in a pane of its own (exec'd directly, no shell) and return its
    pid: the pane's process is the console itself."""
    tmux(
        "new-session", "-d", "-s", session, "-x", "160", "-y", "48", "-c", str(cwd),
        "-e", f"XDG_RUNTIME_DIR={os.environ['XDG_RUNTIME_DIR']}",
        str(SCALP_TUI), "--config", str(config), "--speed", "10", "--seed", "2",
        "--journal", str(journal),
    )  # fmt: skip
    pid = int(tmux("display", "-p", "-t", session, "#{pane_pid}"))
    # The pane's process is tmux's own fork until it has exec'd the console; kill
    # nothing but the console on this round's journal.
    cmdline = Path(f"/proc/{pid}/cmdline")
    execd = poll(lambda: str(journal).encode() in cmdline.read_bytes().split(b"\0"), 10, 0.01)
    assert execd, f"pane process {pid} is not the console: {cmdline.read_bytes()!r}"
    return pid


def poll(check: Callable[[], bool], timeout: float, interval: float) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def dead(pid: int) -> bool:
    """Gone, or a zombie: its files, and so its hold on the journal, are released. (The
    pane's tmux server does not always reap it at once.)"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rpartition(")")[2].split()[0] in ("Z", "X")


def latched_then_released(journal: Path) -> bool:
    """Whether a fresh process finds the kill switch latched; releases it if so, so the
    next round starts trading."""
    result = subprocess.run(
        [str(SCALP_TUI), "reset-kill-switch", "--journal", str(journal)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    if "kill switch reset" in result.stdout:
        return True
    assert "not latched" in result.stdout, result.stdout
    return False


def crash_round(tmux: Tmux, session: str, config: Path, journal: Path, delay: float) -> str:
    """One console and the engine it starts: ctrl+k once the engine holds an open
    position, then `kill -9` of the engine (and the console) `delay` seconds after the
    engine acted on it. Says what the delay was counted from."""
    console = start_console(tmux, session, config.parent, config, journal)

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", session)

    try:
        assert poll(lambda: " PAPER " in screen(), 30, 0.05), f"not drawn:\n{screen()}"
        # the engine process holds the journal and the latch: it is the one to crash
        pid = engine_pid(Path(os.environ["XDG_RUNTIME_DIR"]))
        assert pid is not None, f"no engine answers for the console:\n{screen()}"
        # positions restored from the round before are being closed by the kill switch
        # already: wait for one it has not touched yet
        untouched: set[int] = wait_for(
            lambda: {p for (p,) in read(journal, UNTOUCHED_OPEN)}, 30, "an open position"
        )
        tmux("send-keys", "-t", session, "C-k")
        # The delay counts from the moment the console acted on ctrl+k, not from the
        # keystroke: killed before it has even read the key, it has nothing to latch.
        # The kill switch's exit orders are journaled before they are sent, whatever
        # becomes of the latch, so they mark that moment within a millisecond or two.
        acted = "its exit orders"
        if not poll(lambda: bool({p for (p,) in read(journal, KILL_EXITS)} & untouched), 2, 0.001):
            # the position closed on its own before the kill switch reached it: the
            # status line is the (later) sign the kill switch was engaged
            acted = "the status line"
            engaged = poll(lambda: "kill switch" in screen().splitlines()[0], 5, 0.01)
            assert engaged, f"ctrl+k did nothing:\n{screen()}"
        time.sleep(delay)  # deliberate: the moment of the crash is what varies
        os.kill(pid, signal.SIGKILL)
        os.kill(console, signal.SIGKILL)
        # the journal is the engine's until the process is dead
        assert poll(lambda: dead(pid), 10, 0.01), f"pid {pid} survived SIGKILL"
        return acted
    finally:
        subprocess.run(
            ["tmux", "-L", tmux.socket, "kill-session", "-t", session], capture_output=True
        )


@pytest.mark.slow
def test_kill_9_right_after_ctrl_k_keeps_the_kill_switch_latched(
    tmp_path: Path, tmux: Tmux
) -> None:
    journal = tmp_path / "j.sqlite"
    config = tmp_path / "config.json"
    config.write_text(json.dumps(CONFIG))
    lost: list[str] = []
    for round_, delay in enumerate(DELAYS_S):
        acted = crash_round(tmux, f"round-{round_}", config, journal, delay)
        if not latched_then_released(journal):
            lost.append(f"round {round_}: killed {delay * 1000:.1f} ms after {acted}")
    assert not lost, f"kill switch not latched after {len(lost)} of {ROUNDS} kills: {lost}"
