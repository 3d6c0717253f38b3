"""Stopping the real `scalp-tui headless --live` on the exchange emulator: a SIGTERM
names every short left at the venue with the command that resumes it;
--flatten-on-exit leaves the exchange flat, at a signal and at the end of --duration."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

from crash import open_positions
from emulator.cli_rig import BTC, drive, held, start_live, until

CLI = [sys.executable, "-m", "scalp_tui.cli"]
ENV = {
    "SCALP_TUI_API_KEY": "test-key",
    "SCALP_TUI_API_SECRET": "test-secret-8812",
    # a short, once open, stays open until the stop (or the flatten) closes it
    "SCALP_TUI_SHORT_SCALP_PROFIT_TARGET": "0.5",
    "SCALP_TUI_SHORT_SCALP_STOP_LOSS": "0.5",
    "SCALP_TUI_SHORT_SCALP_REVERSAL_THRESHOLD": "0.99",
}


async def start(emulator, journal: Path, *args: str) -> asyncio.subprocess.Process:
    return await start_live(emulator, journal, "--json", *args, env=ENV, cwd=journal.parent)


def short_open(emulator, journal: Path) -> bool:
    """A short filled at the exchange and journaled open."""
    journaled = open_positions(journal).values()
    return held(emulator) < 0 and any(p["state"] == "open" for p in journaled)


def trades_open(journal: Path) -> list[dict]:
    listed = subprocess.run(
        [*CLI, "trades", "--open", "--json", "--journal", str(journal)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)["open"]


async def run_until_short_then(
    emulator, journal: Path, sig: signal.Signals | None, *args: str
) -> tuple[int, list[str], str]:
    stop = asyncio.Event()
    driver = asyncio.create_task(drive(emulator, stop))
    proc = await start(emulator, journal, *args)
    try:
        await until(lambda: short_open(emulator, journal), 30, "a live short")
        if sig is not None:
            proc.send_signal(sig)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()
        stop.set()
        await driver
    assert "Traceback" not in err.decode()
    assert "test-secret-8812" not in out.decode() + err.decode()
    return proc.returncode or 0, out.decode().strip().splitlines(), err.decode()


async def test_sigterm_names_the_live_short_left_open_and_how_to_resume_it(
    emulator, tmp_path: Path
) -> None:
    journal = (tmp_path / "journal.sqlite").resolve()
    code, lines, err = await run_until_short_then(emulator, journal, signal.SIGTERM)
    assert code == 0, err
    summary = json.loads(lines[-1])
    assert "stop: SIGTERM received: no new entries" in lines
    (position,) = trades_open(journal)
    assert position["broker"] == "live" and summary["open_positions"] == 1
    (line,) = [n for n in lines if n.startswith("open at exit: ")]
    assert line.startswith(
        f"open at exit: #{position['id']} {BTC} short {position['qty']:g} "
        f"@ {position['entry_price']:g} (live), "
    )
    assert "exchange-side stop at " in line or "no exchange-side stop" in line
    assert line.endswith(
        f"resume: scalp-tui headless --exchange binanceusdm --live --journal {journal}"
    )
    # left at the venue, as said
    assert held(emulator) == -position["qty"]


async def test_flatten_on_exit_at_sigterm_leaves_the_exchange_flat(
    emulator, tmp_path: Path
) -> None:
    journal = (tmp_path / "journal.sqlite").resolve()
    code, lines, err = await run_until_short_then(
        emulator, journal, signal.SIGTERM, "--flatten-on-exit"
    )
    assert code == 0, err
    assert "flatten-on-exit: flat; kill switch released: the next start may trade" in lines
    assert json.loads(lines[-1])["open_positions"] == 0
    assert held(emulator) == 0
    assert trades_open(journal) == []


async def test_flatten_on_exit_at_the_end_of_the_duration(emulator, tmp_path: Path) -> None:
    journal = (tmp_path / "journal.sqlite").resolve()
    code, lines, err = await run_until_short_then(
        emulator, journal, None, "--duration", "6", "--flatten-on-exit"
    )
    assert code == 0, err
    assert "stop: end of --duration: no new entries" in lines
    summary = json.loads(lines[-1])
    assert summary["exits"].get("kill_switch", 0) >= 1
    assert summary["open_positions"] == 0
    assert held(emulator) == 0
    assert trades_open(journal) == []
