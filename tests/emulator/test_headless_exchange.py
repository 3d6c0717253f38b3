"""`scalp-tui headless --exchange binanceusdm` on the emulator's live books, paper fills."""

import asyncio
import json
from pathlib import Path

import pytest
from emulator.cli_rig import BTC, CREDENTIALS, drive, endpoints, headless

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "nfi-configs"


async def test_headless_trades_paper_on_the_emulators_books(emulator, tmp_path: Path) -> None:
    stop = asyncio.Event()
    driver = asyncio.create_task(drive(emulator, stop))
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
    assert any("market data: live" in line for line in lines)
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
