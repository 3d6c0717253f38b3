"""An attached console lowers its own CPU priority, never that of an engine it
starts (a process could not raise it back)."""

import subprocess
import sys

import pytest

# run in a process of its own: a lowered priority cannot be raised again
SCRIPT = """
import os, subprocess, sys
from scalp_tui.service.priority import at_normal_priority, yield_cpu_to_engine
before = os.nice(0)
assert yield_cpu_to_engine(10)
child = [sys.executable, "-c", "import os; print(os.nice(0))"]
started = at_normal_priority(lambda: subprocess.run(child, capture_output=True, text=True))
directly = subprocess.run(child, capture_output=True, text=True)
print(before, os.nice(0), started.stdout.strip(), directly.stdout.strip())
"""


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread priorities are Linux's")
def test_the_console_yields_and_the_engines_it_starts_do_not() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    before, console, started_engine, from_console_thread = map(int, done.stdout.split())
    assert console == before + 10 or console == 19  # capped at 19
    assert started_engine == before  # an engine it starts runs at full priority
    assert from_console_thread == console  # (what would happen without the care)


def test_a_console_nice_of_zero_changes_nothing() -> None:
    script = (
        "import os\nfrom scalp_tui.service.priority import yield_cpu_to_engine\n"
        "b = os.nice(0)\nassert not yield_cpu_to_engine(0)\nassert os.nice(0) == b\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
