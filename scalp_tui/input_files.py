"""Reading the small files a user hands us (configuration, secrets, pairlists),
bounded and checked, each problem one line naming the file.

A file is checked before it is read: it must be a regular file (a device such as
/dev/zero would be read forever) no larger than its cap, and only cap + 1 bytes are
ever read (a file may grow while we look). Decoding and parsing errors, nesting
too deep for the parser included, become one line.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

MAX_CONFIG_BYTES = 1 << 20  # 1 MiB: a configuration is a few kilobytes
MAX_SECRETS_BYTES = 64 << 10
MAX_PAIRLIST_BYTES = 1 << 20


class InputFileError(Exception):
    """One line naming the file and what is wrong with it."""


def read_text(path: Path, what: str, max_bytes: int) -> str:
    """The UTF-8 text of `path`, refused if it is not a regular file or too large."""
    try:
        # stat before open: opening a FIFO would wait for a writer
        if not stat.S_ISREG(path.stat().st_mode):
            raise InputFileError(f"{path}: {what} is not a regular file")
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size > max_bytes:
                raise InputFileError(_too_large(path, what, max_bytes))
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputFileError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read {what} ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise InputFileError(_too_large(path, what, max_bytes))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{path}: {what} is not UTF-8 text (byte {exc.start}); expected JSON"
        ) from None


def _too_large(path: Path, what: str, max_bytes: int) -> str:
    return f"{path}: {what} is larger than {max_bytes // 1024} KiB; expected a small JSON file"


def read_json_object(path: Path, what: str, max_bytes: int) -> dict[str, Any]:
    """A JSON object from `path` (plain JSON, as the console writes it)."""
    text = read_text(path, what, max_bytes)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{path}: line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg})"
        ) from None
    except RecursionError:
        raise InputFileError(f"{path}: {what} is nested too deeply to be settings") from None
    if not isinstance(data, dict):
        raise InputFileError(f"{path}: {what} must hold a JSON object")
    return data


def read_jsonc_object(path: Path, what: str, max_bytes: int) -> dict[str, Any]:
    """A JSON object from `path` in freqtrade's dialect: // and /* */ comments and
    trailing commas (parsed as JSON5, a superset of both; pyjson5 also bounds the
    nesting)."""
    import pyjson5

    text = read_text(path, what, max_bytes)
    try:
        data = pyjson5.loads(text)
    except pyjson5.Json5NestingTooDeep:
        raise InputFileError(f"{path}: {what} is nested too deeply") from None
    except pyjson5.Json5Exception as exc:
        raise InputFileError(f"{path}: invalid JSON ({_first_line(exc)})") from None
    if not isinstance(data, dict):
        raise InputFileError(f"{path}: {what} must hold a JSON object")
    return data


def _first_line(exc: Exception) -> str:
    message = str(exc.args[0]) if exc.args else type(exc).__name__
    return message.strip().splitlines()[0].replace("b'", "'")


def check_private(path: Path, what: str) -> None:
    """ssh's rule for a key file: refused when its group or others may read or
    write it, or when it belongs to someone else."""
    try:
        info = path.stat()
    except OSError:
        return  # reading it says what is wrong
    loose = stat.S_IMODE(info.st_mode) & 0o077
    if loose:
        raise InputFileError(
            f"{path}: {what} is open to group or others (mode "
            f"{stat.S_IMODE(info.st_mode):04o}); run: chmod 600 {path}"
        )
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise InputFileError(f"{path}: {what} belongs to another user (uid {info.st_uid})")
