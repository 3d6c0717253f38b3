"""The Bybit v5 emulator through the real ccxt.pro bybit client (ccxt 4.5.90).

What these pin down about ccxt against Bybit's protocol: how markets, orders, stops,
positions and the wallet read; which exception each Bybit code raises; what the
orderbook topic's `u` and the private topics carry."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import ccxt
import ccxt.pro
import pytest
from emulator.bybit import BybitEmulator, point_client

BTC = "BTC/USDT:USDT"
RECORDING = Path("/work/shared/data/binance-usdm-btcusdt-20240808.jsonl.gz")


@pytest.fixture
async def bybit() -> AsyncIterator[BybitEmulator]:
    emu = BybitEmulator()
    emu.seed_book(
        "BTCUSDT",
        [(round(60_000.0 - 0.1 * i, 1), 1.0 + i) for i in range(30)],
        [(round(60_000.1 + 0.1 * i, 1), 2.0 + i) for i in range(30)],
    )
    await emu.start()
    yield emu
    await emu.stop()


@asynccontextmanager
async def client(emulator: BybitEmulator) -> AsyncIterator[Any]:
    exchange = ccxt.pro.bybit(
        {"apiKey": "k", "secret": "s", "enableRateLimit": False, "options": {"defaultType": "swap"}}
    )
    point_client(exchange, emulator)
    try:
        await exchange.load_markets()
        yield exchange
    finally:
        await exchange.close()


async def until(condition: Callable[[], Any], timeout: float = 1.5) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (result := condition()):
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)
    return result


@asynccontextmanager
async def watching(method: Callable[[], Any]) -> AsyncIterator[list]:
    """Everything a watch_* call delivers, copied as it arrives."""
    seen: list = []

    async def watch() -> None:
        while True:
            for item in await method():
                seen.append(dict(item))

    task = asyncio.create_task(watch())
    try:
        yield seen
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_markets_time_and_candles(bybit) -> None:
    async with client(bybit) as exchange:
        market = exchange.market(BTC)
        assert (market["id"], market["linear"], market["contractSize"]) == ("BTCUSDT", True, 1.0)
        assert market["precision"] == {"amount": 0.001, "price": 0.1}
        assert market["limits"]["amount"]["min"] == 0.001
        assert exchange.market("ETH/USDT:USDT")["precision"]["amount"] == 0.01
        assert abs(await exchange.fetch_time() - exchange.milliseconds()) < 5_000
        candles = await exchange.fetch_ohlcv(BTC, "5m", limit=3)
        # Bybit sends the newest first; ccxt sorts; the newest is the forming candle
        assert [c[0] for c in candles] == sorted(c[0] for c in candles)
        assert candles[-1][0] == exchange.milliseconds() // 300_000 * 300_000
        assert candles[-1][5] == 5000.0
        assert bybit.contract_size(BTC) == 1.0


async def test_account_setup_margin_mode_and_leverage(bybit) -> None:
    async with client(bybit) as exchange:
        await exchange.set_margin_mode("isolated", BTC)  # account-wide on a UTA
        assert set(bybit.core.margin_mode.values()) == {"isolated"}
        with pytest.raises(ccxt.BadRequest, match="110043"):  # leverage not modified
            await exchange.set_leverage(3, BTC)
        await exchange.set_leverage(5, BTC)
        assert bybit.core.leverage["BTCUSDT"] == 5


async def test_market_short_position_and_wallet(bybit) -> None:
    async with client(bybit) as exchange:
        start = bybit.wallet()
        order = await exchange.create_order(
            BTC, "market", "sell", 0.01, None, {"clientOrderId": "s-1"}
        )
        # Bybit answers only the ids
        assert (order["clientOrderId"], order["status"], order["filled"]) == ("s-1", None, None)
        found = await exchange.fetch_order(order["id"], BTC, {"acknowledged": True})
        assert (found["status"], found["filled"], found["average"]) == ("closed", 0.01, 60_000.0)
        assert found["fee"] == {"cost": 0.24, "currency": "USDT"}  # taker 0.0004 of 600
        (position,) = await exchange.fetch_positions([BTC])
        assert (position["side"], position["contracts"], position["entryPrice"]) == (
            "short", 0.01, 60_000.0,
        )  # fmt: skip
        assert bybit.net_position(BTC) == -0.01
        await exchange.create_order(BTC, "market", "buy", 0.01, None, {"reduceOnly": True})
        assert bybit.net_position(BTC) == 0.0
        pnl = sum(f.realized_pnl for f in bybit.fills())
        fees = sum(f.fee for f in bybit.fills())
        assert pnl == pytest.approx((60_000.0 - 60_000.1) * 0.01)
        assert bybit.wallet() - start == pytest.approx(pnl - fees, abs=1e-9)
        balance = await exchange.fetch_balance()
        assert balance["USDT"]["total"] == pytest.approx(bybit.wallet())
        (flat,) = await exchange.fetch_positions([BTC])  # Bybit keeps the flat row
        assert (flat["contracts"], flat["side"]) == (0.0, None)


async def test_fetch_by_order_link_id(bybit) -> None:
    async with client(bybit) as exchange:
        order = await exchange.create_order(
            BTC, "limit", "buy", 0.01, 59_000.0, {"clientOrderId": "l-1"}
        )
        by_link = await exchange.fetch_order("", BTC, {"acknowledged": True, "orderLinkId": "l-1"})
        assert (by_link["id"], by_link["status"], by_link["price"]) == (
            order["id"],
            "open",
            59_000.0,
        )
        # ccxt sends a None id as the text "None", which Bybit takes before orderLinkId
        with pytest.raises(ccxt.OrderNotFound):
            await exchange.fetch_order(None, BTC, {"acknowledged": True, "orderLinkId": "l-1"})
        (listed,) = await exchange.fetch_open_orders(BTC, params={"orderLinkId": "l-1"})
        assert listed["id"] == order["id"]
        cancelled = await exchange.cancel_order(order["id"], BTC)
        assert cancelled["id"] == order["id"]
        with pytest.raises(ccxt.OrderNotFound):  # 110001
            await exchange.cancel_order(order["id"], BTC)
        gone = await exchange.fetch_order(order["id"], BTC, {"acknowledged": True})
        assert gone["status"] == "canceled"
        assert await exchange.fetch_open_orders(BTC) == []


async def test_partial_fill_rests_and_fills_later(bybit) -> None:
    async with client(bybit) as exchange:
        bybit.partial_next.append(0.4)
        order = await exchange.create_order(
            BTC, "limit", "sell", 0.01, 59_999.0, {"clientOrderId": "p-1"}
        )
        first = await exchange.fetch_order(order["id"], BTC, {"acknowledged": True})
        assert (first["status"], first["filled"], first["remaining"]) == ("open", 0.004, 0.006)
        await bybit.set_levels(BTC, [(59_999.5, 1.0)], [])  # a bid reaches the rest
        done = await exchange.fetch_order(order["id"], BTC, {"acknowledged": True})
        assert (done["status"], done["filled"]) == ("closed", 0.01)
        assert bybit.report()["partial_fills"] >= 1


async def test_rejections_arrive_as_their_classes(bybit) -> None:
    async with client(bybit) as exchange:
        with pytest.raises(ccxt.InvalidOrder, match="110017"):  # nothing to reduce
            await exchange.create_order(BTC, "market", "buy", 0.01, None, {"reduceOnly": True})
        await exchange.create_order(BTC, "market", "sell", 0.01)
        with pytest.raises(ccxt.InvalidOrder, match="110017"):  # it would grow the short
            await exchange.create_order(BTC, "market", "sell", 0.01, None, {"reduceOnly": True})
        bybit.reject_next.append((110007, "ab not enough for new order"))
        with pytest.raises(ccxt.InsufficientFunds):
            await exchange.create_order(BTC, "market", "sell", 0.01)
        bybit.reject_next.append("insufficient_margin")  # a core reason, Bybit's code
        with pytest.raises(ccxt.InsufficientFunds, match="110007"):
            await exchange.create_order(BTC, "market", "sell", 0.01)
        with pytest.raises(ccxt.InvalidOrder, match="110072"):  # orderLinkId used
            await exchange.create_order(BTC, "limit", "buy", 0.01, 59_000, {"clientOrderId": "x"})
            await exchange.create_order(BTC, "limit", "buy", 0.01, 59_000, {"clientOrderId": "x"})
        bybit.rate_limit("order_create", 1)
        with pytest.raises(ccxt.RateLimitExceeded):  # 10006
            await exchange.create_order(BTC, "market", "sell", 0.01)
        bybit.throttle_as_403 = True
        bybit.rate_limit("position_risk", 1)
        with pytest.raises(ccxt.RateLimitExceeded):  # HTTP 403
            await exchange.fetch_positions([BTC])
        bybit.lose_answer_next = 1
        with pytest.raises(ccxt.RequestTimeout):  # matched, the answer lost
            await exchange.create_order(
                BTC, "market", "sell", 0.01, None, {"clientOrderId": "lost"}
            )
        landed = await exchange.fetch_order("", BTC, {"acknowledged": True, "orderLinkId": "lost"})
        assert landed["status"] == "closed"
        assert bybit.report()["rejected"] == 5


async def test_stop_created_listed_triggered_and_filled(bybit) -> None:
    async with client(bybit) as exchange:
        await exchange.create_order(BTC, "market", "sell", 0.01)
        params = {"stopLossPrice": 60_300.0, "reduceOnly": True, "clientOrderId": "stop-1"}
        stop = await exchange.create_order(BTC, "market", "buy", 0.01, None, params)
        (venue,) = bybit.open_algo_orders(BTC)
        assert (str(venue.id), venue.trigger, venue.side) == (stop["id"], 60_300.0, "buy")
        (listed,) = await exchange.fetch_open_orders(BTC, params={"trigger": True})
        assert (listed["id"], listed["status"], listed["stopLossPrice"]) == (
            stop["id"], "open", 60_300.0,
        )  # fmt: skip
        assert listed["reduceOnly"] is True
        # Bybit lists every kind without orderFilter: the stop is among the open orders
        assert [o["id"] for o in await exchange.fetch_open_orders(BTC)] == [stop["id"]]
        await bybit.trade(BTC, 60_250.0, 0.1, False)
        assert bybit.open_algo_orders(BTC)
        await bybit.trade(BTC, 60_300.0, 0.1, False)  # the last price reaches the trigger
        assert bybit.open_algo_orders(BTC) == [] and bybit.net_position(BTC) == 0.0
        fired = await exchange.fetch_order(stop["id"], BTC, {"acknowledged": True})
        assert (fired["status"], fired["filled"], fired["clientOrderId"]) == (
            "closed",
            0.01,
            "stop-1",
        )
        due = {**params, "stopLossPrice": 59_000.0, "clientOrderId": "s2"}  # last: 60000.1
        with pytest.raises(ccxt.InvalidOrder, match="110092"):  # it would fire at once
            await exchange.create_order(BTC, "market", "buy", 0.01, None, due)


async def test_stop_cancelled_and_cancel_all(bybit) -> None:
    async with client(bybit) as exchange:
        await exchange.create_order(BTC, "market", "sell", 0.02)
        params = {"stopLossPrice": 60_500.0, "reduceOnly": True}
        stop = await exchange.create_order(BTC, "market", "buy", 0.01, None, params)
        await exchange.cancel_order(stop["id"], BTC, {"trigger": True})
        after = await exchange.fetch_order(stop["id"], BTC, {"acknowledged": True, "trigger": True})
        assert after["status"] == "canceled"  # Deactivated
        await exchange.create_order(BTC, "market", "buy", 0.01, None, params)
        await exchange.create_order(BTC, "limit", "buy", 0.01, 59_000.0)
        await exchange.cancel_all_orders(BTC)  # every kind, stops included
        assert bybit.open_orders(BTC) == [] and bybit.open_algo_orders(BTC) == []


async def test_orderbook_snapshot_deltas_and_gap(bybit) -> None:
    async with client(bybit) as exchange:
        frames: list[dict] = []
        original = exchange.handle_order_book

        def record(client_: Any, message: dict) -> None:
            frames.append(json.loads(json.dumps(message)))
            original(client_, message)

        exchange.handle_order_book = record
        book = await asyncio.wait_for(exchange.watch_order_book(BTC), 1.0)
        assert book["bids"][0] == [60_000.0, 1.0] and len(book["asks"]) == 30
        await bybit.set_levels(BTC, [(60_000.0, 0.5)], [])
        await bybit.set_levels(BTC, [], [(60_000.1, 0.0)])
        bybit.gap_next(BTC)
        await bybit.set_levels(BTC, [(59_999.9, 7.0)], [])
        await until(lambda: len(frames) >= 4)
        kinds = [f["type"] for f in frames]
        ids = [f["data"]["u"] for f in frames]
        assert kinds == ["snapshot", "delta", "delta", "delta"]
        assert ids[1:3] == [ids[0] + 1, ids[0] + 2] and ids[3] == ids[2] + 2  # one skipped
        assert [f["data"]["seq"] for f in frames] == sorted(f["data"]["seq"] for f in frames)
        book = exchange.orderbooks[BTC]  # ccxt applied every delta, the gap unnoticed
        assert book["asks"][0][0] == 60_000.2 and book["bids"][0] == [60_000.0, 0.5]


async def test_second_subscribe_to_a_live_topic_is_refused(bybit) -> None:
    async with client(bybit) as exchange:
        await asyncio.wait_for(exchange.watch_order_book(BTC), 1.0)
        url = exchange.urls["api"]["ws"]["public"]["linear"]
        ws_client = exchange.client(url)
        message = {"op": "subscribe", "req_id": "again", "args": ["orderbook.50.BTCUSDT"]}
        with pytest.raises(ccxt.ExchangeError, match="already subscribed"):
            await asyncio.wait_for(exchange.watch(url, "again", message, "again"), 1.0)
        assert ws_client is exchange.client(url)
        assert bybit.subscribes_refused == 1


async def test_private_pushes_after_auth(bybit) -> None:
    await bybit.set_levels(BTC, [(60_000.0, 0.02)], [])  # 0.05 takes two levels
    async with client(bybit) as exchange:
        async with (
            watching(lambda: exchange.watch_orders(BTC)) as orders,
            watching(lambda: exchange.watch_my_trades(BTC)) as trades,
        ):
            await until(lambda: bybit.subscribed("order") and bybit.subscribed("execution"))
            order = await exchange.create_order(
                BTC, "market", "sell", 0.05, None, {"clientOrderId": "w-1"}
            )
            await until(lambda: any(o["status"] == "closed" for o in orders))
            await until(lambda: len(trades) >= 2)
        (closed,) = [o for o in orders if o["id"] == order["id"]]
        assert (closed["clientOrderId"], closed["filled"], closed["side"]) == ("w-1", 0.05, "sell")
        assert [(t["price"], t["amount"]) for t in trades] == [(60_000.0, 0.02), (59_999.9, 0.03)]
        fee = sum(t["fee"]["cost"] for t in trades)
        assert fee == pytest.approx(sum(f.fee for f in bybit.fills()))
        assert all(t["order"] == order["id"] for t in trades)


async def test_state_over_http(bybit) -> None:
    async with client(bybit) as exchange:
        await exchange.create_order(BTC, "market", "sell", 0.01)
        session = exchange.session
        async with session.get(f"{bybit.rest_url}/__state") as response:
            state = await response.json()
        assert state["positions"]["BTCUSDT"]["contracts"] == -0.01
        assert state["positions"]["BTCUSDT"]["base"] == -0.01
        assert state["wallet"] == pytest.approx(bybit.wallet())
        assert len(state["fills"]) == 1


async def test_dropped_sockets_fail_the_pending_watch(bybit) -> None:
    async with client(bybit) as exchange:
        await asyncio.wait_for(exchange.watch_order_book(BTC), 1.0)
        pending = asyncio.create_task(exchange.watch_order_book(BTC))
        await asyncio.sleep(0.01)
        await bybit.drop_connections()
        with pytest.raises(ccxt.NetworkError):
            await asyncio.wait_for(pending, 1.0)
        book = await asyncio.wait_for(exchange.watch_order_book(BTC), 1.0)  # resubscribes
        assert book["bids"][0][0] == 60_000.0


@pytest.mark.skipif(not RECORDING.exists(), reason="no recording")
async def test_recording_plays_as_the_bybit_market(bybit) -> None:
    bybit.seed_recording(RECORDING, "BTCUSDT")
    bids, asks = bybit.book(BTC, 1)
    assert bids and asks and bids[0][0] < asks[0][0]
    assert await bybit.play_recording(RECORDING, "BTCUSDT", limit=50) == 50
