"""An attached console gives way to the engine on a busy machine.

Drawing the console takes a quarter of a core at times; on a machine with few cores
that competes with the engine for the CPU, and an order waits for the console's frame
(measured: the engine's p99 from book to order went from 0.75 ms to 1.1-1.4 ms with a
console drawing beside it). So the console lowers its own priority (nice). A process
inherits the priority of the thread that starts it and can never raise it back, and
a console starts engines (a restart after ENGINE LOST): those are started from a
thread kept at the normal priority. On Linux the nice value is per thread, which is
what makes that possible; elsewhere the console keeps its priority.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Result = TypeVar("Result")

_normal_priority: ThreadPoolExecutor | None = None


def yield_cpu_to_engine(niceness: int) -> bool:
    """Lower this console's priority by `niceness` (its main thread and the threads it
    starts from now on), keeping one thread at the normal priority to start engines
    from. False when nothing was lowered."""
    global _normal_priority
    if niceness <= 0 or sys.platform != "linux":
        return False
    if _normal_priority is None:
        _normal_priority = ThreadPoolExecutor(1, thread_name_prefix="normal-priority")
        _normal_priority.submit(lambda: None).result()  # its thread exists from now
    try:
        os.nice(niceness)
    except OSError:
        return False
    return True


def at_normal_priority(start: Callable[[], Result]) -> Result:
    """`start()` from a thread at the priority this process began with (a process it
    starts inherits that priority)."""
    if _normal_priority is None:
        return start()
    return _normal_priority.submit(start).result()
