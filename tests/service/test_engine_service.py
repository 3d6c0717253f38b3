"""`scalp-tui engine` as a service: `kill` and SIGUSR1 flatten it from any shell,
`status` describes it, only its own user reaches it, one engine per user."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from engine_rig import PROGRAM, TRADING, EngineProcess, wait_for

from scalp_tui.engine.protocol import wire
from scalp_tui.service import client as service_client
from scalp_tui.service.client import ServiceError, connect


def with_positions(engine: EngineProcess) -> dict:
    return wait_for(
        lambda: (s := engine.status())["positions"] and s, 60, "the engine to open a position"
    )


def test_kill_from_a_shell_flattens_the_engine(engine: EngineProcess) -> None:
    with_positions(engine)
    done = engine.run("kill", "--wait", "30")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "kill switch: kill switch engaged",
        "flat: no open positions",
    ]
    after = engine.status()
    assert after["kill_switch"] == "engaged"
    assert after["positions"] == []
    assert engine.proc.poll() is None  # the engine runs on, latched
    log = engine.log.read_text()
    assert "exit kill_switch" in log and "closed kill_switch" in log


def test_sigusr1_engages_the_kill_switch(engine: EngineProcess) -> None:
    with_positions(engine)
    engine.proc.send_signal(signal.SIGUSR1)
    flat = wait_for(
        lambda: (s := engine.status())["kill_switch"] == "engaged" and not s["positions"] and s,
        30,
        "the kill switch to flatten the engine",
    )
    assert flat["entries_enabled"] is True  # the latch, not a pause, keeps entries off
    assert "engine: kill switch from SIGUSR1" in engine.log.read_text()


def test_status_says_what_the_trader_needs(engine: EngineProcess) -> None:
    status = with_positions(engine)
    assert status["pid"] == engine.proc.pid
    assert status["exchange"] == "simulated"
    assert status["new_entries_to"] == "paper" and status["live_orders_allowed"] is False
    assert status["mode"] == "auto" and status["kill_switch"] == "off"
    assert status["feed"]["state"] == "live"
    assert status["symbols"] == ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"]
    assert status["max_daily_loss"] == 50.0 and status["loss_limit_reached"] is False
    for position in status["positions"]:
        # the default timeout is 15 minutes: the countdown is within it
        assert 0 < position["timeout_in_s"] <= 15 * 60
        assert position["broker"] == "paper" and position["qty"] > 0
    text = engine.run("status")
    assert text.returncode == 0
    assert "kill switch OFF" in text.stdout and "loss limit -50" in text.stdout
    first = status["positions"][0]
    assert f"#{first['id']} {first['symbol']} short" in text.stdout
    assert "timeout in " in text.stdout


def test_without_an_engine_kill_and_status_say_so_in_one_line(runtime) -> None:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    for command in (["status"], ["status", "--json"], ["kill"]):
        done = subprocess.run([*PROGRAM, *command], capture_output=True, text=True, env=env)
        assert done.returncode == 2
        assert done.stdout == ""
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: no engine is running")


def test_a_second_engine_is_refused(engine: EngineProcess) -> None:
    done = engine.run("engine", "--journal", str(engine.runtime.parent / "other.sqlite"))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: an engine is already running at {engine.socket}: scalp-tui attach opens a "
        "console on it, scalp-tui status describes it"
    ]


def test_a_client_of_another_protocol_version_is_refused(
    engine: EngineProcess, monkeypatch
) -> None:
    monkeypatch.setattr(service_client, "PROTOCOL_VERSION", wire.PROTOCOL_VERSION + 1)
    with pytest.raises(ServiceError) as refused:
        asyncio.run(connect(engine.socket, "console"))
    assert str(refused.value) == (
        f"the engine refused this client: protocol version {wire.PROTOCOL_VERSION + 1} is not "
        f"this engine's ({wire.PROTOCOL_VERSION}): use the scalp-tui that started the engine, "
        "or restart the engine with this one"
    )
    assert engine.status()["pid"] == engine.proc.pid  # the engine serves on


def test_bytes_that_are_not_a_hello_are_refused(engine: EngineProcess) -> None:
    import socket

    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(engine.socket))
        sock.sendall(wire.encode_frame(wire.Refused("not a hello")))
        sock.settimeout(5)
        data = sock.recv(65536)
    frame = wire.decode_frame(data[4:])
    assert isinstance(frame, wire.Refused) and "expected a hello" in frame.reason


def test_the_socket_is_its_owners_only(engine: EngineProcess) -> None:
    assert stat.S_IMODE(engine.socket.stat().st_mode) == 0o600
    assert stat.S_IMODE(engine.socket.parent.stat().st_mode) == 0o700
    assert engine.socket.parent.stat().st_uid == os.getuid()


@pytest.mark.skipif(os.getuid() != 0, reason="switching to another uid needs root")
def test_another_user_cannot_connect(private_journal) -> None:
    # directly under /tmp: the only directories between another user and the socket
    # are the runtime directory and the engine's own
    runtime = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))
    engine = EngineProcess(runtime, private_journal, *TRADING)
    attempt = (
        "import os, socket, sys\n"
        "os.setgid(65534); os.setuid(65534)\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "try:\n    s.connect(sys.argv[1])\nexcept PermissionError:\n    print('denied')\n"
        "else:\n    s.settimeout(5); print(s.recv(4096))\n"
    )

    def as_nobody() -> str:
        done = subprocess.run(
            [sys.executable, "-c", attempt, str(engine.socket)], capture_output=True, text=True
        )
        return done.stdout + done.stderr

    try:
        assert as_nobody().strip() == "denied"
        # were the modes loosened by hand, the engine still checks the peer's uid
        for path, mode in ((runtime, 0o755), (engine.socket.parent, 0o755), (engine.socket, 0o666)):
            path.chmod(mode)
        assert "this engine serves its own user only" in as_nobody()
    finally:
        engine.stop()
        shutil.rmtree(runtime, ignore_errors=True)


def test_a_runtime_directory_open_to_others_is_refused(runtime, private_journal) -> None:
    (runtime / "scalp-tui").mkdir(mode=0o755)
    (runtime / "scalp-tui").chmod(0o755)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    done = subprocess.run([*PROGRAM, "engine"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: {runtime / 'scalp-tui'} is open to other users (mode 755); "
        f"fix it with: chmod 700 {runtime / 'scalp-tui'}"
    ]


def test_the_engine_removes_its_socket_when_stopped(engine: EngineProcess) -> None:
    assert engine.stop() == 0
    assert not engine.socket.exists()
    assert "Traceback" not in engine.log.read_text()


def test_no_secret_crosses_the_socket(runtime, private_journal) -> None:
    secrets = {"SCALP_TUI_API_KEY": "key-5ec4e7-0001", "SCALP_TUI_API_SECRET": "sec-5ec4e7-0002"}
    engine = EngineProcess(runtime, private_journal, env=secrets)
    try:
        welcome = asyncio.run(_welcome(engine))
        said = repr(welcome) + engine.run("status", "--json").stdout + engine.run("status").stdout
        said += engine.log.read_text()
    finally:
        engine.stop()
    assert not {"api_key", "api_secret", "api_password"} & set(welcome.settings)
    for value in secrets.values():
        assert value not in said


async def _welcome(engine: EngineProcess):
    conn = await connect(engine.socket, "status", events=False)
    await conn.close()
    return conn.welcome


def test_a_client_that_never_reads_does_not_hold_the_engine_up(engine: EngineProcess) -> None:
    import socket

    with socket.socket(socket.AF_UNIX) as idle:
        idle.connect(str(engine.socket))
        idle.sendall(wire.encode_frame(wire.Hello(wire.PROTOCOL_VERSION, "idle")))
        # snapshots and events pile up for it, unread, while the market plays on
        before = engine.status()["engine_time_ms"]
        wait_for(
            lambda: engine.status()["engine_time_ms"] > before + 60_000,
            30,
            "a simulated minute to pass with an idle client attached",
        )


def test_a_bad_wait_is_one_line_naming_the_option(runtime) -> None:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    done = subprocess.run(
        [*PROGRAM, "kill", "--wait", "-1"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["error: --wait -1: must be a number from 0 to 3.1536e+08"]
