"""The real `scalp-tui` in a terminal (the console attached to the engine process it
starts): ctrl+k flattens an open position within a second."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from engines import stop_engine
from tmux_server import kill_session, tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

SCALP_TUI = Path(sys.executable).with_name("scalp-tui")


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_for(session: str, predicate, timeout: float) -> tuple[bool, str]:
    deadline = time.monotonic() + timeout
    text = screen(session)
    while not predicate(text):
        if time.monotonic() > deadline:
            return False, text
        time.sleep(0.05)
        text = screen(session)
    return True, text


def private_command(tmp_path: Path, arguments: str) -> str:
    """`scalp-tui <arguments>` with its own runtime directory (socket) and journal: the
    tmux server's environment is not the test's, so both are set on the line."""
    runtime = tmp_path / "rt"
    runtime.mkdir(mode=0o700, exist_ok=True)
    return (
        f"cd {tmp_path} && XDG_RUNTIME_DIR={runtime} SCALP_TUI_JOURNAL={tmp_path}/j.sqlite "
        f"{SCALP_TUI} {arguments}"
    )


def engine_status(tmp_path: Path) -> dict | None:
    """The engine's status, or None when no engine answers."""
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path / "rt")}
    done = subprocess.run(
        [str(SCALP_TUI), "status", "--json"], capture_output=True, text=True, env=env
    )
    return json.loads(done.stdout) if done.returncode == 0 else None


def stop_engine_left(tmp_path: Path) -> None:
    """The engine outlives a console by design: a test stops what it started."""
    stop_engine(tmp_path / "rt")


def test_kill_switch_flattens_within_a_second(tmp_path: Path) -> None:
    session = f"scalp-{uuid.uuid4().hex[:8]}"
    command = private_command(tmp_path, "--mode auto --speed 10 --seed 2")
    tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "48", command)
    try:
        opened, text = wait_for(session, lambda t: " PAPER " in t and " open " in t, 30)
        assert opened, f"no position opened:\n{text}"
        tmux("send-keys", "-t", session, "C-k")
        pressed = time.monotonic()
        # the header says so and "flat" once no position is left open
        flat, text = wait_for(
            session, lambda t: "BLOCKED: kill switch  flat" in t.splitlines()[0], 1.0
        )
        elapsed = time.monotonic() - pressed
        assert flat, f"not flat {elapsed:.2f}s after ctrl+k:\n{text}"
    finally:
        kill_session(session)
        stop_engine_left(tmp_path)


def test_at_80_by_24_positions_countdowns_and_the_quit_question_show(tmp_path: Path) -> None:
    """The smallest supported terminal: header, countdowns, the quit question."""
    session = f"scalp-{uuid.uuid4().hex[:8]}"
    command = private_command(tmp_path, "--mode auto --speed 10 --seed 2")
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    countdown = re.compile(r"#\d+ +\S+/USDT .* \d\d:\d\d")
    try:
        opened, text = wait_for(session, lambda t: bool(countdown.search(t)), 30)
        assert opened, f"no position with its countdown:\n{text}"
        header, risk = text.splitlines()[:2]
        assert " PAPER " in header and " AUTO " in header and "ENTRIES ON" in header
        assert re.search(r"\d\d:\d\d:\d\d$", header.rstrip()), header
        assert "PnL today" in risk and " / -50.00 (" in risk
        assert "terminal too small" not in text
        tmux("send-keys", "-t", session, "C-q")
        asked, text = wait_for(session, lambda t: "Stop the engine too?" in t, 5)
        assert asked, f"ctrl+q did not ask:\n{text}"
        tmux("send-keys", "-t", session, "n")
        closed, text = wait_for(session, lambda t: "Stop the engine too?" not in t, 5)
        assert closed, text
    finally:
        kill_session(session)
        stop_engine_left(tmp_path)
