"""Where the engine's control socket lives, and who may reach it.

The socket sits in the user's runtime directory: `$XDG_RUNTIME_DIR/scalp-tui`, or
`/tmp/scalp-tui-<uid>` where there is none. The directory is 0700 and the socket
0600, so only its owner can connect; a directory that is not ours or is open to
others is refused rather than used (someone else could be listening in it).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

SOCKET_NAME = "engine.sock"
# sun_path holds 108 bytes with its terminating NUL
MAX_SOCKET_PATH = 107


class ServicePathError(Exception):
    """The runtime directory or socket cannot be used safely: str() is one line."""


def runtime_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base:
        return Path(base) / "scalp-tui"
    return Path("/tmp") / f"scalp-tui-{os.getuid()}"


def socket_path() -> Path:
    return runtime_dir() / SOCKET_NAME


def ensure_private_dir(path: Path) -> Path:
    """Create `path` 0700 if missing; refuse one that is not ours or open to others."""
    try:
        path.mkdir(mode=0o700, parents=False, exist_ok=True)
    except FileNotFoundError:
        raise ServicePathError(f"{path.parent} does not exist (check XDG_RUNTIME_DIR)") from None
    except OSError as exc:
        raise ServicePathError(f"cannot create {path}: {exc.strerror}") from None
    check_private_dir(path)
    return path


def check_private_dir(path: Path) -> None:
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise ServicePathError(f"{path} is not a directory")
    if info.st_uid != os.getuid():
        raise ServicePathError(f"{path} belongs to another user (uid {info.st_uid})")
    if info.st_mode & 0o077:
        raise ServicePathError(
            f"{path} is open to other users (mode {stat.S_IMODE(info.st_mode):o}); "
            f"fix it with: chmod 700 {path}"
        )


def check_socket_path(path: Path) -> None:
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        raise ServicePathError(
            f"the socket path {path} is longer than {MAX_SOCKET_PATH} bytes: "
            "set XDG_RUNTIME_DIR to a shorter directory"
        )
