"""ccxt.pro's own handling of a recording's frames, for replay_throughput.py to compare.

A real `ccxt.pro.binanceusdm` client, its book seeded from the recording's REST
snapshot, gets frames through `handle_message` (a stub client, no socket): its json
parsing of each frame (what its socket does) and then its handling of it. Two sets:
- the depth frames alone: ccxt's book handling, the work our book does;
- the depth and trade frames in file order: what a ccxt.pro client watching the book
  and the trades of the symbol handles, the frames our pipeline reads (the
  bookTicker frames are left out on both sides: the pipeline skips them unparsed).
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BTC = "BTC/USDT:USDT"
# CPU time of this process: the cores here are shared, and wall time counts the others
CLOCK = time.process_time


@dataclass(frozen=True)
class Frames:
    """A recording's REST snapshot and its frames' json text, in file order."""

    snapshot: dict
    depth: list[str]
    depth_and_trades: list[str]

    @property
    def trades(self) -> int:
        return len(self.depth_and_trades) - len(self.depth)


def read_frames(path: Path) -> Frames:
    snapshot: dict | None = None
    depth, both = [], []
    with gzip.open(path, "rt") as lines:
        for line in lines:
            _, _, text = line.partition(" ")
            head = text[:64]
            if "@depth" in head:
                depth.append(text)
                both.append(text)
            elif "@trade" in head:
                both.append(text)
            elif snapshot is None and '"lastUpdateId"' in text:
                snapshot = json.loads(text)
    assert snapshot is not None, "no REST snapshot in the recording"
    return Frames(snapshot, depth, both)


async def ccxt_handling(snapshot: dict, frames: list[Any], parse: bool) -> tuple[float, Any]:
    """A fresh client seeded with the snapshot, then every frame through its
    handle_message; returns (CPU seconds of the frames' handling, the book's nonce)."""
    import ccxt.pro

    exchange = ccxt.pro.binanceusdm({"enableRateLimit": False})
    exchange.set_markets([ccxt_market()])
    client = exchange.client("wss://fstream.binance.com/ws")
    book = exchange.order_book({}, 1000)
    book.reset(exchange.parse_order_book(snapshot, BTC, None, "bids", "asks"))
    book["nonce"] = snapshot["lastUpdateId"]
    exchange.orderbooks[BTC] = book
    handle, loads = exchange.handle_message, json.loads
    start = CLOCK()
    if parse:
        for text in frames:
            handle(client, loads(text))
    else:
        for frame in frames:
            handle(client, frame)
    elapsed = CLOCK() - start
    nonce = exchange.orderbooks[BTC]["nonce"]
    await exchange.close()
    return elapsed, nonce


def ccxt_market() -> dict:
    return {
        "id": "BTCUSDT", "symbol": BTC, "base": "BTC", "quote": "USDT", "settle": "USDT",
        "baseId": "BTC", "quoteId": "USDT", "settleId": "USDT", "type": "swap",
        "spot": False, "margin": False, "swap": True, "future": False, "option": False,
        "active": True, "contract": True, "linear": True, "inverse": False,
        "contractSize": 1.0, "precision": {"amount": 0.001, "price": 0.1},
        "limits": {"amount": {"min": 0.001}}, "info": {},
    }  # fmt: skip
