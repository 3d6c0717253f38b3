"""The tests' own tmux server: consoles under test never share a server with the
user's sessions (a `tmux kill-server` there would end them mid-test, and theirs
would not see ours). tmux ends the server by itself with its last session."""

import subprocess

SOCKET = "scalp-tui-tests"


def tmux(*args: str) -> str:
    command = ["tmux", "-L", SOCKET, *args]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def kill_session(session: str) -> None:
    subprocess.run(["tmux", "-L", SOCKET, "kill-session", "-t", session], capture_output=True)
