"""Starting and stopping an engine process for a console (plain `scalp-tui`).

The console starts `scalp-tui engine ... --from-console` in its own process session,
so closing the terminal or killing the console leaves the engine (and the positions
it guards) running. Its output goes to `engine.log` beside the socket. The console
stops it again with SIGTERM, which the engine takes as an orderly stop (no new
entries, the journal flushed).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from scalp_tui.service.client import ServiceError, open_socket
from scalp_tui.service.paths import ensure_private_dir
from scalp_tui.service.priority import at_normal_priority

START_TIMEOUT_S = 60.0  # an exchange's markets and history can take a while
STOP_TIMEOUT_S = 30.0
# marks an engine a plain console started: a plain console stops it when it quits
FROM_CONSOLE = "--from-console"
_POLL_S = 0.1


def log_path(socket: Path) -> Path:
    return socket.parent / "engine.log"


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def last_line(path: Path) -> str:
    lines = path.read_text(errors="replace").strip().splitlines()
    return lines[-1] if lines else f"no output (see {path})"


def answers(socket: Path) -> bool:
    """Something listens on the engine's socket now."""
    try:
        open_socket(socket).close()
    except ServiceError:
        return False
    return True


def start_engine_process(
    socket: Path, argv: list[str], cwd: str | None = None
) -> subprocess.Popen[bytes]:
    """`scalp-tui <argv>` in its own session, its output appended to the engine's log
    beside `socket`; returns at once."""
    with open(log_path(socket), "ab", opener=_private_opener) as out:
        # never at the lowered priority of the console that starts it
        return at_normal_priority(
            lambda: subprocess.Popen(
                [sys.executable, "-m", "scalp_tui.cli", *argv],
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # it outlives this console and its terminal
            )
        )


def spawn_engine(socket: Path, arguments: list[str]) -> subprocess.Popen[bytes]:
    """`scalp-tui engine <arguments>` in its own session, output appended to its log;
    returns once it answers on `socket`. Raises ServiceError (its own last line when
    it refused to start), ServicePathError."""
    ensure_private_dir(socket.parent)
    log = log_path(socket)
    process = start_engine_process(socket, ["engine", *arguments])
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceError(
                f"the engine did not start: {last_line(log).removeprefix('error: ')}"
            )
        if answers(socket):
            return process
        time.sleep(_POLL_S)
    process.terminate()
    raise ServiceError(f"the engine did not answer within {START_TIMEOUT_S:g} s (see {log})")


def stop_engine(pid: int, process: subprocess.Popen[bytes] | None = None) -> bool:
    """SIGTERM to the engine and wait for it to end (journal flushed). True once it
    has; False if it still runs after STOP_TIMEOUT_S."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process is not None:
            if process.poll() is not None:
                return True
        else:
            # an engine this console restarted is its child: reap it, or it lingers
            # as a zombie that os.kill still finds
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return True
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
        time.sleep(_POLL_S)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 0)
        return False
    return True
