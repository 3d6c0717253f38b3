"""Standard output written from a thread of its own, so the engine never waits on it.

The headless runner and the engine service print a line per event from the engine's
loop. A plain print blocks when the output is not being read: a terminal paused with
ctrl+s, a pipe into a program that stopped reading, a full disk. The loop that
watches stops and timeouts would then stand still for as long. Here a write only
queues the text, by whole lines; a writer thread hands it to the file descriptor. When
`max_pending` lines wait, new ones are dropped and counted, and the count is written
as soon as the output moves again: the log says what it lost, the engine loses nothing.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections import deque
from typing import TextIO

MAX_PENDING = 20_000  # lines held while the output is stuck (a burst queued at once counts one)
CLOSE_WAIT_S = 5.0  # at the end: how long the last lines may take to get out


class BackgroundOut(io.TextIOBase):
    """A text stream for `print(..., file=...)` whose writes never block."""

    def __init__(self, target: TextIO, max_pending: int = MAX_PENDING) -> None:
        super().__init__()
        self.target = target
        self.max_pending = max_pending
        self.dropped_lines = 0  # lines not written: the output was stuck too long
        self._pending: deque[str] = deque()
        self._dropped_unsaid = 0
        self._partial = ""  # the start of a line whose newline has not come yet
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._closing = False
        self._writing = False  # a batch taken off the queue is being written
        self._broken = False  # the reader went away (EPIPE): nothing more is written
        try:
            # written to the descriptor, never through the target's buffer: a writer
            # stuck in it would hold the buffer's lock, which the interpreter needs
            # as it exits
            self._fd: int | None = target.fileno()
            target.flush()
        except (AttributeError, OSError, io.UnsupportedOperation):
            self._fd = None  # an in-memory stream: written through it
        self._encoding = getattr(target, "encoding", None) or "utf-8"
        self._thread = threading.Thread(target=self._run, name="stdout-writer", daemon=True)
        self._thread.start()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.target.isatty()

    def write(self, text: str) -> int:
        with self._lock:
            if self._broken:
                return len(text)
            # whole lines only are queued or dropped: print() writes a line's text and
            # its newline apart, and a drop between the two would leave half a line
            end = text.rfind("\n") + 1
            if not end:
                self._partial += text
                return len(text)
            lines, self._partial = self._partial + text[:end], text[end:]
            self._queue(lines)
        return len(text)

    def _queue(self, lines: str) -> None:
        if len(self._pending) >= self.max_pending:
            self.dropped_lines += lines.count("\n")
            self._dropped_unsaid += lines.count("\n")
        else:
            self._pending.append(lines)
            self._wake.notify_all()

    def flush(self) -> None:
        """Nothing to wait for: the writer thread writes as soon as it can."""

    def drain(self, wait_s: float = CLOSE_WAIT_S) -> None:
        """Wait, at most `wait_s`, until what was written so far is out: before a line
        on stderr that must come after it (a start error is the log's last line)."""
        deadline = time.monotonic() + wait_s
        with self._lock:
            while (self._pending or self._writing) and not self._broken:
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return
                self._wake.wait(left)

    def close(self, wait_s: float = CLOSE_WAIT_S) -> None:
        """Let the pending lines out, waiting at most `wait_s` for a stuck output."""
        with self._lock:
            if self._partial and not self._broken:
                self._queue(self._partial)  # a last line without its newline
                self._partial = ""
            self._closing = True
            self._wake.notify_all()
        self._thread.join(wait_s)
        super().close()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._pending and not self._dropped_unsaid and not self._closing:
                    self._wake.wait()
                if not self._pending and not self._dropped_unsaid:
                    return  # closing, and everything is out
                text = "".join(self._pending)
                self._pending.clear()
                self._writing = True
                if self._dropped_unsaid:
                    # every line dropped came after those held (drops start when the
                    # queue is full), and before any written later
                    lost = self._dropped_unsaid
                    text += f"... {lost} log lines not written: the output was not being read\n"
                    self._dropped_unsaid = 0
            written = self._emit(text)
            with self._lock:
                self._writing = False
                self._wake.notify_all()  # a drain() waiting for this batch
                if not written:
                    self._broken = True
                    self._pending.clear()
                    return

    def _emit(self, text: str) -> bool:
        """Write it all; False once the reader is gone."""
        try:
            if self._fd is None:
                self.target.write(text)
                self.target.flush()
                return True
            data = text.encode(self._encoding, "replace")
            while data:
                data = data[os.write(self._fd, data) :]
        except BrokenPipeError:
            return False
        except OSError:  # a full disk, say: these lines are lost, later ones may go out
            with self._lock:
                self.dropped_lines += text.count("\n")
        return True
