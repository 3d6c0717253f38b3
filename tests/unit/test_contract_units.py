"""Base units inside, contracts at the venue: the broker sends `base / contractSize`
(in whole amount steps) and reports the venue's fills and positions back in base
units, for every contract size the seed venues use."""

import asyncio

import pytest

from scalp_tui.engine.orders import Order
from scalp_tui.engine.protocol import OrderStatus, OrderType, Side
from scalp_tui.execution import ccxt_account
from scalp_tui.execution.ccxt_broker import CcxtBroker
from scalp_tui.execution.retry import Retrier
from scalp_tui.execution.venues import VenueTraits
from scalp_tui.execution.venues.okx import Okx
from scalp_tui.runtime.live_session import fetch_history

BTC = "BTC/USDT:USDT"
# contract size -> amount step in contracts (binance/bybit 1 BTC with 0.001 steps; okx
# 0.01 BTC in 0.01-contract steps; kucoin/htx 0.001 BTC; gate 0.0001 BTC, whole contracts)
SIZES = [(1.0, 0.001), (0.1, 0.01), (0.01, 0.01), (0.001, 1.0), (0.0001, 1.0)]


class Venue:
    """Just enough of a ccxt client: one market, orders filled at once at 60,000 with
    a fee of 0.03 % charged on the fill's value."""

    id = "venue"

    def __init__(self, size: float, step: float) -> None:
        self.has = {"cancelAllOrders": True}
        self.size, self.step = size, step
        self.created: list[tuple[str, float, dict]] = []
        self.held = 0.0  # signed contracts

    def market(self, symbol: str) -> dict:
        return {"symbol": symbol, "contractSize": self.size, "precision": {"amount": self.step}}

    def amount_to_precision(self, symbol: str, amount: float) -> str:
        steps = int(amount / self.step)  # ccxt truncates
        return repr(steps * self.step)

    async def create_order(self, symbol, kind, side, amount, price, params):
        self.created.append((side, amount, params))
        self.held += -amount if side == "sell" else amount
        fee = amount * self.size * 60_000.0 * 0.0003
        return {
            "id": str(len(self.created)),
            "clientOrderId": params["clientOrderId"],
            "status": "closed",
            "filled": amount,
            "average": 60_000.0,
            "fee": {"cost": fee, "currency": "USDT"},
        }

    async def fetch_positions(self, symbols):
        side = "short" if self.held < 0 else "long"
        return [{"symbol": BTC, "contracts": abs(self.held), "side": side}]


class Reported:
    def __init__(self) -> None:
        self.fills: list[tuple[float, float, float]] = []
        self.statuses: list[OrderStatus] = []

    def on_fill(self, order_id, price, qty, fee, liquidity, ts_ms) -> None:
        self.fills.append((price, qty, fee))

    def on_order_status(self, order_id, status, reason="") -> None:
        self.statuses.append(status)

    def report_error(self, message, symbol=None) -> None:
        raise AssertionError(message)


class ReportedFees(VenueTraits):
    fees_in_orders = True


@pytest.mark.parametrize(("size", "step"), SIZES)
def test_orders_go_out_in_contracts_and_come_back_in_base_units(size, step) -> None:
    async def run() -> None:
        venue = Venue(size, step)
        broker = CcxtBroker(venue, 0.0005, 0.0002, traits=ReportedFees())
        reported = Reported()
        broker.bind(reported, {})
        # 0.3 of a base unit: on a 0.1 contract float division gives 2.9999999999999996
        qty = 0.3 if size >= 0.1 else 0.005
        order = Order(1, BTC, Side.SELL, OrderType.MARKET, qty, None, False, "live", 1, "entry")
        broker.submit(order)
        await broker.drain()
        ((side, amount, params),) = venue.created
        assert params["clientOrderId"] == broker.traits.client_id(broker.client_tag, 1)
        assert side == "sell" and amount == pytest.approx(qty / size)
        assert amount / step == pytest.approx(round(amount / step))  # whole steps
        ((price, filled, fee),) = reported.fills
        assert price == 60_000.0
        assert filled == pytest.approx(qty, abs=1e-12)
        assert fee == pytest.approx(qty * 60_000.0 * 0.0003)  # the venue's, not 0.0005
        assert reported.statuses[-1] is OrderStatus.FILLED
        held = await ccxt_account.held(venue, Retrier(), [BTC])
        assert held[BTC] == pytest.approx(-qty)

    asyncio.run(run())


