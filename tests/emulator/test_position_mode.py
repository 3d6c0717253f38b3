"""A start refuses an account in hedge (long/short) position mode, where a short's
exits would need a position side the console does not send: one clear line."""

import pytest
from emulator.binance_usdm import BinanceUsdmEmulator
from emulator.okx import OkxEmulator

from scalp_tui.execution import ccxt_account
from scalp_tui.execution.retry import Retrier
from scalp_tui.venue import make_exchange

BTC = "BTC/USDT:USDT"


def hedged(emulator) -> None:
    if isinstance(emulator, OkxEmulator):
        emulator.position_mode = "long_short_mode"
    else:
        emulator.hedge_mode = True


@pytest.mark.parametrize("venue", ["binanceusdm", "okx"])
@pytest.mark.parametrize("hedge", [False, True])
async def test_prepare_checks_the_position_mode(venue, hedge) -> None:
    emulator = OkxEmulator() if venue == "okx" else BinanceUsdmEmulator()
    if hedge:
        hedged(emulator)
    await emulator.start()
    exchange = make_exchange(
        venue,
        api_key="key",
        secret="secret",
        password="pass",
        rest_url=emulator.rest_url,
        ws_url=emulator.ws_url,
    )
    try:
        await exchange.load_markets()
        problems = await ccxt_account.prepare(exchange, Retrier(attempts=2), [BTC], 3)
    finally:
        await exchange.close()
        await emulator.stop()
    if hedge:
        (problem,) = problems
        assert "hedge (long/short) position mode" in problem and "one-way" in problem
    else:
        assert problems == []
