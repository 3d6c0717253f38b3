"""The real `scalp-tui` in a terminal: ctrl+k flattens an open position within a second."""

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

SCALP_TUI = Path(sys.executable).with_name("scalp-tui")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


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


def test_kill_switch_flattens_within_a_second(tmp_path: Path) -> None:
    session = f"scalp-{uuid.uuid4().hex[:8]}"
    command = f"cd {tmp_path} && {SCALP_TUI} --mode auto --speed 10 --seed 2"
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
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
