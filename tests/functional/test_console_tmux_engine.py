"""The real `scalp-tui` in a terminal starts an engine process and attaches to it:
quitting with nothing open stops that engine; with positions open it asks, and
"leave" keeps the engine trading for the next `scalp-tui`, which attaches to it."""

import shutil
import uuid
from pathlib import Path

import pytest
from test_console_tmux import engine_status, private_command, stop_engine_left, wait_for
from tmux_server import kill_session, tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def poll(condition, timeout_s: float) -> bool:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def console(tmp_path: Path, arguments: str, env: str = "") -> str:
    session = f"scalp-{uuid.uuid4().hex[:8]}"
    # the shell stays after scalp-tui ends, so its last lines can be read
    command = private_command(tmp_path, arguments).replace(" && ", f" && {env} ") + "; sleep 120"
    tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "48", command)
    return session


def test_quitting_with_nothing_open_stops_the_engine_it_started(tmp_path: Path) -> None:
    # a volume no candle reaches: nothing is proposed or opened
    session = console(tmp_path, "--seed 2", env="SCALP_TUI_SHORT_SCALP_MIN_VOLUME=1e9")
    try:
        up, text = wait_for(session, lambda t: "console started" in t, 30)
        assert up, f"no console:\n{text}"
        status = engine_status(tmp_path)
        assert status is not None and status["positions"] == []
        assert status["new_entries_to"] == "paper"
        tmux("send-keys", "-t", session, "q")
        said, text = wait_for(session, lambda t: "engine stopped" in t, 30)
        assert said, f"the engine was not stopped:\n{text}"
        assert engine_status(tmp_path) is None
        assert not (tmp_path / "rt" / "scalp-tui" / "engine.sock").exists()
    finally:
        kill_session(session)
        stop_engine_left(tmp_path)


def test_positions_open_the_engine_can_be_left_running_and_found_again(tmp_path: Path) -> None:
    first = console(tmp_path, "--mode auto --speed 10 --seed 2")
    second = None
    try:
        opened, text = wait_for(first, lambda t: " PAPER " in t and " open " in t, 30)
        assert opened, f"no position opened:\n{text}"
        tmux("send-keys", "-t", first, "q")
        asked, text = wait_for(first, lambda t: "Stop the engine too?" in t, 5)
        assert asked, f"quitting with positions open did not ask:\n{text}"
        tmux("send-keys", "-t", first, "l")
        left, text = wait_for(first, lambda t: "the engine keeps running" in t, 10)
        assert left, text
        status = engine_status(tmp_path)
        assert status is not None and status["positions"], "the engine stopped with the console"
        pid = status["pid"]

        second = console(tmp_path, "")
        attached, text = wait_for(second, lambda t: "attached to the engine already" in t, 30)
        assert attached, f"the second console did not attach:\n{text}"
        assert engine_status(tmp_path)["pid"] == pid  # the same engine, not a new one
        tmux("send-keys", "-t", second, "q")
        wait_for(second, lambda t: "Stop the engine too?" in t, 5)
        tmux("send-keys", "-t", second, "s")
        stopped, text = wait_for(second, lambda t: f"engine stopped (pid {pid})" in t, 30)
        assert stopped, text
        assert poll(lambda: engine_status(tmp_path) is None, 5)
    finally:
        for session in (first, second):
            if session is not None:
                kill_session(session)
        stop_engine_left(tmp_path)


def test_beside_another_console_quitting_detaches_and_the_last_stops_the_engine(
    tmp_path: Path,
) -> None:
    first = console(tmp_path, "--seed 2", env="SCALP_TUI_SHORT_SCALP_MIN_VOLUME=1e9")
    second = None
    try:
        up, text = wait_for(first, lambda t: "console started" in t, 30)
        assert up, f"no console:\n{text}"
        second = console(tmp_path, "attach")
        up, text = wait_for(second, lambda t: "console started" in t, 30)
        assert up, f"no second console:\n{text}"
        pid = engine_status(tmp_path)["pid"]
        assert poll(lambda: engine_status(tmp_path)["consoles"] == 2, 5)
        tmux("send-keys", "-t", first, "q")
        said, text = wait_for(first, lambda t: "detached: 1 other console still" in t, 10)
        assert said, f"the first console did not just detach:\n{text}"
        status = engine_status(tmp_path)
        assert status is not None and status["pid"] == pid and status["consoles"] == 1
        tmux("send-keys", "-t", second, "q")  # the last one out, nothing open
        stopped, text = wait_for(second, lambda t: f"engine stopped (pid {pid})" in t, 30)
        assert stopped, text
        assert poll(lambda: engine_status(tmp_path) is None, 5)
    finally:
        for session in (first, second):
            if session is not None:
                kill_session(session)
        stop_engine_left(tmp_path)
