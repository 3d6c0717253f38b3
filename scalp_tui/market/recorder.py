"""Recording what the feed receives to compressed files, without ever holding it up.

The feed's thread only `offer`s items (receive time in ns, what it is, the venue's
message) to a bounded queue: `put_nowait`, and when the queue is full the item is
dropped and counted, never waited for. A writer thread turns items into lines (a
venue `Format`, see record_formats) and writes them to gzip files, one per symbol
and UTC hour, named `<venue>-<symbol id>-<YYYYmmdd-HH>.jsonl.gz`; the hour of an
item's receive time chooses its file, so rotation follows the injected clock.
Counters (written, dropped, files) go to stderr every `report_every_s` and in the
summary at the end: a dropped write is never silent.
"""

from __future__ import annotations

import gzip
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol, TextIO

HOUR_NS = 3_600 * 1_000_000_000
DEFAULT_CAPACITY = 20_000  # items; at ~300 frames/s a symbol, about a minute of a stall
_STOP = object()


class Format(Protocol):
    """Turns one queued item into `(file key, line)` pairs; the key names the file
    (the venue's symbol id, lower case)."""

    def lines(self, item: tuple[int, str, Any, Any]) -> list[tuple[str, bytes]]: ...


@dataclass
class RecordSummary:
    written: int  # frames (lines) written
    dropped: int  # frames dropped because the queue was full
    files: list[Path]
    skipped: int = 0  # messages that are no market data (acks, private streams)
    unreadable: int = 0  # messages in a shape the venue's format could not read

    def line(self) -> str:
        unreadable = f", {self.unreadable} unreadable" if self.unreadable else ""
        return (
            f"record: {self.written} frames written, {self.dropped} dropped, "
            f"{len(self.files)} files{unreadable}"
        )


def _gzip(path: Path) -> IO[bytes]:
    """A gzip file for writing, kept open until rotation or the end: python-isal's
    igzip (level 2) where it is there, several times cheaper than zlib's level 5
    (used otherwise) on the writer's core; any gzip reader reads either."""
    try:
        from isal import igzip
    except ImportError:  # pragma: no cover - isal is a dependency
        return gzip.open(path, "wb", compresslevel=5)
    return igzip.open(path, "wb", compresslevel=2)


def hour_name(recv_ns: int) -> str:
    return time.strftime("%Y%m%d-%H", time.gmtime(recv_ns // 1_000_000_000))


class RecordWriter:
    """The bounded queue and its writer thread. `offer` is the only call made on the
    feed's thread; everything else (formatting, compressing, writing) happens on the
    writer thread."""

    def __init__(
        self,
        out_dir: Path,
        venue: str,
        fmt: Format,
        *,
        capacity: int = DEFAULT_CAPACITY,
        opener: Callable[[Path], IO[bytes]] | None = None,
        report_every_s: float = 10.0,
        err: TextIO | None = None,
    ) -> None:
        self.out_dir = Path(out_dir)
        self.venue = venue
        self.fmt = fmt
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=capacity)
        self.opener = opener or _gzip
        self.report_every_s = report_every_s
        self.err = err if err is not None else sys.stderr
        self.written = 0
        self.dropped = 0  # counted on the feed's thread only
        self.unwritten = 0  # counted on the writer thread only, after a write failed
        self.skipped = 0
        self.unreadable = 0
        self.files: list[Path] = []
        self.error: BaseException | None = None
        self._open: dict[str, tuple[int, IO[bytes]]] = {}  # key -> (hour, file)
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._closed = False

    # -- the feed's side -------------------------------------------------------------

    def offer(self, item: tuple[int, str, Any, Any]) -> bool:
        """Queue an item; False (and counted) if the queue is full. Never blocks."""
        try:
            self.queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1
            return False
        return True

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def close(self, timeout: float | None = None) -> RecordSummary:
        """Write what is queued, close every file, stop the thread."""
        if not self._closed:
            self._closed = True
            if self._thread.is_alive():
                self.queue.put(_STOP)  # blocking is fine here: the feed has stopped
                self._thread.join(timeout)
        return self.summary()

    def summary(self) -> RecordSummary:
        dropped = self.dropped + self.unwritten
        return RecordSummary(self.written, dropped, list(self.files), self.skipped, self.unreadable)

    def report(self) -> str:
        line = f"{self.summary().line()}, {self.queue.qsize()} queued"
        print(line, file=self.err, flush=True)
        return line

    # -- the writer thread -----------------------------------------------------------

    def _run(self) -> None:
        next_report = time.monotonic() + self.report_every_s
        try:
            while True:
                try:
                    item = self.queue.get(timeout=min(1.0, self.report_every_s))
                except queue.Empty:
                    item = None
                if item is _STOP:
                    break
                if item is not None:
                    self._write(item)
                if time.monotonic() >= next_report:
                    next_report = time.monotonic() + self.report_every_s
                    self.report()
        except BaseException as exc:  # a full disk: say so at the end, keep counting
            self.error = exc
            print(f"record: writing stopped: {exc!r}", file=self.err, flush=True)
            self._drain_as_dropped()
        finally:
            for _, handle in self._open.values():
                handle.close()
            self._open.clear()

    def _drain_as_dropped(self) -> None:
        # the feed keeps offering; what can no longer be written counts as dropped
        while True:
            item = self.queue.get()
            if item is _STOP:
                return
            self.unwritten += 1

    def _write(self, item: tuple[int, str, Any, Any]) -> None:
        try:
            lines = self.fmt.lines(item)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            # one message in a shape we do not know must not end the recording: it is
            # counted (in the summary line) and the first one is shown
            self.unreadable += 1
            if self.unreadable == 1:
                print(f"record: a message could not be read ({exc!r}); counted, skipped",
                      file=self.err, flush=True)  # fmt: skip
            return
        if not lines:
            self.skipped += 1
            return
        hour = item[0] // HOUR_NS
        for key, line in lines:
            self._file(key, hour, item[0]).write(line)
            self.written += 1

    def _file(self, key: str, hour: int, recv_ns: int) -> IO[bytes]:
        current = self._open.get(key)
        if current is not None and current[0] == hour:
            return current[1]
        if current is not None:
            current[1].close()
        base = f"{self.venue}-{key}-{hour_name(recv_ns)}"
        path = self.out_dir / f"{base}.jsonl.gz"
        n = 0
        while path.exists():  # a restart within the hour: a new file, never appended
            n += 1
            path = self.out_dir / f"{base}.{n}.jsonl.gz"
        handle = self.opener(path)
        self.files.append(path)
        self._open[key] = (hour, handle)
        return handle
