"""The simulated market for many symbols: names, profiles and per-symbol determinism."""

import itertools
import math

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.protocol import BookUpdate, TradeTick
from scalp_tui.market.sim import DEFAULT_SYMBOLS, SimMarket
from scalp_tui.market.sim_params import MODELS
from scalp_tui.market.sim_symbols import derived_model, sim_symbol_names


def by_symbol(market: SimMarket, n: int) -> dict[str, list[BookUpdate | TradeTick]]:
    out: dict[str, list[BookUpdate | TradeTick]] = {}
    for event in itertools.islice(market.events(), n):
        out.setdefault(event.symbol, []).append(event)
    return out


def test_a_hundred_names_start_with_the_calibrated_three_and_never_repeat() -> None:
    names = sim_symbol_names(100)
    assert names[:3] == list(DEFAULT_SYMBOLS)
    assert names[3:5] == ["XRP/USDT:USDT", "DOGE/USDT:USDT"]
    assert len(set(names)) == 100
    assert all(n.endswith("/USDT:USDT") and n.split("/")[0].isalnum() for n in names)
    assert sim_symbol_names(250)[:100] == names  # more symbols add to the list


def test_the_calibrated_symbols_keep_their_models() -> None:
    for symbol in DEFAULT_SYMBOLS:
        assert derived_model(symbol) is MODELS[symbol]


def test_derived_profiles_have_ticks_and_lots_that_fit_their_price() -> None:
    for symbol in sim_symbol_names(200)[3:]:
        m = derived_model(symbol)
        assert m == derived_model(symbol)  # a name always has the same contract
        assert 1e-5 <= m.tick_size / m.price <= 1e-4, symbol  # 5 significant digits
        assert m.lot_size == 1.0 or 1.0 <= m.lot_size * m.price <= 10.0
        assert math.log10(m.tick_size) == round(math.log10(m.tick_size))
        assert math.log10(m.lot_size) == round(math.log10(m.lot_size))
        assert m.level_step >= 1 and 1.2 <= m.vol_scale <= 2.5
        # touch depth between 1% and 20% of BTC's, in notional
        share = m.size_scale * m.price / MODELS["BTC/USDT:USDT"].price
        assert 0.0099 <= share <= 0.2, symbol
    assert derived_model("1000PEPE/USDT:USDT").tick_size == 1e-7
    assert derived_model("BNB/USDT:USDT").tick_size == 0.01


def test_each_symbol_is_its_own_market_whoever_else_is_simulated() -> None:
    """Same seed and name, same events: adding symbols does not change the others."""
    names = sim_symbol_names(30)
    alone = by_symbol(SimMarket(symbols=(names[17],), seed=9), 2_000)[names[17]]
    among = by_symbol(SimMarket(symbols=names, seed=9), 60_000)[names[17]]
    assert among[: len(alone)] == alone[: len(among)] and len(among) > 500
    other_seed = by_symbol(SimMarket(symbols=(names[17],), seed=10), 2_000)[names[17]]
    assert other_seed != alone


def test_a_hundred_symbols_give_valid_books_on_their_grids_and_trade() -> None:
    market = SimMarket(symbols=sim_symbol_names(100), seed=3)
    books = {s: OrderBook(s) for s in market.symbols}
    for update in market.initial_books():
        books[update.symbol].apply(update.bids, update.asks, update.ts_ms, True)
    traded: set[str] = set()
    one_tick = updates = 0
    for event in itertools.islice(market.events(), 200_000):
        info = market.markets[event.symbol]
        if type(event) is TradeTick:
            traded.add(event.symbol)
            assert event.qty >= info.lot_size
            continue
        book = books[event.symbol]
        book.apply(event.bids, event.asks, event.ts_ms, False)
        assert book.best_bid < book.best_ask
        for price, _ in event.bids + event.asks:
            assert abs(price / info.tick_size - round(price / info.tick_size)) < 1e-6
        updates += 1
        one_tick += round((book.best_ask - book.best_bid) / info.tick_size) == 1
    assert traded == set(market.symbols)
    assert one_tick / updates > 0.8
    for symbol in market.symbols:  # the spread is tight enough for the entry rule
        assert books[symbol].spread < 0.0005, symbol
