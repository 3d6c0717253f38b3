"""The replay's fast builders of market events give the constructors' own objects."""

import dataclasses

import pytest

from scalp_tui.engine.protocol import BookUpdate, FlatLevels, Side, TradeTick
from scalp_tui.engine.protocol.market import _slot_setters, book_diff, trade_tick


def test_trade_tick_is_the_constructors_frozen_trade() -> None:
    built = trade_tick("BTC/USDT:USDT", 1_723_161_256_298, 61800.3, 0.006, Side.SELL)
    expected = TradeTick("BTC/USDT:USDT", 1_723_161_256_298, 61800.3, 0.006, Side.SELL)
    assert built == expected
    assert hash(built) == hash(expected)
    assert repr(built) == repr(expected)
    assert dataclasses.astuple(built) == (
        "BTC/USDT:USDT",
        1_723_161_256_298,
        61800.3,
        0.006,
        Side.SELL,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.price = 1.0  # type: ignore[misc]


def test_book_diff_is_the_constructors_diff_with_its_defaults() -> None:
    bids, asks = FlatLevels([61800.2, 2.507]), FlatLevels([61800.3, 0.0])
    built = book_diff("BTC/USDT:USDT", 1_000, bids, asks, 5_123_107_837_557)
    expected = BookUpdate("BTC/USDT:USDT", 1_000, bids, asks, update_id=5_123_107_837_557)
    assert built == expected
    assert repr(built) == repr(expected)
    assert (built.snapshot, built.venue_ts_ms) == (False, None)
    assert built.bids is bids and built.asks is asks
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.snapshot = True  # type: ignore[misc]


def test_a_changed_field_list_is_refused_at_import() -> None:
    """A field added to TradeTick would be left unset by the fast builder: the check
    run at import names the mismatch instead."""
    with pytest.raises(TypeError, match="TradeTick fields"):
        _slot_setters(TradeTick, ("symbol", "ts_ms", "price", "qty"))
