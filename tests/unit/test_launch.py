"""Stopping an engine process from a console (service/launch.py)."""

from __future__ import annotations

import subprocess
import sys

from scalp_tui.service.launch import stop_engine


def test_an_engine_restarted_by_this_console_is_stopped_and_reaped() -> None:
    # a restart from the ENGINE LOST screen makes the engine this console's child,
    # known only by the pid its welcome names: once it ends it must not count as alive
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert stop_engine(child.pid) is True
    finally:
        child.kill()
        child.wait()


def test_stopping_an_engine_that_is_gone_is_done() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert stop_engine(child.pid, child) is True
