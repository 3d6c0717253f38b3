"""HTX USDT-margined swaps: what our account set-up, broker and position check make
the real ccxt htx client send (linear v5 endpoints), and what they make of HTX's
answers (shapes as in ccxt's htx.py comments)."""

import pytest
from venue_recorder import BTC, TAG, Listener, client, order

from scalp_tui.engine.protocol import OrderStatus, Side
from scalp_tui.execution import ccxt_account
from scalp_tui.execution.ccxt_broker import CcxtBroker
from scalp_tui.execution.retry import Retrier
from scalp_tui.execution.venues import traits_for

S = OrderStatus
CID = traits_for("htx").client_id(TAG, 1)
CONTRACT = {
    "symbol": "BTC",
    "contract_code": "BTC-USDT",
    "contract_size": 0.001,
    "price_tick": 0.1,
    "delivery_date": "",
    "delivery_time": "",
    "create_date": "20201021",
    "contract_status": 1,
    "settlement_date": "1700006400000",
    "support_margin_mode": "all",
    "business_type": "swap",
    "pair": "BTC-USDT",
    "contract_type": "swap",
    "trade_partition": "USDT",
}
OK = {"status": "ok", "data": [], "ts": 1700000000000}


def v5(data):
    return {"code": 200, "message": "Success", "data": data, "ts": 1700000000000}


def trade_order(request, **fields):
    params = request.params
    return v5(
        {
            "id": "1513828877079584768",
            "order_id": "1513828877079584768",
            "client_order_id": params.get("client_order_id", CID),
            "contract_code": "BTC-USDT",
            "side": "sell",
            "type": "market",
            "volume": "5",
            "state": "filled",
            "margin_mode": "isolated",
            "lever_rate": 3,
            "reduce_only": False,
            "trade_avg_price": "60000",
            "trade_volume": "5",
            "trade_turnover": "300",
            "fee_currency": "USDT",
            "fee": "-0.15",
            "created_time": "1700000000000",
            "updated_time": "1700000000100",
            **fields,
        }
    )


ALGO = {
    "id": "162320614",
    "algo_id": "1513832307038027776",
    "algo_client_order_id": None,
    "contract_code": "BTC-USDT",
    "volume": "5",
    "type": "sl",
    "state": "active",
    "side": "buy",
    "position_side": "both",
    "margin_mode": "isolated",
    "sl_trigger_price": "61000",
    "sl_order_price": "0",
    "sl_type": "market",
    "created_time": "1700000000000",
}

ROUTES = [
    ("GET", r"/v2/reference/currencies", lambda r: {"code": 200, "data": []}),
    ("GET", r"/v1/common/symbols", lambda r: OK),
    ("GET", r"/linear-swap-api/v1/swap_contract_info", lambda r: {**OK, "data": [CONTRACT]}),
    ("GET", r"/swap-api/v1/swap_contract_info", lambda r: OK),
    ("GET", r"/api/v1/contract_contract_info", lambda r: OK),
    (
        "POST",
        r"/v5/position/lever",
        lambda r: v5({"contract_code": "BTC-USDT", "lever_rate": 3, "margin_mode": "isolated"}),
    ),
    (
        "POST",
        r"/v5/trade/order",
        lambda r: v5({"order_id": "1513828877079584768", "client_order_id": int(CID)}),
    ),
    ("GET", r"/v5/trade/order", trade_order),
    ("POST", r"/v5/trade/cancel_order", lambda r: trade_order(r, state="canceled")),
    (
        "POST",
        r"/v5/algo/order",
        lambda r: v5([{"algo_id": "1513832307038027776", "algo_client_order_id": "x"}]),
    ),
    ("GET", r"/v5/algo/order", lambda r: v5([ALGO])),
    ("POST", r"/v5/algo/cancel_orders", lambda r: v5([{**ALGO, "state": "canceled"}])),
    (
        "GET",
        r"/v5/trade/position/opens",
        lambda r: v5(
            [
                {
                    "contract_code": "BTC-USDT",
                    "position_side": "both",
                    "direction": "sell",
                    "margin_mode": "isolated",
                    "open_avg_price": "60000",
                    "volume": "5",
                    "available": "5",
                    "lever_rate": 3,
                    "margin": "100",
                    "profit_unreal": "-0.5",
                    "mark_price": "60100",
                    "last_price": "60100",
                    "margin_currency": "USDT",
                    "contract_type": "swap",
                    "created_time": "1700000000000",
                    "updated_time": "1700000000000",
                }
            ]
        ),
    ),
    (
        "GET",
        r"/v5/account/balance",
        lambda r: v5(
            {
                "equity": "1000",
                "available_margin": "900",
                "details": [{"currency": "USDT", "equity": "1000", "available_margin": "900"}],
            }
        ),
    ),
]


@pytest.fixture
async def htx():
    exchange, recorder = client("htx", ROUTES)
    await exchange.load_markets()
    recorder.clear()
    yield exchange, recorder
    await exchange.close()


