"""The faster per-level handler builds the same ccxt book as ccxt's own, frame for
frame, over the real Binance recording."""

import gzip
import json

import ccxt.pro
import pytest
from ccxt.async_support.base.ws.order_book_side import Asks, Bids
from shared_data import default_recording

from scalp_tui.market import ccxt_speedups

RECORDING = default_recording()


def depth_frames(limit: int) -> list[dict]:
    frames = []
    with gzip.open(RECORDING, "rt") as lines:
        for line in lines:
            message = json.loads(line.split(" ", 1)[1])
            if message.get("data", {}).get("e") == "depthUpdate":
                frames.append(message["data"])
                if len(frames) >= limit:
                    break
    return frames


@pytest.mark.skipif(not RECORDING.is_file(), reason=f"recording not found at {RECORDING}")
def test_store_levels_builds_the_same_book_as_ccxts_handle_deltas() -> None:
    ccxt_own = ccxt.pro.binanceusdm()
    ours = ccxt.pro.binanceusdm()
    assert ccxt_speedups.install(ours)
    theirs_book, our_book = (Bids(), Asks()), (Bids(), Asks())
    for i, frame in enumerate(depth_frames(3_000)):
        for exchange, (bids, asks) in ((ccxt_own, theirs_book), (ours, our_book)):
            exchange.handle_deltas(asks, frame["a"])
            exchange.handle_deltas(bids, frame["b"])
        if i % 100 == 0:
            assert list(our_book[0]) == list(theirs_book[0])
            assert list(our_book[1]) == list(theirs_book[1])
    assert list(our_book[0]) == list(theirs_book[0]) and len(our_book[0]) > 100
    assert list(our_book[1]) == list(theirs_book[1]) and len(our_book[1]) > 100


def test_other_venues_keep_ccxts_handler() -> None:
    assert not ccxt_speedups.install(ccxt.pro.okx())
