"""Run an exchange emulator by hand, with a moving market, until Ctrl-C.

    .venv/bin/python tests/emulator/serve.py [--venue binanceusdm|okx|bybit] [--port 0]
        [--recording /work/shared/data/binance-usdm-btcusdt-20240808.jsonl.gz]
        [--symbols N]

The first line printed is `listening on http://127.0.0.1:PORT`; the second the
environment that points scalp-tui at it (see docs/live-trading.md). With --recording the
BTC market replays that Binance recording (in real time, looping; quantities turned
into the venue's contracts); the other symbols keep a random touch. With --symbols N
(binanceusdm) the recording is served under N names at once (the simulated market's
first N: BTCUSDT, ETHUSDT, SOLUSDT, XRPUSDT, ...), each with BTCUSDT's contract, and
plays once every name has a depth subscriber.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# venue -> (module, class); bybit's may not exist yet
VENUES = {
    "binanceusdm": ("emulator.binance_usdm", "BinanceUsdmEmulator"),
    "okx": ("emulator.okx", "OkxEmulator"),
    "bybit": ("emulator.bybit", "BybitEmulator"),
}
# unified symbol -> (Binance-style id, mid, tick); OKX and Bybit accept the Binance id
MIDS = {
    "BTC/USDT:USDT": ("BTCUSDT", 60_000.0, 0.1),
    "ETH/USDT:USDT": ("ETHUSDT", 2_600.0, 0.01),
    "SOL/USDT:USDT": ("SOLUSDT", 150.0, 0.01),
}


def build(venue: str) -> Any:
    module_name, class_name = VENUES[venue]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as missing:
        if missing.name != module_name:
            raise
        message = f"venue {venue!r} is not available: {module_name} does not exist yet"
        raise SystemExit(message) from None
    return getattr(module, class_name)()


def contracts(emulator: Any, symbol: str, base_qty: float) -> float:
    """Binance quotes base units; OKX and Bybit books are in contracts."""
    size = emulator.contract_size(symbol) if hasattr(emulator, "contract_size") else 1.0
    return round(base_qty / size, 8)


async def replay_forever(emulator: Any, recording: Path, symbol: str) -> None:
    while True:
        emulator.seed_recording(recording, symbol)
        await emulator.play_recording(recording, symbol, speed=1.0)


def many_names(count: int) -> list[str]:
    """Exchange ids of the simulated market's first `count` symbols."""
    from scalp_tui.market.sim_symbols import sim_symbol_names

    return [name.split(":")[0].replace("/", "") for name in sim_symbol_names(count)]


async def serve_many(emulator: Any, recording: Path, ids: list[str]) -> None:
    emulator.seed_recording_as(recording, ids)
    while not all(emulator.subscribed(f"{sid.lower()}@depth") for sid in ids):
        await asyncio.sleep(0.05)
    print(f"playing under {len(ids)} names", flush=True)
    while True:
        await emulator.play_recording_as(recording, ids, speed=1.0)
        emulator.seed_recording_as(recording, ids)  # a new loop: clients resync


async def main(venue: str, port: int, recording: Path | None, symbols: int = 1) -> None:
    emulator = build(venue)
    moving = dict(MIDS)
    if recording is not None:
        moving.pop("BTC/USDT:USDT")
    for venue_id, mid, tick in MIDS.values():
        emulator.seed_book(
            venue_id,
            [(round(mid - tick * i, 2), contracts(emulator, venue_id, 0.5 + i)) for i in range(20)],
            [
                (round(mid + tick * (i + 1), 2), contracts(emulator, venue_id, 1.0 + i))
                for i in range(20)
            ],
        )
    await emulator.start(port)
    print(f"listening on {emulator.rest_url}", flush=True)
    password = " SCALP_TUI_API_PASSWORD=emulator" if venue == "okx" else ""
    print(
        f"export SCALP_TUI_EXCHANGE__ID={venue} "
        f"SCALP_TUI_EXCHANGE__REST_URL={emulator.rest_url} "
        f"SCALP_TUI_EXCHANGE__WS_URL={emulator.ws_url} "
        f"SCALP_TUI_API_KEY=emulator SCALP_TUI_API_SECRET=emulator{password}",
        flush=True,
    )
    replay = None
    if recording is not None and symbols > 1:
        replay = asyncio.create_task(serve_many(emulator, recording, many_names(symbols)))
        moving.clear()
    elif recording is not None:
        replay = asyncio.create_task(replay_forever(emulator, recording, "BTCUSDT"))
    rng = random.Random(1)
    while replay is None or not replay.done():  # the touch keeps changing
        for venue_id, mid, tick in moving.values():
            await emulator.set_levels(
                venue_id,
                [(mid, contracts(emulator, venue_id, rng.uniform(0.1, 2.0)))],
                [(round(mid + tick, 2), contracts(emulator, venue_id, rng.choice([2.0, 45.0])))],
            )
        await asyncio.sleep(0.1)
    replay.result()  # a failed replay says why


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venue", choices=sorted(VENUES), default="binanceusdm")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--recording", type=Path, help="a Binance recording to replay as BTC")
    parser.add_argument(
        "--symbols", type=int, default=1, help="serve the recording under this many names"
    )
    args = parser.parse_args()
    if args.symbols > 1 and (args.recording is None or args.venue != "binanceusdm"):
        parser.error("--symbols needs --recording and the binanceusdm venue")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(args.venue, args.port, args.recording, args.symbols))
