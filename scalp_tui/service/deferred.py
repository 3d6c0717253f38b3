"""Listeners that run after the engine's step instead of inside it.

The engine calls its listeners synchronously, while it handles a book update, so
anything they do sits between the tick and the order it triggers. The engine log's
write and the clients' frames can wait until the step is over: they get the events
in order, one loop iteration later.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class AfterStep(Generic[Item]):
    """Hands items (events) to `deliver`, in order, once the engine's current step
    returns."""

    def __init__(self, deliver: Callable[[Item], None]) -> None:
        self._deliver = deliver
        self._loop: asyncio.AbstractEventLoop | None = None  # the engine's, once seen
        self._pending: list[Item] = []
        self._lock = threading.Lock()  # an event may come from another thread

    def __call__(self, item: Item) -> None:
        with self._lock:
            self._pending.append(item)
            if len(self._pending) > 1:
                return  # a flush is scheduled already
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:  # not on the loop: before it runs, or another thread
            loop = self._loop
            if loop is None or loop.is_closed():
                self.flush()
                return
            try:
                loop.call_soon_threadsafe(self.flush)
            except RuntimeError:  # closed meanwhile
                self.flush()
            return
        self._loop.call_soon(self.flush)

    def flush(self) -> None:
        """Deliver what is pending now (also before anything that must follow it)."""
        with self._lock:
            items, self._pending = self._pending, []
        for item in items:
            self._deliver(item)
