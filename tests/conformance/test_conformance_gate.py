"""Gate USDT perpetuals: what our account set-up, broker and position check make the
real ccxt gate client send, and what they make of Gate's answers (shapes as in
ccxt's gate.py comments and ts/src/test/static fixtures)."""

import pytest
from venue_recorder import BTC, TAG, Listener, client, order

from scalp_tui.engine.protocol import OrderStatus, Side
from scalp_tui.execution import ccxt_account
from scalp_tui.execution.ccxt_broker import CcxtBroker
from scalp_tui.execution.retry import Retrier

S = OrderStatus
CONTRACT = {
    "name": "BTC_USDT",
    "type": "direct",
    "quanto_multiplier": "0.0001",
    "order_price_round": "0.1",
    "mark_price_round": "0.01",
    "order_size_min": 1,
    "order_size_max": 1000000,
    "leverage_min": "1",
    "leverage_max": "125",
    "maker_fee_rate": "-0.0001",
    "taker_fee_rate": "0.00075",
    "order_price_deviate": "0.5",
    "mark_price": "60000",
    "in_delisting": False,
}


def futures_order(request, **fields):
    params = request.body or {}
    size = params.get("size", -5)
    return {
        "id": 95938572327,
        "contract": "BTC_USDT",
        "tif": "ioc",
        "is_reduce_only": bool(params.get("reduce_only")),
        "create_time": 1700000000.1,
        "update_time": 1700000000.2,
        "price": "0",
        "size": size,
        "left": 0,
        "text": params.get("text", "t-s" + TAG + "1"),
        "fill_price": "60000",
        "status": "finished",
        "finish_as": "filled",
        "tkfr": "0.00075",
        "mkfr": "-0.0001",
        **fields,
    }


PRICE_ORDER = {
    "id": 7615567,
    "status": "open",
    "initial": {
        "contract": "BTC_USDT",
        "size": 5,
        "price": "0",
        "tif": "ioc",
        "is_reduce_only": True,
        "text": "t-s" + TAG + "3",
    },
    "trigger": {"strategy_type": 0, "price_type": 0, "price": "61000", "rule": 1},
    "create_time": 1700000000.3,
}

ROUTES = [
    ("GET", r"/api/v4/spot/currencies", lambda r: []),
    ("GET", r"/api/v4/account/detail", lambda r: {"user_id": 1, "key": {"mode": 1}}),
    ("GET", r"/api/v4/futures/usdt/contracts", lambda r: [CONTRACT]),
    ("GET", r"/api/v4/futures/btc/contracts", lambda r: []),
    (
        "POST",
        r"/api/v4/futures/usdt/positions/BTC_USDT/leverage",
        lambda r: {"contract": "BTC_USDT", "leverage": r.query["leverage"], "mode": "single"},
    ),
    ("POST", r"/api/v4/futures/usdt/orders", futures_order),
    (
        "GET",
        r"/api/v4/futures/usdt/orders/t-.+",
        lambda r: futures_order(r, text=r.path.rsplit("/", 1)[1]),
    ),
    (
        "DELETE",
        r"/api/v4/futures/usdt/orders/t-.+",
        lambda r: futures_order(r, text=r.path.rsplit("/", 1)[1], left=0, finish_as="filled"),
    ),
    ("POST", r"/api/v4/futures/usdt/price_orders", lambda r: {"id": 7615567}),
    ("GET", r"/api/v4/futures/usdt/price_orders/.+", lambda r: PRICE_ORDER),
    (
        "DELETE",
        r"/api/v4/futures/usdt/price_orders/.+",
        lambda r: {**PRICE_ORDER, "status": "finished", "finish_as": "cancelled"},
    ),
    (
        "GET",
        r"/api/v4/futures/usdt/positions",
        lambda r: [
            {
                "contract": "BTC_USDT",
                "size": -5,
                "leverage": "3",
                "entry_price": "60000",
                "mark_price": "60100",
                "mode": "single",
                "margin": "10",
                "value": "30.05",
                "unrealised_pnl": "-0.05",
                "liq_price": "79000",
            }
        ],
    ),
    (
        "GET",
        r"/api/v4/futures/usdt/accounts",
        lambda r: {
            "currency": "USDT",
            "total": "1000",
            "available": "990",
            "order_margin": "0",
            "position_margin": "10",
            "unrealised_pnl": "-0.05",
        },
    ),
]


