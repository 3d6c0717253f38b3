"""Contract sizes other than BTC's, end to end on the OKX and Bybit emulators with the
real ccxt.pro client: OKX ETH (0.1 ETH a contract: 0.115 ETH is 1.15 contracts, where
a plain quotient is 1.1499999...), OKX DOGE (1000 DOGE a contract), and Bybit ETH
(1 a contract). The entry, its stop and the close are whole contracts at the venue,
the engine's base units equal contracts x size, and money agrees to 1e-9."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from emulator.venue_rig import SAME_MONEY, Venue

from scalp_tui.engine.clock import WallClock
from scalp_tui.engine.engine import Engine
from scalp_tui.engine.params import EngineParams
from scalp_tui.engine.protocol import BookUpdate, Candle, ClosePosition, SetBroker
from scalp_tui.execution import ccxt_account
from scalp_tui.execution.ccxt_broker import CcxtBroker
from scalp_tui.execution.paper import PaperBroker
from scalp_tui.market.ccxt_feed import CcxtFeed

CASES = [  # venue, symbol, venue id, price, tick, expected base qty (300 USDT / price)
    ("okx", "ETH/USDT:USDT", "ETH-USDT-SWAP", 2600.0, 0.01, 0.115),
    ("okx", "DOGE/USDT:USDT", "DOGE-USDT-SWAP", 0.1, 0.00001, 3000.0),
    ("bybit", "ETH/USDT:USDT", "ETHUSDT", 2600.0, 0.01, 0.11),
]


async def settle(broker: CcxtBroker) -> None:
    for _ in range(5):
        await broker.drain()
        await asyncio.sleep(0.05)
        await broker.poll()
        await broker.drain()


@pytest.mark.parametrize(
    ("venue_id", "symbol", "sid", "price", "tick", "qty"), CASES, ids=[c[2] for c in CASES]
)
async def test_an_entry_and_close_in_whole_contracts(venue_id, symbol, sid, price, tick, qty):
    venue = Venue(venue_id)
    size = venue.emulator.contract_size(sid)
    # thin bids (30 % of the size at each), heavy asks: the short entry signal
    bids = [(round(price - tick * i, 6), round(qty * 0.3 / size, 2)) for i in range(10)]
    asks = [(round(price + tick * (i + 1), 6), round(10 * qty / size, 2)) for i in range(10)]
    venue.emulator.seed_book(sid, bids, asks)
    await venue.emulator.start()
    exchange = venue.client()
    try:
        clock = WallClock()
        markets = await CcxtFeed(exchange, [symbol], clock).load_markets()
        assert markets[symbol].contract_size == size
        broker = CcxtBroker(exchange, 0.0005, 0.0002)
        assert await ccxt_account.prepare(exchange, broker.retrier, [symbol], 3) == []
        now = clock.now_ms()
        # a wide spread limit: DOGE's tick is a wide spread
        params = replace(EngineParams(), mode="auto", min_volume=-1.0, min_spread=0.01)
        history = {symbol: [Candle(now - now % 300_000 - 300_000, 1, 1, 1, 1, 5000.0)]}
        brokers = {"paper": PaperBroker(0.0005, 0.0002), "live": broker}
        engine = Engine(params, clock, markets, brokers, history=history)
        assert engine.execute(SetBroker("live")).ok
        b, a = venue.emulator.book(sid, 20)
        book = BookUpdate(
            symbol,
            clock.now_ms(),
            tuple((p, q * size) for p, q in b),
            tuple((p, q * size) for p, q in a),
            snapshot=True,
        )
        engine.on_book(book)
        await settle(broker)
        (position,) = engine.positions.values()
        assert position.qty == pytest.approx(qty, rel=1e-12)
        contracts = round(qty / size, 8)
        assert venue.emulator.net_position(sid) == pytest.approx(-contracts, rel=1e-12)
        (stop,) = venue.emulator.open_algo_orders(sid)
        stop_qty = stop["qty"] if isinstance(stop, dict) else stop.qty
        assert stop_qty == pytest.approx(contracts, rel=1e-12)
        assert engine.execute(ClosePosition(position.id)).ok
        await settle(broker)
        assert not engine.positions and venue.emulator.net_position(sid) == 0.0
        assert not venue.emulator.open_algo_orders(sid)
        done = engine.closed
        fees = sum(p.entry_fee + p.exit_fee for p in done)
        pnl = sum(p.realised_gross for p in done) - fees
        assert abs(pnl - venue.wallet_change()) < SAME_MONEY
        assert abs(fees - venue.fees()) < SAME_MONEY
    finally:
        await exchange.close()
        await venue.emulator.stop()
