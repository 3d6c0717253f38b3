"""KuCoin Futures (classic account): what our account set-up, broker and position
check make the real ccxt kucoinfutures client send, and what they make of KuCoin's
answers (shapes as in ccxt's kucoin.py comments)."""

import pytest
from venue_recorder import BTC, TAG, Listener, client, order

from scalp_tui.engine.protocol import OrderStatus, Side
from scalp_tui.execution import ccxt_account
from scalp_tui.execution.ccxt_broker import CcxtBroker
from scalp_tui.execution.retry import Retrier

S = OrderStatus
CONTRACT = {
    "symbol": "XBTUSDTM",
    "rootSymbol": "USDT",
    "type": "FFWCSX",
    "baseCurrency": "XBT",
    "quoteCurrency": "USDT",
    "settleCurrency": "USDT",
    "maxOrderQty": 1000000,
    "maxPrice": 1000000.0,
    "lotSize": 1,
    "tickSize": 0.1,
    "multiplier": 0.001,
    "isInverse": False,
    "status": "Open",
    "makerFeeRate": 0.0002,
    "takerFeeRate": 0.0006,
    "nextFundingRateTime": 20286069,
    "maxLeverage": 125,
}


def ok(data):
    return {"code": "200000", "data": data}


class Venue:
    """Order records by clientOid, as KuCoin keeps them."""

    def __init__(self) -> None:
        self.orders: dict[str, dict] = {}

    def create(self, request):
        body = request.body
        stop = "stop" in body
        self.orders[body["clientOid"]] = {
            "id": f"6{len(self.orders):023d}",
            "symbol": "XBTUSDTM",
            "type": body["type"],
            "side": body["side"],
            "size": body["size"],
            "value": "300",
            "filledValue": "0" if stop else "300",
            "filledSize": 0 if stop else body["size"],
            "stop": body.get("stop", ""),
            "stopPrice": body.get("stopPrice"),
            "stopTriggered": False,
            "leverage": str(body.get("leverage", "")),
            "clientOid": body["clientOid"],
            "isActive": stop,
            "cancelExist": False,
            "createdAt": 1700000000000,
            "updatedAt": 1700000000100,
            "status": "open" if stop else "done",
            "reduceOnly": body.get("reduceOnly", False),
            "settleCurrency": "USDT",
        }
        return ok({"orderId": self.orders[body["clientOid"]]["id"], "clientOid": body["clientOid"]})

    def get(self, request):
        found = self.orders.get(request.query["clientOid"])
        return ok(found) if found else ok(None)

    def cancel(self, request):
        cid = request.path.rsplit("/", 1)[1]
        self.orders[cid].update(isActive=False, cancelExist=True, status="done")
        return ok({"clientOid": cid})

    def routes(self):
        return [
            ("GET", r"/api/ua/v1/account/mode", lambda r: ok({"selfAccountMode": "CLASSIC"})),
            ("GET", r"/api/v3/currencies", lambda r: ok([])),
            ("GET", r"/api/v3/margin/symbols", lambda r: ok({"items": []})),
            ("GET", r"/api/v1/isolated/symbols", lambda r: ok([])),
            ("GET", r"/api/v1/hf/accounts/opened", lambda r: ok(False)),
            ("GET", r"/api/v1/contracts/active", lambda r: ok([CONTRACT])),
            ("GET", r"/api/v2/position/getPositionMode", lambda r: ok({"positionMode": 0})),
            (
                "POST",
                r"/api/v2/position/changeMarginMode",
                lambda r: ok({"symbol": "XBTUSDTM", "marginMode": "ISOLATED"}),
            ),
            ("POST", r"/api/v1/orders", self.create),
            ("GET", r"/api/v1/orders/byClientOid", self.get),
            ("DELETE", r"/api/v1/orders/client-order/.+", self.cancel),
            (
                "GET",
                r"/api/v1/positions",
                lambda r: ok(
                    [
                        {
                            "id": "1",
                            "symbol": "XBTUSDTM",
                            "marginMode": "ISOLATED",
                            "crossMode": False,
                            "currentQty": -5,
                            "avgEntryPrice": 60000,
                            "markPrice": 60100,
                            "leverage": 3,
                            "isOpen": True,
                            "settleCurrency": "USDT",
                        }
                    ]
                ),
            ),
            (
                "GET",
                r"/api/v1/account-overview",
                lambda r: ok({"accountEquity": 1000, "availableBalance": 900, "currency": "USDT"}),
            ),
        ]


