"""`scalp-tui headless --exchange binanceusdm` on the emulator's live books, paper fills."""

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

BTC = "BTC/USDT:USDT"
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "nfi-configs"
CREDENTIALS = {"SCALP_TUI_API_KEY": "test-key", "SCALP_TUI_API_SECRET": "test-secret"}


async def headless(tmp_path: Path, *args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """The real command in a subprocess, while the emulator keeps serving here."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scalp_tui.cli",
        "headless",
        "--exchange",
        "binanceusdm",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **env},
        cwd=tmp_path,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode or 0, out.decode(), err.decode()


def endpoints(emulator) -> dict[str, str]:
    return {
        "SCALP_TUI_EXCHANGE__REST_URL": emulator.rest_url,
        "SCALP_TUI_EXCHANGE__WS_URL": emulator.ws_url,
        # met by drive_market's trades: a 5 m candle closing mid-test would otherwise
        # have no volume (the emulator prints no trades by itself)
        "SCALP_TUI_SHORT_SCALP_MIN_VOLUME": "0.001",
    }


async def drive_market(emulator, stop: asyncio.Event) -> None:
    """Keep the book moving and ask-heavy: the entry signal holds on every update."""
    size = 1.0
    while not stop.is_set():
        size = 1.5 if size == 1.0 else 1.0
        await emulator.set_levels("BTCUSDT", [(60_000.0, size)], [(60_000.1, 40.0)])
        await emulator.trade("BTCUSDT", 60_000.0, 0.01, buyer_is_maker=True)
        await asyncio.sleep(0.05)


async def test_headless_trades_paper_on_the_emulators_books(emulator, tmp_path: Path) -> None:
    stop = asyncio.Event()
    driver = asyncio.create_task(drive_market(emulator, stop))
    code, out, err = await headless(
        tmp_path, "--symbol", BTC, "--duration", "3", "--json", env=endpoints(emulator)
    )
    stop.set()
    await driver
    assert code == 0, err
    lines = out.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["entries"] >= 1, out
    assert summary["book_updates"] >= 10
    assert any("feed live" in line for line in lines)
    assert any(f"{BTC} short #" in line and "paper" in line for line in lines)


async def test_unreachable_exchange_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, _, err = await headless(
        tmp_path, "--duration", "1", env={"SCALP_TUI_EXCHANGE__REST_URL": "http://127.0.0.1:9"}
    )
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot load markets from")


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"reference configs not found at {REFERENCE}")
async def test_headless_takes_its_symbols_from_a_pairlist(emulator, tmp_path: Path) -> None:
    emulator.seed_book("ETHUSDT", [(2600.0, 5.0)], [(2600.01, 5.0)])
    emulator.quote_volume.update({"BTCUSDT": 9e9, "ETHUSDT": 5e9})
    code, out, err = await headless(
        tmp_path,
        "--pairlist",
        str(REFERENCE / "pairlist-volume-binance-usdt.json"),
        "--blacklist",
        str(REFERENCE / "blacklist-binance.json"),
        "--duration",
        "1",
        "--json",
        env=endpoints(emulator),
    )
    assert code == 0, err
    assert "start: AgeFilter: not computed" in out
    assert "start: 2 symbols: BTC/USDT:USDT, ETH/USDT:USDT" in out


async def test_a_position_the_console_did_not_open_is_shown_not_adopted(
    emulator, tmp_path: Path
) -> None:
    emulator.positions["BTCUSDT"] = (-0.25, 59_000.0)  # opened elsewhere, by hand
    code, out, err = await headless(
        tmp_path,
        "--symbol",
        BTC,
        "--duration",
        "1",
        "--json",
        env={**endpoints(emulator), **CREDENTIALS},
    )
    assert code == 0, err
    assert "BTC/USDT:USDT: the exchange holds a short of 0.25" in out
    assert "not adopted" in out
    assert json.loads(out.strip().splitlines()[-1])["open_positions"] == 0
    assert "test-secret" not in out + err
