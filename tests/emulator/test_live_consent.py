"""Real orders only with consent given at the moment: `--live` (headless) or LIVE typed
in the console. A `paper: false` from a file or the environment is refused before
anything reaches the exchange, and the console always opens in PAPER."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import sys
import uuid
from pathlib import Path

import pytest
from crash import open_positions
from emulator.cli_rig import BTC, cli, drive, endpoints, until
from tmux_server import kill_session, tmux

CREDENTIALS = {"SCALP_TUI_API_KEY": "test-key", "SCALP_TUI_API_SECRET": "test-secret-3307"}
SCALP_TUI = Path(sys.executable).with_name("scalp-tui")
EXCHANGE_CONFIG = Path(__file__).resolve().parents[2] / "configs" / "binanceusdm.json"
EXCHANGE_ID = {"SCALP_TUI_EXCHANGE__ID": "binanceusdm"}  # these command lines have no --exchange


HEADLESS = ("headless", "--symbol", BTC, "--duration", "8", "--mode", "auto")
CONSOLE = ("--symbol", BTC, "--mode", "auto")
ONLY_AFTER = "real orders go out only after"


@pytest.mark.parametrize(
    ("command", "source", "consent"),
    [
        (HEADLESS, "environment", "real orders go out only with `scalp-tui headless --live`"),
        (HEADLESS, "file", "real orders go out only with `scalp-tui headless --live`"),
        (CONSOLE, "environment", f"{ONLY_AFTER} pressing p in the console and typing LIVE"),
        (("run", *CONSOLE), "file", f"{ONLY_AFTER} pressing p in the console and typing LIVE"),
    ],
)
async def test_paper_false_outside_the_command_line_is_refused_before_any_order(
    emulator, tmp_path: Path, command: tuple[str, ...], source: str, consent: str
) -> None:
    env = {**CREDENTIALS, **EXCHANGE_ID, **endpoints(emulator)}
    args = list(command)
    if source == "environment":
        env["SCALP_TUI_PAPER"] = "false"
        where = "environment SCALP_TUI_PAPER"
    else:
        config = tmp_path / "live.json"
        config.write_text(json.dumps({"paper": False, "exchange": {"id": "binanceusdm"}}))
        args += ["--config", str(config)]
        where = str(config)
    stop = asyncio.Event()
    driver = asyncio.create_task(drive(emulator, stop))
    proc = await cli(*args, env=env, cwd=tmp_path, stdin=asyncio.subprocess.DEVNULL)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:  # it started trading instead of refusing
            proc.kill()
            await proc.communicate()
        stop.set()
        await driver
    assert proc.returncode == 2
    assert err.decode().splitlines() == [f"error: {where}: paper = false is refused: {consent}"]
    assert emulator.order_requests == 0 and not emulator.orders


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
async def test_the_console_opens_paper_and_sends_no_order_until_live_is_typed(
    emulator, tmp_path: Path
) -> None:
    """The real console in a terminal, on the emulator with credentials and the shipped
    binanceusdm config: asked for `paper: false` by the environment it refuses to
    start; otherwise it trades paper while the signal holds and the exchange sees no
    order, and after `p` and LIVE the next entry goes to the exchange."""
    journal = tmp_path / "journal.sqlite"
    env = {
        **CREDENTIALS,
        **EXCHANGE_ID,
        **endpoints(emulator),
        "SCALP_TUI_JOURNAL": str(journal),
        # the engine the console starts is this test's (stopped after it by conftest)
        "XDG_RUNTIME_DIR": os.environ["XDG_RUNTIME_DIR"],
    }
    console = [str(SCALP_TUI), "--config", str(EXCHANGE_CONFIG), *CONSOLE]
    session = f"consent-{uuid.uuid4().hex[:8]}"

    def launch(extra: dict[str, str]) -> None:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in {**env, **extra}.items())
        # the pane stays after the console ends, showing how it ended
        command = f"cd {tmp_path} && env {exports} {shlex.join(console)}; echo exit=$?; sleep 60"
        tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "48", command)

    def pane() -> str:
        return tmux("capture-pane", "-p", "-t", session)

    def status_line() -> str:
        return (pane().splitlines() or [""])[0]

    stop = asyncio.Event()
    driver = asyncio.create_task(drive(emulator, stop))
    try:
        launch({"SCALP_TUI_PAPER": "false"})
        text = await until(lambda: "exit=" in pane() and pane(), 20, "the console to end")
        assert "exit=2" in text and "typing LIVE" in text, text
        assert emulator.order_requests == 0 and not emulator.orders
        tmux("kill-session", "-t", session)

        launch({})
        paper = await until(
            lambda: [p for p in open_positions(journal).values() if p["state"] == "open"],
            30,
            "a paper short",
        )
        assert [p["broker"] for p in paper] == ["paper"]
        await until(lambda: " PAPER " in status_line(), 10, "the PAPER badge")
        await asyncio.sleep(1.0)  # the signal keeps holding: still nothing at the exchange
        assert emulator.order_requests == 0 and not emulator.orders

        tmux("send-keys", "-t", session, "p")
        await until(lambda: "Type LIVE" in pane(), 10, "the dialog")
        assert emulator.order_requests == 0
        tmux("send-keys", "-t", session, "-l", "LIVE")
        tmux("send-keys", "-t", session, "Enter")
        await until(lambda: " LIVE " in status_line(), 10, "the LIVE badge")
        tmux("send-keys", "-t", session, "x")  # close the paper short: BTC is free again
        await until(
            lambda: emulator.positions.get("BTCUSDT", (0.0, 0.0))[0] < 0, 30, "a live short"
        )
    finally:
        kill_session(session)
        stop.set()
        await driver