@pytest.fixture
async def kucoin():
    venue = Venue()
    exchange, recorder = client("kucoinfutures", venue.routes())
    await exchange.load_markets()
    recorder.clear()
    yield exchange, recorder
    await exchange.close()


async def test_one_way_checked_isolated_set_per_symbol_and_no_cross_leverage_call(kucoin) -> None:
    exchange, rec = kucoin
    assert exchange.markets[BTC]["contractSize"] == 0.001
    assert await ccxt_account.prepare(exchange, Retrier(), [BTC], 3) == []
    assert [(r.method, r.path) for r in rec.requests] == [
        ("GET", "/api/v2/position/getPositionMode"),
        ("POST", "/api/v2/position/changeMarginMode"),
    ]
    assert rec.requests[1].body == {"symbol": "XBTUSDTM", "marginMode": "ISOLATED"}
    assert not rec.unknown


async def test_orders_carry_isolated_the_leverage_and_our_client_oid(kucoin) -> None:
    exchange, rec = kucoin
    broker = CcxtBroker(exchange, taker_fee=0.0006, maker_fee=0.0002, client_tag=TAG, leverage=3)
    listener = Listener()
    broker.bind(listener, {})

    broker.submit(order(1, Side.SELL, 0.005))  # 5 contracts of 0.001 BTC
    await broker.drain()
    entry = rec.last("POST", r"/api/v1/orders")
    assert entry.body == {
        "clientOid": "s" + TAG + "1",
        "side": "sell",
        "symbol": "XBTUSDTM",
        "type": "market",
        "leverage": 3,  # ccxt's default 1 would open the isolated position at 1x
        "marginMode": "ISOLATED",
        "size": 5,
    }
    assert listener.last_status(1) is S.ACCEPTED  # the answer carries ids only
    await broker.poll()
    look = rec.last("GET", r"/api/v1/orders/byClientOid")
    assert look.query == {"clientOid": "s" + TAG + "1"}
    assert listener.fills == [(1, 60000.0, pytest.approx(0.005), pytest.approx(0.18))]
    assert listener.last_status(1) is S.FILLED

    broker.submit(order(2, Side.BUY, 0.005, reduce_only=True))
    await broker.drain()
    assert rec.last("POST", r"/api/v1/orders").body["reduceOnly"] is True

    broker.submit(order(3, Side.BUY, 0.005, stop=61000.0))
    await broker.drain()
    stop = rec.last("POST", r"/api/v1/orders")
    assert stop.body == {
        "clientOid": "s" + TAG + "3",
        "side": "buy",
        "symbol": "XBTUSDTM",
        "type": "market",
        "leverage": 3,
        "marginMode": "ISOLATED",
        "size": 5,
        "stop": "up",  # a buy stop: triggered at or above
        "stopPrice": "61000",
        "reduceOnly": True,
        "stopPriceType": "TP",  # the last trade price, not ccxt's default mark price
    }
    await broker.poll()
    assert listener.last_status(3) is S.ACCEPTED
    broker.cancel(3)
    await broker.drain()
    cancel = rec.last("DELETE", r"/api/v1/orders/client-order/.+")
    assert cancel.path.endswith("/client-order/s" + TAG + "3")
    assert cancel.query == {"symbol": "XBTUSDTM"}
    await broker.poll()  # the cancel answer names the order only: the look-up ends it
    assert listener.last_status(3) is S.CANCELED
    assert not rec.unknown and not listener.errors


async def test_positions_in_base_units_and_balance(kucoin) -> None:
    exchange, rec = kucoin
    assert await ccxt_account.held(exchange, Retrier(), [BTC]) == {BTC: pytest.approx(-0.005)}
    balance = await exchange.fetch_balance()
    assert balance["USDT"]["total"] == 1000.0
    assert [r.path for r in rec.requests] == ["/api/v1/positions", "/api/v1/account-overview"]
    assert not rec.unknown
