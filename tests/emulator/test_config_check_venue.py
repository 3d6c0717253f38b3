"""`config check --exchange ID` against a venue: the traits the console will use and
each configured symbol's contract facts, as the venue's own markets give them."""

import asyncio

from emulator.cli_rig import cli
from emulator.okx import OkxEmulator


async def test_config_check_prints_the_venues_traits_and_contract_sizes(tmp_path) -> None:
    okx = OkxEmulator()
    await okx.start()
    try:
        env = {
            "SCALP_TUI_EXCHANGE__REST_URL": okx.rest_url,
            "SCALP_TUI_EXCHANGE__WS_URL": okx.ws_url,
            "SCALP_TUI_SYMBOLS": '["BTC/USDT:USDT","ETH/USDT:USDT"]',
        }
        proc = await cli("config", "check", "--exchange", "okx", env=env, cwd=tmp_path)
        out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    finally:
        await okx.stop()
    text = out.decode()
    assert proc.returncode == 0, err.decode()
    assert "venue: okx (traits: Okx)" in text
    assert "fees: as charged, from the venue's order answers" in text
    assert "cancel-all: no (orders cancelled one by one)" in text
    assert "exchange-side stop: reduce-only stop-market via stopLossPrice" in text
    # contracts of 0.01 BTC and 0.1 ETH, their steps and minimums in both units
    assert "BTC/USDT:USDT: contract 0.01 BTC, amount step 0.01 contracts (0.0001 BTC)" in text
    assert "ETH/USDT:USDT: contract 0.1 ETH" in text


async def test_config_check_of_an_unreachable_venue_is_one_line(tmp_path) -> None:
    env = {"SCALP_TUI_EXCHANGE__REST_URL": "http://127.0.0.1:9"}
    proc = await cli("config", "check", "--exchange", "okx", env=env, cwd=tmp_path)
    _out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 2
    lines = [line for line in err.decode().splitlines() if line.strip()]
    assert lines[-1].startswith("error: cannot load markets from http://127.0.0.1:9")
    assert "Traceback" not in err.decode()
