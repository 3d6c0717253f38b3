"""Run the Binance USD-M emulator by hand, with a moving market, until Ctrl-C.

    .venv/bin/python tests/emulator/serve.py [--port 8765]

It prints the environment that points scalp-tui at it (see docs/live-trading.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator.binance_usdm import BinanceUsdmEmulator

MIDS = {"BTCUSDT": (60_000.0, 0.1), "ETHUSDT": (2_600.0, 0.01), "SOLUSDT": (150.0, 0.01)}


async def main(port: int) -> None:
    emulator = BinanceUsdmEmulator()
    for symbol, (mid, tick) in MIDS.items():
        emulator.seed_book(
            symbol,
            [(round(mid - tick * i, 2), 0.5 + i) for i in range(20)],
            [(round(mid + tick * (i + 1), 2), 1.0 + i) for i in range(20)],
        )
    await emulator.start(port)
    print(
        "export SCALP_TUI_EXCHANGE__ID=binanceusdm "
        f"SCALP_TUI_EXCHANGE__REST_URL={emulator.rest_url} "
        f"SCALP_TUI_EXCHANGE__WS_URL={emulator.ws_url} "
        "SCALP_TUI_API_KEY=emulator SCALP_TUI_API_SECRET=emulator",
        flush=True,
    )
    rng = random.Random(1)
    while True:  # the touch keeps changing; the ask side is heavy every other tick
        for symbol, (mid, tick) in MIDS.items():
            await emulator.set_levels(
                symbol,
                [(mid, rng.uniform(0.1, 2.0))],
                [(round(mid + tick, 2), rng.choice([2.0, 45.0]))],
            )
        await asyncio.sleep(0.1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(parser.parse_args().port))