def test_client_ids_are_integers_unique_per_tag_and_order_and_map_back() -> None:
    traits = traits_for("htx")
    ids = {traits.client_id(tag, n) for tag in ("abcd1234", "abcd1235", "") for n in (1, 2)}
    # below 2^53: ccxt sends the id through a float (safe_integer_n)
    assert len(ids) == 6 and all(0 < int(i) < 2**53 for i in ids)
    assert all(int(float(i)) == int(i) for i in ids)
    with pytest.raises(ValueError):
        traits.client_id(TAG, 10**7)  # beyond the ids a tag has room for
    assert traits.client_id_of({"clientOrderId": CID}) == CID


async def test_leverage_names_isolated_and_no_margin_mode_call(htx) -> None:
    exchange, rec = htx
    assert exchange.markets[BTC]["contractSize"] == 0.001
    assert await ccxt_account.prepare(exchange, Retrier(), [BTC], 3) == []
    (call,) = rec.requests
    assert (call.method, call.path) == ("POST", "/v5/position/lever")
    assert call.params["margin_mode"] == "isolated" and call.params["lever_rate"] == 3
    assert call.params["contract_code"] == "BTC-USDT"
    assert not rec.unknown


async def test_orders_in_contracts_with_our_integer_id(htx) -> None:
    exchange, rec = htx
    broker = CcxtBroker(exchange, taker_fee=0.0005, maker_fee=0.0002, client_tag=TAG)
    listener = Listener()
    broker.bind(listener, {})

    broker.submit(order(1, Side.SELL, 0.005))  # 5 contracts of 0.001 BTC
    await broker.drain()
    entry = rec.last("POST", r"/v5/trade/order")
    assert entry.body == {
        "contract_code": "BTC-USDT",
        "volume": "5",
        "margin_mode": "isolated",
        "side": "sell",
        "time_in_force": "gtc",
        "client_order_id": int(CID),
        "type": "market",
        "channel_code": entry.body["channel_code"],  # ccxt's broker id
    }
    assert listener.last_status(1) is S.ACCEPTED  # the answer carries ids only

    await broker.poll()  # the fills come from the look-up by our id, in isolated
    look = rec.last("GET", r"/v5/trade/order")
    assert look.query["client_order_id"] == CID and look.query["margin_mode"] == "isolated"
    assert look.query["contract_code"] == "BTC-USDT"
    # 5 contracts = 0.005 BTC; the fee estimated (v5's fee sign not established)
    assert listener.fills == [(1, 60000.0, pytest.approx(0.005), pytest.approx(0.15))]
    assert listener.last_status(1) is S.FILLED

    broker.submit(order(2, Side.BUY, 0.005, reduce_only=True))
    await broker.drain()
    exit_ = rec.last("POST", r"/v5/trade/order")
    assert exit_.body["reduce_only"] == 1 and exit_.body["side"] == "buy"
    assert exit_.body["client_order_id"] == int(traits_for("htx").client_id(TAG, 2))
    broker.cancel(2)
    await broker.drain()
    cancel = rec.last("POST", r"/v5/trade/cancel_order")
    assert cancel.body["client_order_id"] == traits_for("htx").client_id(TAG, 2)
    assert cancel.body["contract_code"] == "BTC-USDT"
    assert not rec.unknown


async def test_the_stop_is_a_stop_loss_algo_order_found_by_our_id(htx) -> None:
    exchange, rec = htx
    broker = CcxtBroker(exchange, taker_fee=0.0005, maker_fee=0.0002, client_tag=TAG)
    listener = Listener()
    broker.bind(listener, {})
    cid = traits_for("htx").client_id(TAG, 3)
    broker.submit(order(3, Side.BUY, 0.005, stop=61000.0))
    await broker.drain()
    stop = rec.last("POST", r"/v5/algo/order")
    assert stop.body == {
        "contract_code": "BTC-USDT",
        "volume": "5",
        "margin_mode": "isolated",
        "side": "buy",
        "time_in_force": "gtc",
        "algo_client_order_id": int(cid),
        "type": "sl",
        "sl_trigger_price": "61000",
        "channel_code": stop.body["channel_code"],
    }
    await broker.poll()
    look = rec.last("GET", r"/v5/algo/order")
    assert (look.query["algo_client_order_id"], look.query["type"]) == (cid, "sl")
    assert listener.last_status(3) is S.ACCEPTED
    broker.cancel(3)
    await broker.drain()
    cancel = rec.last("POST", r"/v5/algo/cancel_orders")
    assert cancel.body == [{"contract_code": "BTC-USDT", "algo_client_order_id": cid}]
    assert listener.last_status(3) is S.CANCELED
    assert not rec.unknown and not listener.errors


async def test_positions_in_base_units_and_balance(htx) -> None:
    exchange, rec = htx
    assert await ccxt_account.held(exchange, Retrier(), [BTC]) == {BTC: pytest.approx(-0.005)}
    balance = await exchange.fetch_balance()
    assert balance["USDT"]["total"] == 1000.0
    assert [r.path for r in rec.requests] == ["/v5/trade/position/opens", "/v5/account/balance"]
    assert not rec.unknown
