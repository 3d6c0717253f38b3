"""Bitget USDT-M futures (classic account): what our account set-up, broker and
position check make the real ccxt bitget client send, and what they make of
Bitget's answers (shapes as in ccxt's bitget.py comments)."""

import pytest
from venue_recorder import BTC, TAG, Listener, client, order

from scalp_tui.engine.protocol import OrderStatus, Side
from scalp_tui.execution import ccxt_account
from scalp_tui.execution.ccxt_broker import CcxtBroker
from scalp_tui.execution.retry import Retrier

S = OrderStatus
CONTRACT = {
    "symbol": "BTCUSDT",
    "baseCoin": "BTC",
    "quoteCoin": "USDT",
    "makerFeeRate": "0.0002",
    "takerFeeRate": "0.0006",
    "supportMarginCoins": ["USDT"],
    "minTradeNum": "0.001",
    "priceEndStep": "1",
    "volumePlace": "3",
    "pricePlace": "1",
    "sizeMultiplier": "0.001",
    "symbolType": "perpetual",
    "minTradeUSDT": "5",
    "symbolStatus": "normal",
    "minLever": "1",
    "maxLever": "125",
}


def ok(data):
    return {"code": "00000", "msg": "success", "requestTime": 1700000000000, "data": data}


class Venue:
    """Orders and plan orders by clientOid, as Bitget keeps them."""

    def __init__(self) -> None:
        self.orders: dict[str, dict] = {}
        self.plans: dict[str, dict] = {}

    def create(self, request):
        body = request.body
        self.orders[body["clientOid"]] = {
            "symbol": "BTCUSDT",
            "size": body["size"],
            "orderId": f"11{len(self.orders):017d}",
            "clientOid": body["clientOid"],
            "baseVolume": body["size"],
            "fee": "-0.18",  # Bitget reports a charge as negative
            "price": "",
            "priceAvg": "60000",
            "status": "filled",
            "side": body["side"],
            "force": "gtc",
            "posSide": "net",
            "marginCoin": "USDT",
            "marginMode": body["marginMode"],
            "reduceOnly": body.get("reduceOnly", "NO"),
            "orderType": "market",
            "posMode": "one_way_mode",
            "cTime": "1700000000000",
            "uTime": "1700000000100",
        }
        return ok(
            {"orderId": self.orders[body["clientOid"]]["orderId"], "clientOid": body["clientOid"]}
        )

    def detail(self, request):
        found = self.orders.get(request.query.get("clientOid"))
        if found is None:
            return 400, {"code": "40109", "msg": "The data of the order cannot be found"}
        return ok(found)

    def plan(self, request):
        body = request.body
        self.plans[body["clientOid"]] = {
            "planType": body["planType"],
            "symbol": "BTCUSDT",
            "size": body["size"],
            "orderId": f"22{len(self.plans):017d}",
            "clientOid": body["clientOid"],
            "planStatus": "live",
            "price": "0",
            "triggerPrice": body["triggerPrice"],
            "triggerType": body["triggerType"],
            "side": body["side"],
            "posSide": "net",
            "marginCoin": "USDT",
            "marginMode": body["marginMode"],
            "orderType": "market",
            "reduceOnly": body.get("reduceOnly", "NO"),
            "cTime": "1700000000000",
            "uTime": "1700000000000",
        }
        return ok(
            {"orderId": self.plans[body["clientOid"]]["orderId"], "clientOid": body["clientOid"]}
        )

    def plans_in(self, *statuses):
        def answer(request):
            cid = request.query.get("clientOid")
            rows = [p for p in self.plans.values() if p["planStatus"] in statuses]
            return ok({"entrustedList": [p for p in rows if cid in (None, p["clientOid"])]})

        return answer

    def cancel_plan(self, request):
        cid = request.body["orderIdList"][0]["clientOid"]
        self.plans[cid]["planStatus"] = "cancelled"
        plan = self.plans[cid]
        return ok(
            {"successList": [{"orderId": plan["orderId"], "clientOid": cid}], "failureList": []}
        )

    def routes(self):
        return [
            ("GET", r"/api/v2/spot/public/coins", lambda r: ok([])),
            ("GET", r"/api/v3/account/settings", lambda r: (400, {"code": "40084", "msg": "x"})),
            (
                "GET",
                r"/api/v2/mix/market/contracts",
                lambda r: ok([CONTRACT] if r.query["productType"] == "USDT-FUTURES" else []),
            ),
            (
                "POST",
                r"/api/v2/mix/account/set-margin-mode",
                lambda r: ok({"symbol": "btcusdt", "marginCoin": "USDT", "marginMode": "isolated"}),
            ),
            (
                "POST",
                r"/api/v2/mix/account/set-leverage",
                lambda r: ok(
                    {
                        "symbol": "btcusdt",
                        "marginCoin": "USDT",
                        "longLeverage": "3",
                        "shortLeverage": "3",
                        "marginMode": "isolated",
                    }
                ),
            ),
            ("POST", r"/api/v2/mix/order/place-order", self.create),
            ("GET", r"/api/v2/mix/order/detail", self.detail),
            ("POST", r"/api/v2/mix/order/place-plan-order", self.plan),
            ("GET", r"/api/v2/mix/order/orders-plan-pending", self.plans_in("live")),
            (
                "GET",
                r"/api/v2/mix/order/orders-plan-history",
                self.plans_in("cancelled", "executed"),
            ),
            ("POST", r"/api/v2/mix/order/cancel-plan-order", self.cancel_plan),
            (
                "GET",
                r"/api/v2/mix/position/all-position",
                lambda r: ok(
                    [
                        {
                            "symbol": "BTCUSDT",
                            "marginCoin": "USDT",
                            "holdSide": "short",
                            "openDelegateSize": "0",
                            "marginSize": "100",
                            "available": "0.005",
                            "total": "0.005",
                            "leverage": "3",
                            "openPriceAvg": "60000",
                            "marginMode": "isolated",
                            "posMode": "one_way_mode",
                            "unrealizedPL": "-0.5",
                            "markPrice": "60100",
                            "cTime": "1700000000000",
                            "uTime": "1700000000000",
                        }
                    ]
                ),
            ),
            (
                "GET",
                r"/api/v2/mix/account/accounts",
                lambda r: ok(
                    [
                        {
                            "marginCoin": "USDT",
                            "locked": "0",
                            "available": "900",
                            "maxTransferOut": "900",
                            "accountEquity": "1000",
                            "usdtEquity": "1000",
                            "unrealizedPL": "-0.5",
                        }
                    ]
                ),
            ),
        ]


