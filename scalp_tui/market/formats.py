"""Opening a recording and telling its format from its content.

Recordings arrive gzip-compressed or plain and under any name, so the format is read
from the first line: the file's name is never trusted. Every way a file can fail to be
a recording becomes one RecordingError line, never a decoder's traceback.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

try:  # python-isal's igzip: the same files, decompressed about twice as fast
    from isal import igzip as _gzip
    from isal.isal_zlib import error as _inflate_error

    DECOMPRESSOR = "isal igzip"
except ImportError:  # pragma: no cover - isal is a dependency; zlib's gzip otherwise
    _gzip = gzip  # type: ignore[assignment]
    _inflate_error = zlib.error
    DECOMPRESSOR = "gzip (zlib)"

BINANCE_RAW = "binance-raw"
JSONL = "scalp-jsonl"
TARDIS_BOOK = "tardis-book"
TARDIS_TRADES = "tardis-trades"

EXPECTED = (
    "expected Binance frames as received (`<receive_ns> <json>` per line), scalp-tui "
    'JSON lines ({"t": ..., "kind": ...}) or tardis.dev incremental_book_L2 / trades CSV, '
    "gzip or plain"
)
TARDIS_BOOK_HEADER = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount"
TARDIS_TRADES_HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"
_RAW_LINE = re.compile(r"^\d{10,20} \{")


class RecordingError(ValueError):
    """A file that can't be replayed; str() is one line saying why."""


def _open(path: Path) -> io.TextIOBase:
    if not path.exists():
        raise RecordingError(f"{path}: no such file")
    if not path.is_file():
        raise RecordingError(f"{path}: not a file")
    try:
        with path.open("rb") as raw:
            magic = raw.read(2)
    except OSError as exc:
        raise RecordingError(f"{path}: can't read it ({exc.strerror or exc})") from None
    if magic == b"\x1f\x8b":
        return _gzip.open(path, "rt", encoding="utf-8", newline="")  # type: ignore[return-value]
    return path.open(encoding="utf-8", newline="")


def iter_lines(path: Path) -> Iterator[str]:
    """Lines without their end, blank ones skipped.

    A gzip file whose end is missing (a recorder stopped mid-write) yields the lines
    that are complete and then stops: the partial last line is dropped.
    """
    stream = _open(path)
    try:
        held: str | None = None
        try:
            for line in stream:
                if held is not None and held.strip():
                    yield held.rstrip("\r\n")
                held = line
        except EOFError:
            if held is not None and held.endswith("\n") and held.strip():
                yield held.rstrip("\r\n")
            return
        except (OSError, UnicodeDecodeError, zlib.error, _inflate_error) as exc:
            reason = f"{path.name}: not a readable recording ({exc}); {EXPECTED}"
            raise RecordingError(reason) from None
        if held is not None and held.strip():
            yield held.rstrip("\r\n")
    finally:
        stream.close()


def sniff(path: Path) -> str:
    """BINANCE_RAW, JSONL, TARDIS_BOOK or TARDIS_TRADES, from the first line."""
    first = next(iter_lines(path), None)
    if first is None:
        raise RecordingError(f"{path.name}: empty; {EXPECTED}")
    if _RAW_LINE.match(first):
        return BINANCE_RAW
    header = first.lstrip("\ufeff").strip().lower()
    if header.startswith(TARDIS_BOOK_HEADER):
        return TARDIS_BOOK
    if header.startswith(TARDIS_TRADES_HEADER):
        return TARDIS_TRADES
    if first.startswith("{"):
        try:
            obj = json.loads(first)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and "t" in obj and "kind" in obj:
            return JSONL
    shown = first[:60] + ("..." if len(first) > 60 else "")
    raise RecordingError(f"{path.name}: not a recording this reads (starts {shown!r}); {EXPECTED}")
