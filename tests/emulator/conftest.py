import pytest
from emulator.binance_usdm import BinanceUsdmEmulator


@pytest.fixture
async def emulator():
    emu = BinanceUsdmEmulator()
    emu.seed_book(
        "BTCUSDT",
        [(round(60_000.0 - 0.1 * i, 1), 1.0 + i) for i in range(30)],
        [(round(60_000.1 + 0.1 * i, 1), 2.0 + i) for i in range(30)],
    )
    await emu.start()
    yield emu
    await emu.stop()
