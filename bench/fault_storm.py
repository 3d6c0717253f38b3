"""A long fault storm: the real `scalp-tui headless --live` against the Binance USD-M
emulator with every fault at once (tests/emulator/storm.py), then the figures: order
requests, 429s, rejections, partial fills, entries, exits by reason, and the seconds
in which the venue and the journal disagreed with no order in flight (goal 0).

Run:  python bench/fault_storm.py [--seconds 600] [--seed 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from emulator.binance_usdm import BinanceUsdmEmulator
from emulator.storm import run_storm


async def main(seconds: float, seed: int, keep: Path | None) -> int:
    emulator = BinanceUsdmEmulator()
    emulator.seed_book(
        "BTCUSDT",
        [(round(60_000.0 - 0.1 * i, 1), 1.0) for i in range(30)],
        [(round(60_000.1 + 0.1 * i, 1), 2.0) for i in range(30)],
    )
    await emulator.start()
    try:
        if keep is not None:  # the journal stays there to be read afterwards
            keep.mkdir(parents=True, exist_ok=True)
            report = await run_storm(emulator, keep, seconds, seed)
        else:
            with tempfile.TemporaryDirectory() as workdir:
                report = await run_storm(emulator, Path(workdir), seconds, seed)
    finally:
        await emulator.stop()
    print("\n".join(report.lines()))
    for line in report.disagreed[:20]:
        print(f"  disagreed: {line}")
    return 0 if not report.disagreed and report.exit_code == 0 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="run in this directory and keep its journal")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.seconds, args.seed, args.keep)))