def test_less_than_one_amount_step_is_refused_without_a_request() -> None:
    async def run() -> None:
        venue = Venue(0.0001, 1.0)  # one contract is 0.0001 BTC
        broker = CcxtBroker(venue, 0.0005, 0.0002)
        reported = Reported()
        broker.bind(reported, {})
        order = Order(1, BTC, Side.SELL, OrderType.MARKET, 0.00005, None, False, "live", 1, "entry")
        broker.submit(order)
        await broker.drain()
        assert venue.created == []
        assert reported.statuses[-1] is OrderStatus.REJECTED

    asyncio.run(run())


def test_client_ids_differ_between_journals_and_repeat_after_a_restart() -> None:
    traits = VenueTraits()
    first, second = traits.client_id("abcd1234", 7), traits.client_id("wxyz9876", 7)
    assert first != second
    assert traits.client_id("abcd1234", 7) == first  # the same journal, the same order
    assert first.isalnum() and len(first) <= traits.client_id_max


def test_an_ids_only_create_answer_after_the_streams_fill_changes_nothing() -> None:
    """OKX and Bybit answer a create with ids only; the order stream may report the
    fill first. The late answer is older news, not an order found working."""

    async def run() -> None:
        venue = Venue(0.01, 0.01)
        answered = asyncio.Event()
        cancels: list[dict] = []

        async def create_order(symbol, kind, side, amount, price, params):
            venue.created.append((side, amount, params))
            await answered.wait()
            return {"id": "1", "clientOrderId": params["clientOrderId"], "status": None}

        async def cancel_order(order_id, symbol, params):
            cancels.append(params)
            return {}

        venue.create_order, venue.cancel_order = create_order, cancel_order
        broker = CcxtBroker(venue, 0.0005, 0.0002)
        reported = Reported()
        broker.bind(reported, {})
        order = Order(1, BTC, Side.SELL, OrderType.MARKET, 0.005, None, False, "live", 1, "entry")
        broker.submit(order)
        await asyncio.sleep(0)
        cid = venue.created[0][2]["clientOrderId"]
        broker.apply({"clientOrderId": cid, "status": "closed", "filled": 0.5, "average": 6e4})
        answered.set()
        await broker.drain()
        assert reported.statuses[-1] is OrderStatus.FILLED
        assert cancels == [] and broker.working() == []

    asyncio.run(run())


def test_a_stop_answered_with_its_ids_only_is_resting() -> None:
    """OKX answers an algo (stop) order's create with its ids only: the stop rests at
    the venue from then on, not only from the next look-up (a position shown without
    its exchange-side stop would be a lie while the console is stopped)."""

    async def run() -> None:
        venue = Venue(0.01, 0.01)

        async def create_order(symbol, kind, side, amount, price, params):
            venue.created.append((side, amount, params))
            info = {"algoId": "77", "algoClOrdId": params["clientOrderId"], "sCode": "0"}
            return {"id": "77", "clientOrderId": None, "status": None, "info": info}

        venue.create_order = create_order
        broker = CcxtBroker(venue, 0.0005, 0.0002, traits=Okx())
        reported = Reported()
        broker.bind(reported, {})
        stop = Order(2, BTC, Side.BUY, OrderType.STOP_MARKET, 0.005, 60_300.0, True, "live", 1, "x")
        broker.submit(stop)
        await broker.drain()
        ((side, amount, params),) = venue.created
        assert (side, amount, params["stopLossPrice"]) == ("buy", 0.5, 60_300.0)
        assert params["reduceOnly"] and params["algoClOrdId"] == params["clientOrderId"]
        assert reported.statuses[-1] is OrderStatus.ACCEPTED

    asyncio.run(run())


@pytest.mark.parametrize(
    ("venue_id", "size", "volume"), [("gate", 0.0001, 2.5), ("okx", 0.01, 25_000)]
)
def test_candle_history_volume_is_in_base_units(venue_id, size, volume) -> None:
    """Gate's futures candles count contracts (25,000 of 0.0001 BTC = 2.5 BTC); OKX's
    swap candles, as ccxt reads them, already count the base currency."""

    class Candles(Venue):
        id = venue_id

        async def fetch_ohlcv(self, symbol, timeframe, limit):
            return [[0, 1.0, 1.0, 1.0, 1.0, 25_000.0], [300_000, 1.0, 1.0, 1.0, 1.0, 7.0]]

    closed, forming = asyncio.run(fetch_history(Candles(size, 1.0), BTC, "5m", now_ms=400_000))
    assert closed.volume == pytest.approx(volume)
    # the forming candle comes too (the engine seeds it), in the same units
    assert forming.start_ms == 300_000 and forming.volume == pytest.approx(volume * 7 / 25_000)