@pytest.fixture
async def bitget():
    venue = Venue()
    exchange, recorder = client("bitget", venue.routes())
    await exchange.load_markets()
    recorder.clear()
    yield exchange, recorder
    await exchange.close()


async def test_isolated_and_leverage_per_symbol(bitget) -> None:
    exchange, rec = bitget
    assert exchange.markets[BTC]["contractSize"] == 1  # sizes are base units
    assert exchange.markets[BTC]["precision"]["amount"] == 0.001
    assert await ccxt_account.prepare(exchange, Retrier(), [BTC], 3) == []
    margin = rec.last("POST", r"/api/v2/mix/account/set-margin-mode")
    assert margin.body == {
        "symbol": "BTCUSDT",
        "marginCoin": "USDT",
        "marginMode": "isolated",
        "productType": "USDT-FUTURES",
    }
    leverage = rec.last("POST", r"/api/v2/mix/account/set-leverage")
    assert leverage.body == {
        "symbol": "BTCUSDT",
        "leverage": "3",
        "marginCoin": "USDT",
        "productType": "USDT-FUTURES",
    }
    assert not rec.unknown


async def test_orders_in_isolated_with_our_client_oid_and_fees_as_charged(bitget) -> None:
    exchange, rec = bitget
    broker = CcxtBroker(exchange, taker_fee=0.0006, maker_fee=0.0002, client_tag=TAG)
    listener = Listener()
    broker.bind(listener, {})
    broker.submit(order(1, Side.SELL, 0.005))
    await broker.drain()
    entry = rec.last("POST", r"/api/v2/mix/order/place-order")
    assert entry.body == {
        "symbol": "BTCUSDT",
        "orderType": "market",
        "force": "GTC",  # ccxt's default
        "marginCoin": "USDT",
        "size": "0.005",
        "productType": "USDT-FUTURES",
        "clientOid": "s" + TAG + "1",
        "marginMode": "isolated",
        "side": "sell",
    }
    await broker.poll()
    look = rec.last("GET", r"/api/v2/mix/order/detail")
    assert look.query == {
        "clientOid": "s" + TAG + "1",
        "symbol": "BTCUSDT",
        "productType": "USDT-FUTURES",
    }
    # the fee Bitget charged (0.18, reported as -0.18), not the configured rate
    assert listener.fills == [(1, 60000.0, pytest.approx(0.005), pytest.approx(0.18))]
    assert listener.last_status(1) is S.FILLED

    broker.submit(order(2, Side.BUY, 0.005, reduce_only=True))
    await broker.drain()
    exit_ = rec.last("POST", r"/api/v2/mix/order/place-order")
    assert exit_.body["reduceOnly"] == "YES" and exit_.body["side"] == "buy"
    assert not rec.unknown


