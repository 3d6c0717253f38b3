"""`scalp-tui kill` from another shell against `scalp-tui engine --live` on the
exchange emulator: the venue is flat afterwards, and status says so."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import tempfile
from pathlib import Path

from emulator.cli_rig import BTC, CREDENTIALS, cli, drive, endpoints, held, until


async def run(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = await cli(*args, env=env, cwd=cwd)
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_kill_from_a_shell_leaves_the_venue_flat(emulator, tmp_path: Path) -> None:
    runtime = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))
    env = {
        **endpoints(emulator),
        **CREDENTIALS,
        "XDG_RUNTIME_DIR": str(runtime),
        # a short, once open, stays open until the kill switch closes it
        "SCALP_TUI_SHORT_SCALP_PROFIT_TARGET": "0.5",
        "SCALP_TUI_SHORT_SCALP_STOP_LOSS": "0.5",
        "SCALP_TUI_SHORT_SCALP_REVERSAL_THRESHOLD": "0.99",
    }
    stop = asyncio.Event()
    driver = asyncio.create_task(drive(emulator, stop))
    log = (tmp_path / "engine.log").open("w")
    engine = await cli(
        "engine",
        "--exchange",
        "binanceusdm",
        "--live",
        "--symbol",
        BTC,
        "--mode",
        "auto",
        "--journal",
        str(tmp_path / "journal.sqlite"),
        env=env,
        cwd=tmp_path,
        stdout=log.fileno(),
    )
    try:
        await until(lambda: held(emulator) < 0, 45, "a live short at the venue")
        code, out, err = await run("kill", "--wait", "30", env=env, cwd=tmp_path)
        assert code == 0, err
        assert out.splitlines()[-1] == "flat: no open positions"
        assert held(emulator) == 0.0
        code, out, err = await run("status", "--json", env=env, cwd=tmp_path)
        assert code == 0, err
        status = json.loads(out)
        assert status["exchange"] == "binanceusdm" and status["live_orders_allowed"] is True
        assert status["kill_switch"] == "engaged" and status["positions"] == []
    finally:
        stop.set()
        await driver
        if engine.returncode is None:
            engine.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(engine.communicate(), 60)
        log.close()
        shutil.rmtree(runtime, ignore_errors=True)
    text = (tmp_path / "engine.log").read_text()
    assert "closed kill_switch" in text
    assert "Traceback" not in text + err.decode()
    assert CREDENTIALS["SCALP_TUI_API_SECRET"] not in text + err.decode()
