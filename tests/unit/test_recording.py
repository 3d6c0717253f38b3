"""Reading the real Binance USD-M recording into book updates and trades."""

import pytest
from shared_data import default_recording

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.protocol import BookUpdate, TradeTick
from scalp_tui.market.recording import read_recording

RECORDING = default_recording()
pytestmark = pytest.mark.skipif(
    not RECORDING.is_file(), reason=f"recording not found at {RECORDING}"
)


def test_recording_rebuilds_an_uncrossed_book_without_gaps() -> None:
    book = OrderBook("BTC/USDT:USDT")
    snapshots = diffs = trades = 0
    for event in read_recording(RECORDING):
        if type(event) is TradeTick:
            trades += 1
            continue
        assert isinstance(event, BookUpdate)
        book.apply(event.bids, event.asks, event.ts_ms, event.snapshot)
        snapshots += event.snapshot
        diffs += not event.snapshot
        assert book.best_bid < book.best_ask
    # 6,551 diffs recorded; 4 predate the REST snapshot and are dropped by Binance's rule
    assert (snapshots, diffs, trades) == (1, 6_547, 21_313)
