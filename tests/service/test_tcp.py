"""`scalp-tui engine --tcp PORT`: TCP on 127.0.0.1 for clients that give the token from
the secrets file; without it, or with another, the engine refuses in one line and
the client gets nothing of its state."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest
from engine_rig import PROGRAM, TRADING, EngineProcess

from scalp_tui.engine.protocol import wire

TOKEN = "tok-" + "7" * 28


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def secrets_file(tmp_path: Path) -> Path:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"engine_token": TOKEN}))
    path.chmod(0o600)
    return path


def hello_over_tcp(port: int, token: str) -> wire.Frame:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(wire.encode_frame(wire.Hello(wire.PROTOCOL_VERSION, "probe", False, token)))
        header = sock.recv(4, socket.MSG_WAITALL)
        body = sock.recv(wire.frame_length(header), socket.MSG_WAITALL)
    return wire.decode_frame(body)


def test_tcp_admits_the_token_only(runtime, private_journal, secrets_file) -> None:
    port = free_port()
    engine = EngineProcess(
        runtime, private_journal, *TRADING, "--tcp", str(port), "--secrets", str(secrets_file)
    )
    try:
        assert f"listening on 127.0.0.1:{port}" in engine.log.read_text()
        welcomed = hello_over_tcp(port, TOKEN)
        assert isinstance(welcomed, wire.Welcome)
        assert "engine_token" not in welcomed.settings
        for wrong in ("", TOKEN[:-1] + "8"):
            refused = hello_over_tcp(port, wrong)
            assert isinstance(refused, wire.Refused)
            assert refused.reason.startswith("wrong or missing token")
        # the commands a shell runs, over TCP with the secrets file
        done = engine.run("status", "--json", "--tcp", str(port), "--secrets", str(secrets_file))
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["pid"] == engine.proc.pid
        other = secrets_file.with_name("other.json")
        other.write_text(json.dumps({"engine_token": "x" * 32}))
        other.chmod(0o600)
        done = engine.run("status", "--tcp", str(port), "--secrets", str(other))
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.splitlines() == [
            "error: the engine refused this client: wrong or missing token "
            "(engine_token in the engine's secrets file)"
        ]
    finally:
        engine.stop()
    assert TOKEN not in engine.log.read_text()


def test_tcp_without_a_token_is_refused_at_start(runtime, private_journal) -> None:
    done = subprocess.run(
        [*PROGRAM, "engine", "--tcp", str(free_port())],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: --tcp needs engine_token (at least 16 characters) in the secrets file "
        "(--secrets FILE) or SCALP_TUI_ENGINE_TOKEN"
    ]
