"""The real `scalp-tui` command against the exchange emulator, for tests that run it as
a subprocess: starting it with the emulator's endpoints in its environment, a market
that keeps the short entry signal true, and waiting for what the test expects."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from emulator.binance_usdm import BinanceUsdmEmulator

BTC = "BTC/USDT:USDT"
CREDENTIALS = {"SCALP_TUI_API_KEY": "test-key", "SCALP_TUI_API_SECRET": "test-secret"}
PIPE = asyncio.subprocess.PIPE

T = TypeVar("T")


def endpoints(emulator: BinanceUsdmEmulator) -> dict[str, str]:
    """The environment that points the command at the emulator."""
    return {
        "SCALP_TUI_EXCHANGE__REST_URL": emulator.rest_url,
        "SCALP_TUI_EXCHANGE__WS_URL": emulator.ws_url,
        # met by the trades the tests print: a 5 m candle closing mid-test would otherwise
        # have no volume (the emulator prints no trades by itself)
        "SCALP_TUI_SHORT_SCALP_MIN_VOLUME": "0.001",
    }


async def cli(
    *args: str,
    env: Mapping[str, str],
    cwd: Path,
    stdin: int | None = None,
    stdout: int = PIPE,
) -> asyncio.subprocess.Process:
    """`python -m scalp_tui.cli *args` with `env` over this process's environment."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scalp_tui.cli",
        *args,
        stdin=stdin,
        stdout=stdout,
        stderr=PIPE,
        env={**os.environ, **env},
        cwd=cwd,
    )


async def headless(cwd: Path, *args: str, env: Mapping[str, str]) -> tuple[int, str, str]:
    """`headless --exchange binanceusdm *args` run to its end (at most 60 s), while the
    emulator keeps serving here: its exit code, stdout and stderr."""
    proc = await cli("headless", "--exchange", "binanceusdm", *args, env=env, cwd=cwd)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode or 0, out.decode(), err.decode()


async def start_live(
    emulator: BinanceUsdmEmulator,
    journal: Path,
    *args: str,
    env: Mapping[str, str],
    cwd: Path,
    stdout: int = PIPE,
) -> asyncio.subprocess.Process:
    """`headless --live` trading BTC in auto mode on the emulator, journaling to
    `journal`, with `env` (credentials at least) over the emulator's endpoints."""
    return await cli(
        "headless",
        "--exchange",
        "binanceusdm",
        "--live",
        "--symbol",
        BTC,
        "--mode",
        "auto",
        "--journal",
        str(journal),
        *args,
        env={**endpoints(emulator), **env},
        cwd=cwd,
        stdout=stdout,
    )


async def drive(emulator: BinanceUsdmEmulator, stop: asyncio.Event) -> None:
    """An ask-heavy book that keeps moving, and a trade each round, until `stop`: the
    entry signal holds on every update."""
    size = 1.0
    while not stop.is_set():
        size = 1.5 if size == 1.0 else 1.0
        await emulator.set_levels("BTCUSDT", [(60_000.0, size)], [(60_000.1, 40.0)])
        await emulator.trade("BTCUSDT", 60_000.0, 0.01, buyer_is_maker=True)
        await asyncio.sleep(0.05)


async def until(check: Callable[[], T], timeout: float, what: str) -> T:
    """The first true value of `check`, polled every 50 ms for up to `timeout` s."""
    for _ in range(int(timeout / 0.05)):
        value = check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def held(emulator: BinanceUsdmEmulator) -> float:
    """The BTC position the venue holds (negative: short)."""
    return emulator.positions.get("BTCUSDT", (0.0, 0.0))[0]
