"""A real `scalp-tui engine` process in a private runtime directory, and the
`scalp-tui` commands a shell would run against it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROGRAM = [sys.executable, "-m", "scalp_tui.cli"]
START_TIMEOUT_S = 30.0
# auto mode at 20x: the simulated market opens positions within seconds, and the
# 15-minute timeout keeps them open while a test acts
TRADING = ("--mode", "auto", "--speed", "20", "--seed", "3")


def wait_for(condition: Callable[[], Any], timeout_s: float, what: str) -> Any:
    """The first truthy value of `condition()`, polled until `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class EngineProcess:
    def __init__(
        self, runtime: Path, journal: Path, *args: str, env: dict[str, str] | None = None
    ) -> None:
        self.runtime = runtime
        self.env = {
            **os.environ,
            "XDG_RUNTIME_DIR": str(runtime),
            "SCALP_TUI_JOURNAL": str(journal),
            **(env or {}),
        }
        self.log = runtime.parent / "engine.log"
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [*PROGRAM, "engine", *args], stdout=out, stderr=subprocess.STDOUT, env=self.env
            )
        self.socket = runtime / "scalp-tui" / "engine.sock"
        wait_for(self._listening, START_TIMEOUT_S, "the engine to listen")

    def _listening(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(
                f"the engine exited {self.proc.returncode}: {self.log.read_text()}"
            )
        return "engine: listening on" in self.log.read_text()

    def run(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """A scalp-tui command from another shell of the same user."""
        return subprocess.run(
            [*PROGRAM, *args], capture_output=True, text=True, env=self.env, timeout=timeout
        )

    def status(self) -> dict[str, Any]:
        done = self.run("status", "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def private_runtime(tmp_path_factory: Any) -> Path:
    """A short, 0700 runtime directory (a socket path holds at most 107 bytes)."""
    runtime = tmp_path_factory.mktemp("rt")
    runtime.chmod(0o700)
    return runtime
