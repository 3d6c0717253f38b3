"""The live feed hands the engine base units: ccxt's book sizes, trade amounts, lot and
minimum size of a contract market are in contracts, multiplied by contractSize once,
at the feed. One case per contract size the supported venues use."""

import asyncio

import pytest
from feed_sink import Sink

from scalp_tui.engine.clock import ManualClock
from scalp_tui.market.ccxt_feed import CcxtFeed, market_info

SYMBOL = "BTC/USDT:USDT"


class FakeExchange:
    """What the feed uses of a ccxt.pro exchange: one book and one batch of trades
    (amounts in contracts, as ccxt reports them), then silence."""

    id = "fake"

    def __init__(self, market: dict, bids: list, asks: list, trades: list) -> None:
        self.market = market
        self.markets: dict | None = None
        self.book = {"bids": bids, "asks": asks}
        self.trades = trades
        self._served: set[str] = set()

    async def load_markets(self) -> dict:
        self.markets = {SYMBOL: self.market}
        return self.markets

    async def _once(self, kind: str, value):
        if kind in self._served:
            await asyncio.Event().wait()  # nothing more from the venue
        self._served.add(kind)
        return value

    async def watch_order_book(self, symbol: str):
        return await self._once("book", self.book)

    async def watch_trades(self, symbol: str):
        return await self._once("trades", self.trades)

    async def close(self) -> None:
        pass


def market(contract_size: float | None, lot: float, minimum: float) -> dict:
    return {
        "symbol": SYMBOL,
        "contractSize": contract_size,
        "precision": {"amount": lot, "price": 0.1},
        "limits": {"amount": {"min": minimum}},
    }


# (venue, contractSize, lot and min in contracts, book sizes and trade amount in
# contracts) -> the same in base units, written out by hand
CASES = [
    ("binanceusdm", 1.0, (0.001, 0.002), (3.5, 0.001), 0.25, (0.001, 0.002), (3.5, 0.001), 0.25),
    ("okx ETH", 0.1, (0.01, 0.01), (3.0, 250.0), 7.0, (0.001, 0.001), (0.3, 25.0), 0.7),
    ("okx BTC", 0.01, (0.01, 0.01), (3.0, 0.07), 17.0, (0.0001, 0.0001), (0.03, 0.0007), 0.17),
    ("kucoinfutures", 0.001, (1.0, 1.0), (3.0, 1234.0), 9.0, (0.001, 0.001), (0.003, 1.234), 0.009),
    ("gate", 0.0001, (1.0, 1.0), (3.0, 70.0), 11.0, (0.0001, 0.0001), (0.0003, 0.007), 0.0011),
]


async def run_feed(exchange: FakeExchange, load: bool = True) -> tuple[CcxtFeed, Sink]:
    feed = CcxtFeed(exchange, [SYMBOL], ManualClock(0), depth=10)
    if load:
        await feed.load_markets()
    else:
        exchange.markets = {SYMBOL: exchange.market}  # as ccxt loads them on a watch
    sink, stop = Sink(), asyncio.Event()
    task = asyncio.create_task(feed.run(sink, stop))
    for _ in range(200):
        if sink.books and sink.trades:
            break
        await asyncio.sleep(0.005)
    stop.set()
    await task
    return feed, sink


@pytest.mark.parametrize(
    ("contract_size", "lot_min", "sizes", "amount", "base_lot_min", "base_sizes", "base_amount"),
    [case[1:] for case in CASES],
    ids=[f"{case[0]} {case[1]}" for case in CASES],
)
async def test_books_trades_lot_and_min_reach_the_engine_in_base_units(
    contract_size, lot_min, sizes, amount, base_lot_min, base_sizes, base_amount
) -> None:
    bids = [[60_000.0, sizes[0]], [59_999.9, sizes[1]]]
    asks = [[60_000.1, sizes[1]], [60_000.2, sizes[0]]]
    trades = [{"id": "1", "timestamp": 5, "price": 60_000.0, "amount": amount, "side": "sell"}]
    exchange = FakeExchange(market(contract_size, *lot_min), bids, asks, trades)

    info = market_info(exchange.market)
    assert (info.lot_size, info.min_qty) == base_lot_min
    assert info.contract_size == contract_size  # kept for the order boundary

    _, sink = await run_feed(exchange)
    book = sink.books[0]
    # exact: no float noise of the product (3 x 0.1 is 0.30000000000000004)
    assert book.bids == ((60_000.0, base_sizes[0]), (59_999.9, base_sizes[1]))
    assert book.asks == ((60_000.1, base_sizes[1]), (60_000.2, base_sizes[0]))
    assert [t.qty for t in sink.trades] == [base_amount]


async def test_sizes_are_converted_when_markets_were_loaded_by_ccxt_not_the_feed() -> None:
    exchange = FakeExchange(market(0.01, 0.01, 0.01), [[1.0, 5.0]], [[1.1, 2.0]], [])
    _, sink = await run_feed(exchange, load=False)
    assert sink.books[0].bids == ((1.0, 0.05),) and sink.books[0].asks == ((1.1, 0.02),)


def test_a_market_that_is_not_a_contract_counts_as_one_base_unit() -> None:
    info = market_info(market(None, 0.001, 0.005))
    assert (info.lot_size, info.min_qty, info.contract_size) == (0.001, 0.005, 1.0)


def test_a_missing_minimum_is_one_lot_in_base_units() -> None:
    m = market(0.01, 0.01, 0.01)
    m["limits"] = {}
    assert market_info(m).min_qty == 0.0001
