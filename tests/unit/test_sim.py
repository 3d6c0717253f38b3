"""The simulated market: deterministic, well-formed, and lively enough to trade."""

import itertools

import pytest

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.protocol import BookUpdate, TradeTick
from scalp_tui.market.sim import DEFAULT_SYMBOLS, SimMarket

MINUTE_MS = 60_000


def take(market: SimMarket, n: int) -> list[BookUpdate | TradeTick]:
    return list(itertools.islice(market.events(), n))


def test_same_seed_same_events_and_other_seed_other_events() -> None:
    assert take(SimMarket(seed=5), 10_000) == take(SimMarket(seed=5), 10_000)
    assert take(SimMarket(seed=5), 1_000) != take(SimMarket(seed=6), 1_000)


def test_books_stay_valid_on_the_tick_and_lot_grids() -> None:
    market = SimMarket(seed=2)
    books = {s: OrderBook(s) for s in market.symbols}
    for update in market.initial_books():
        books[update.symbol].apply(update.bids, update.asks, update.ts_ms, True)
    last_ts = market.start_ms
    one_tick = updates = 0
    for event in take(market, 50_000):
        assert event.ts_ms >= last_ts
        last_ts = event.ts_ms
        info = market.markets[event.symbol]
        if type(event) is TradeTick:
            assert event.qty >= info.lot_size
            continue
        book = books[event.symbol]
        book.apply(event.bids, event.asks, event.ts_ms, False)
        assert book.best_bid < book.best_ask
        for price, qty in event.bids + event.asks:
            assert price / info.tick_size == pytest.approx(round(price / info.tick_size), abs=1e-6)
            assert qty / info.lot_size == pytest.approx(round(qty / info.lot_size), abs=1e-6)
        updates += 1
        spread_ticks = round((book.best_ask - book.best_bid) / info.tick_size)
        one_tick += spread_ticks == 1
    assert one_tick / updates > 0.8


def test_history_candles_end_at_start_and_pass_the_volume_condition() -> None:
    market = SimMarket(seed=1)
    for symbol in DEFAULT_SYMBOLS:
        candles = market.history(symbol, 300_000, 12)
        assert len(candles) == 12
        assert candles[-1].start_ms == market.start_ms - 300_000
        assert all(c.volume > 1000 for c in candles)
        assert all(
            c.low <= min(c.open, c.close) and c.high >= max(c.open, c.close) for c in candles
        )


def test_imbalance_swings_both_ways_within_thirty_minutes() -> None:
    market = SimMarket(seed=3)
    books = {s: OrderBook(s, depth=10) for s in market.symbols}
    for update in market.initial_books():
        books[update.symbol].apply(update.bids, update.asks, update.ts_ms, True)
    lows = dict.fromkeys(market.symbols, 1.0)
    highs = dict.fromkeys(market.symbols, -1.0)
    for event in market.events():
        if event.ts_ms - market.start_ms > 30 * MINUTE_MS:
            break
        if type(event) is BookUpdate:
            book = books[event.symbol]
            book.apply(event.bids, event.asks, event.ts_ms, False)
            lows[event.symbol] = min(lows[event.symbol], book.imbalance)
            highs[event.symbol] = max(highs[event.symbol], book.imbalance)
    assert all(v <= -0.3 for v in lows.values()), lows
    assert all(v >= 0.3 for v in highs.values()), highs


def test_a_name_that_is_not_a_perpetual_is_refused() -> None:
    with pytest.raises(ValueError, match=r"no DOGEUSDT: it simulates linear perpetuals"):
        SimMarket(symbols=("DOGEUSDT",))