@pytest.fixture
async def gate():
    exchange, recorder = client("gate", ROUTES)
    await exchange.load_markets()
    recorder.clear()
    yield exchange, recorder
    await exchange.close()


async def test_isolated_margin_is_the_leverage_call_alone(gate) -> None:
    exchange, rec = gate
    assert exchange.markets[BTC]["contractSize"] == 0.0001
    assert await ccxt_account.prepare(exchange, Retrier(), [BTC], 3) == []
    (call,) = rec.requests  # no set_margin_mode (ccxt has none for gate)
    assert (call.method, call.path) == ("POST", "/api/v4/futures/usdt/positions/BTC_USDT/leverage")
    assert call.query == {"leverage": "3"}  # above 0: isolated; no cross_leverage_limit
    assert not rec.unknown


async def test_orders_by_our_text_in_contracts_and_fills_in_base_units(gate) -> None:
    exchange, rec = gate
    broker = CcxtBroker(exchange, taker_fee=0.00075, maker_fee=0.0, client_tag=TAG)
    listener = Listener()
    broker.bind(listener, {})

    broker.submit(order(1, Side.SELL, 0.0005))  # 5 contracts of 0.0001 BTC
    await broker.drain()
    entry = rec.last("POST", r"/api/v4/futures/usdt/orders")
    assert entry.body == {
        "contract": "BTC_USDT",
        "size": -5,
        "price": "0",
        "tif": "ioc",
        "text": "t-s" + TAG + "1",
    }
    assert listener.fills == [(1, 60000.0, pytest.approx(0.0005), pytest.approx(0.0225))]
    assert listener.last_status(1) is S.FILLED

    broker.submit(order(2, Side.BUY, 0.0005, reduce_only=True))
    await broker.drain()
    exit_ = rec.last("POST", r"/api/v4/futures/usdt/orders")
    assert exit_.body["size"] == 5 and exit_.body["reduce_only"] is True
    assert exit_.body["text"] == "t-s" + TAG + "2"

    broker.submit(order(3, Side.BUY, 0.0005, stop=61000.0))
    await broker.drain()
    stop = rec.last("POST", r"/api/v4/futures/usdt/price_orders")
    assert stop.body == {
        "initial": {
            "contract": "BTC_USDT",
            "size": 5,
            "price": "0",
            "reduce_only": True,
            "tif": "ioc",
            "text": "t-s" + TAG + "3",
        },
        "trigger": {"price_type": 0, "price": "61000", "rule": 1},  # last price >= 61000
    }
    assert listener.last_status(3) is S.ACCEPTED

    await broker.poll()  # the stop is looked up by our text among the price orders
    look = rec.last("GET", r"/api/v4/futures/usdt/price_orders/.+")
    assert look.path.endswith("/price_orders/t-s" + TAG + "3")
    broker.cancel(3)
    await broker.drain()
    cancel = rec.last("DELETE", r"/api/v4/futures/usdt/price_orders/.+")
    assert cancel.path.endswith("/price_orders/t-s" + TAG + "3")
    assert listener.last_status(3) is S.CANCELED
    assert not rec.unknown and not listener.errors


async def test_a_plain_order_is_looked_up_and_cancelled_by_our_text(gate) -> None:
    exchange, rec = gate
    broker = CcxtBroker(exchange, taker_fee=0.00075, maker_fee=0.0, client_tag=TAG)
    listener = Listener()
    broker.bind(listener, {})
    broker.resume(BTC, 0.0, [order(7, Side.SELL, 0.0005)])
    await broker.poll()
    look = rec.last("GET", r"/api/v4/futures/usdt/orders/.+")
    assert look.path == "/api/v4/futures/usdt/orders/t-s" + TAG + "7"
    assert listener.fills[0][2] == pytest.approx(0.0005)
    assert not rec.unknown


async def test_positions_and_balance(gate) -> None:
    exchange, rec = gate
    assert await ccxt_account.held(exchange, Retrier(), [BTC]) == {BTC: pytest.approx(-0.0005)}
    balance = await exchange.fetch_balance()
    assert balance["USDT"]["total"] == 1000.0
    assert [r.path for r in rec.requests] == [
        "/api/v4/futures/usdt/positions",
        "/api/v4/futures/usdt/accounts",
    ]
    assert not rec.unknown
