"""Opening a recording and telling its format from its content.

Recordings arrive gzip-compressed or plain and under any name, so the format is read
from the first line: the file's name is never trusted. Every way a file can fail to be
a recording becomes one RecordingError line, never a decoder's traceback.
"""

from __future__ import annotations

import io
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

try:  # python-isal's inflate: the same gzip streams, decompressed about twice as fast
    from isal.isal_zlib import decompressobj as _decompressobj
    from isal.isal_zlib import error as _inflate_error

    DECOMPRESSOR = "isal"
except ImportError:  # pragma: no cover - isal is a dependency; zlib's inflate otherwise
    _decompressobj = zlib.decompressobj  # type: ignore[assignment]
    _inflate_error = zlib.error
    DECOMPRESSOR = "zlib"

_GZIP_MAGIC = b"\x1f\x8b"
_GZIP_WBITS = 31  # zlib's window bits for a gzip member (header and CRC checked)
_READ_SIZE = 1 << 17  # bytes read at a time: ~1 MB of recording once inflated

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


def _check(path: Path) -> bytes:
    """The file's first two bytes, after checking it can be opened at all."""
    if not path.exists():
        raise RecordingError(f"{path}: no such file")
    if not path.is_file():
        raise RecordingError(f"{path}: not a file")
    try:
        with path.open("rb") as raw:
            return raw.read(2)
    except OSError as exc:
        raise RecordingError(f"{path}: can't read it ({exc.strerror or exc})") from None


def _inflated(raw: io.BufferedReader) -> Iterator[bytes]:
    """The content of a gzip file, member after member, as it inflates.

    Inflated here rather than through a gzip file object: a file cut short (a
    recorder stopped mid-write) then still gives every byte its compressed part
    holds, and a reader can keep all of its complete lines. Raises EOFError after
    the last byte when the end of the last member is missing.
    """
    inflate = _decompressobj(_GZIP_WBITS)
    started = False  # bytes of the current member fed in
    while chunk := raw.read(_READ_SIZE):
        while chunk:
            started = True
            out = inflate.decompress(chunk)
            if out:
                yield out
            if not inflate.eof:
                break
            chunk = inflate.unused_data.lstrip(b"\0")  # zero padding ends a file, as in gzip
            inflate = _decompressobj(_GZIP_WBITS)
            started = False
    if started:
        raise EOFError("the last gzip member has no end")


def iter_blocks(path: Path) -> Iterator[bytes]:
    """The file's bytes, gzip or plain, in blocks of whole lines.

    Each block ends with a newline except perhaps the last (a final line without
    one). A gzip file whose end is missing yields its complete lines and then stops:
    the partial last line is dropped. Lines are left for the caller to split: a
    reader that skips most lines (Binance's bookTicker frames) looks at them as bytes
    and never decodes or copies them one by one.
    """
    magic = _check(path)
    try:
        with path.open("rb") as raw:
            chunks: Iterator[bytes] = (
                _inflated(raw) if magic == _GZIP_MAGIC else iter(lambda: raw.read(_READ_SIZE), b"")
            )
            rest = b""
            try:
                for chunk in chunks:
                    cut = chunk.rfind(b"\n") + 1
                    if not cut:
                        rest += chunk
                        continue
                    yield rest + chunk[:cut]
                    rest = chunk[cut:]
            except EOFError:
                return  # cut short: `rest` is the partial last line
            if rest:
                yield rest
    except (OSError, zlib.error, _inflate_error) as exc:
        reason = f"{path.name}: not a readable recording ({exc}); {EXPECTED}"
        raise RecordingError(reason) from None


def iter_lines(path: Path) -> Iterator[str]:
    """Lines as text (UTF-8) without their end, blank ones skipped; see iter_blocks."""
    for block in iter_blocks(path):
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as exc:
            reason = f"{path.name}: not a readable recording ({exc}); {EXPECTED}"
            raise RecordingError(reason) from None
        for line in text.split("\n"):
            if line and not line.isspace():
                yield line.rstrip("\r")


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
