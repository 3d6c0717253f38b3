"""The log pane: engine events become lines, written in batches on a timer."""

from __future__ import annotations

from collections import deque

from textual.widgets import Log

from scalp_tui.engine.protocol import Event
from scalp_tui.eventlog import format_event

MAX_LINES = 2_000


class EventLog(Log):
    """Buffers lines as they come and writes them on `flush`, a few times a second:
    writing every line at once would repaint and scroll per market event."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_lines=MAX_LINES, **kwargs)
        self._pending: deque[str] = deque(maxlen=MAX_LINES)

    def add_event(self, event: Event) -> None:
        line = format_event(event)
        if line is not None:
            self._pending.append(line)

    def add_line(self, line: str) -> None:
        self._pending.append(line)

    def flush(self) -> None:
        if self._pending:
            lines = list(self._pending)
            self._pending.clear()
            self.write_lines(lines)