async def test_the_stop_is_a_reduce_only_plan_order_found_among_plan_orders(bitget) -> None:
    exchange, rec = bitget
    broker = CcxtBroker(exchange, taker_fee=0.0006, maker_fee=0.0002, client_tag=TAG)
    listener = Listener()
    broker.bind(listener, {})
    cid = "s" + TAG + "3"
    broker.submit(order(3, Side.BUY, 0.005, stop=61000.0))
    await broker.drain()
    stop = rec.last("POST", r"/api/v2/mix/order/place-plan-order")
    assert stop.body == {
        "symbol": "BTCUSDT",
        "orderType": "market",
        "force": "GTC",
        "marginCoin": "USDT",
        "size": "0.005",
        "productType": "USDT-FUTURES",
        "clientOid": cid,
        "triggerType": "fill_price",
        "planType": "normal_plan",
        "triggerPrice": "61000",
        "marginMode": "isolated",
        "reduceOnly": "YES",
        "side": "buy",
    }
    rec.clear()
    await broker.poll()  # order/detail does not know plan orders: the pending list does
    (look,) = rec.requests
    assert look.path == "/api/v2/mix/order/orders-plan-pending"
    assert look.query == {
        "symbol": "BTCUSDT",
        "clientOid": cid,
        "productType": "USDT-FUTURES",
        "planType": "normal_plan",
    }
    assert listener.last_status(3) is S.ACCEPTED
    broker.cancel(3)
    await broker.drain()
    cancel = rec.last("POST", r"/api/v2/mix/order/cancel-plan-order")
    assert cancel.body == {
        "symbol": "BTCUSDT",
        "orderIdList": [{"clientOid": cid}],
        "productType": "USDT-FUTURES",
        "planType": "normal_plan",
    }
    await broker.poll()  # gone from the pending list: found cancelled in the history
    assert rec.last("GET", r"/api/v2/mix/order/orders-plan-history").query["clientOid"] == cid
    assert listener.last_status(3) is S.CANCELED
    assert not rec.unknown and not listener.errors


async def test_positions_in_base_units_and_balance(bitget) -> None:
    exchange, rec = bitget
    assert await ccxt_account.held(exchange, Retrier(), [BTC]) == {BTC: pytest.approx(-0.005)}
    balance = await exchange.fetch_balance()
    assert balance["USDT"]["total"] == 1000.0
    assert [r.path for r in rec.requests] == [
        "/api/v2/mix/position/all-position",
        "/api/v2/mix/account/accounts",
    ]
    assert not rec.unknown
