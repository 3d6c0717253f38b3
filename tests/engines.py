"""Engine processes a test started through plain `scalp-tui`: found by the runtime
directory their socket is in, and stopped (an engine outlives its console by design)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SCALP_TUI = Path(sys.executable).with_name("scalp-tui")


def engine_pid(runtime_dir: Path) -> int | None:
    """The pid of the engine answering in `runtime_dir`, or None."""
    if not any(runtime_dir.rglob("*.sock")):
        return None
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime_dir)}
    done = subprocess.run(
        [str(SCALP_TUI), "status", "--json"], capture_output=True, text=True, env=env, timeout=30
    )
    return int(json.loads(done.stdout)["pid"]) if done.returncode == 0 else None


def stop_engine(runtime_dir: Path, sig: int = signal.SIGTERM, wait_s: float = 15.0) -> None:
    """Stop the engine in `runtime_dir`, if one answers: `sig`, then SIGKILL."""
    pid = engine_pid(runtime_dir)
    if pid is None:
        return
    with_kill = [sig, signal.SIGKILL] if sig != signal.SIGKILL else [sig]
    for each in with_kill:
        try:
            os.kill(pid, each)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if not Path(f"/proc/{pid}").exists() or _zombie(pid):
                return
            time.sleep(0.05)


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rpartition(")")[2].split()[0] in ("Z", "X")
