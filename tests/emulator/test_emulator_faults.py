"""The emulator's conditional orders and fault switches, through the real ccxt.pro client.

What these pin down about ccxt 4.5.90 against Binance USD-M's protocol: how a stop is
created, found, listed, cancelled and seen to fill; which exception each fault raises."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import ccxt
import pytest
from emulator.binance_usdm import BinanceUsdmEmulator

from scalp_tui.venue import make_exchange

BTC = "BTC/USDT:USDT"


@asynccontextmanager
async def client(emulator: BinanceUsdmEmulator, load: bool = True) -> AsyncIterator[Any]:
    """The real ccxt.pro client, built as the console builds it."""
    exchange = make_exchange(
        "binanceusdm",
        api_key="test-key",
        secret="test-secret",
        rest_url=emulator.rest_url,
        ws_url=emulator.ws_url,
    )
    try:
        if load:
            await exchange.load_markets()
        yield exchange
    finally:
        await exchange.close()


async def until(condition: Callable[[], Any], timeout: float = 5.0) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (result := condition()):
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)
    return result


@asynccontextmanager
async def order_stream(exchange: Any, emulator: BinanceUsdmEmulator) -> AsyncIterator[list]:
    """Every order update watch_orders delivers, copied as it arrives (ccxt updates its
    cached order objects in place)."""
    seen: list[dict] = []

    async def watch() -> None:
        while True:
            for order in await exchange.watch_orders(BTC):
                seen.append(dict(order))

    task = asyncio.create_task(watch())
    try:
        await until(lambda: emulator._user_sockets)  # the private stream is up
        yield seen
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def short(exchange: Any, amount: float = 0.01) -> dict:
    """Open a short with a market sell (it fills against the emulator's bids)."""
    order = await exchange.create_order(BTC, "market", "sell", amount)
    assert order["status"] == "closed"
    return order


async def place_stop(exchange: Any, price: float, cid: str, amount: float = 0.01) -> dict:
    """The exchange-side stop of a short, exactly as the console would send it."""
    return await exchange.create_order(
        BTC, "market", "buy", amount, None,
        {"stopLossPrice": price, "reduceOnly": True, "clientOrderId": cid},
    )  # fmt: skip


async def test_a_stop_is_created_found_listed_and_cancelled(emulator) -> None:
    async with client(emulator) as exchange:
        await short(exchange)
        stop = await place_stop(exchange, 60_300.0, "stop-a")
        assert (stop["status"], stop["clientOrderId"], stop["triggerPrice"]) == (
            "open",
            "stop-a",
            60_300.0,
        )
        (venue,) = emulator.open_algo_orders(BTC)
        assert (venue["type"], venue["side"], venue["reduce_only"], venue["trigger"]) == (
            "STOP_MARKET",
            "BUY",
            True,
            60_300.0,
        )
        assert stop["id"] == str(venue["id"])
        by_id = await exchange.fetch_order(stop["id"], BTC, {"trigger": True})
        by_client_id = await exchange.fetch_order(
            None, BTC, {"trigger": True, "clientOrderId": "stop-a"}
        )
        assert by_id["id"] == by_client_id["id"] == stop["id"]
        assert by_client_id["status"] == "open"
        (listed,) = await exchange.fetch_open_orders(BTC, params={"trigger": True})
        assert (listed["id"], listed["clientOrderId"]) == (stop["id"], "stop-a")
        assert await exchange.fetch_open_orders(BTC) == []  # not a regular order

        cancelled = await exchange.cancel_order(stop["id"], BTC, {"trigger": True})
        # Binance answers {algoId, clientAlgoId, code, msg}: ccxt reports no status
        assert (cancelled["id"], cancelled["clientOrderId"], cancelled["status"]) == (
            stop["id"],
            "stop-a",
            None,
        )
        after = await exchange.fetch_order(stop["id"], BTC, {"trigger": True})
        assert (after["status"], after["filled"]) == ("canceled", 0.0)
        assert await exchange.fetch_open_orders(BTC, params={"trigger": True}) == []
        assert emulator.open_algo_orders() == []
        with pytest.raises(ccxt.OrderNotFound):  # -2011: nothing left to cancel
            await exchange.cancel_order(stop["id"], BTC, {"trigger": True})
        assert emulator.net_position(BTC) == pytest.approx(-0.01)


async def test_a_triggered_stop_fills_and_says_so_on_rest_and_the_stream(emulator) -> None:
    async with client(emulator) as exchange, order_stream(exchange, emulator) as seen:
        await short(exchange)  # last trade 60000.0 (the best bid)
        stop = await place_stop(exchange, 60_300.0, "stop-b")
        # the market rallies through the stop: asks move up and a trade prints there
        await emulator.set_levels(
            "BTCUSDT",
            [],
            [(round(60_000.1 + 0.1 * i, 1), 0.0) for i in range(30)] + [(60_300.5, 3.0)],
        )
        await emulator.trade("BTCUSDT", 60_300.0, 0.5, buyer_is_maker=False)
        assert emulator.stats.stops_triggered == 1
        assert emulator.net_position(BTC) == 0.0
        assert await exchange.fetch_positions([BTC]) == []

        # REST, with the trigger params: closed, but the algo record carries no fill
        algo = await exchange.fetch_order(stop["id"], BTC, {"trigger": True})
        assert (algo["status"], algo["filled"], algo["average"]) == ("closed", 0.0, None)
        assert algo["info"]["algoStatus"] == "FINISHED"
        # the fill is on the order the stop placed, named by actualOrderId
        fill = await exchange.fetch_order(algo["info"]["actualOrderId"], BTC)
        assert (fill["status"], fill["filled"], fill["average"]) == ("closed", 0.01, 60_300.5)
        assert fill["clientOrderId"] == "stop-b"  # it carries the stop's client id
        assert fill["reduceOnly"] is True

        # the stream: the stop (TRIGGERED, FINISHED) and the order it placed (FILLED)
        await until(lambda: [o for o in seen if o["info"].get("X") == "FINISHED"])
        states = [(o["id"], o["info"].get("X"), o["clientOrderId"]) for o in seen]
        assert states[-3:] == [
            (stop["id"], "TRIGGERED", "stop-b"),
            (fill["id"], "FILLED", "stop-b"),
            (stop["id"], "FINISHED", "stop-b"),
        ]
        triggered, filled, finished = seen[-3:]
        # ccxt infers filled = amount from "closed" for the stop itself, fill or not
        assert (triggered["status"], triggered["filled"], triggered["average"]) == (
            "closed",
            0.01,
            None,
        )
        assert (filled["status"], filled["filled"], filled["average"]) == ("closed", 0.01, 60_300.5)
        assert (finished["status"], finished["average"]) == ("closed", 60_300.5)
        assert finished["info"]["ai"] == fill["id"]
        assert emulator.open_algo_orders() == [] and emulator.open_orders() == []


async def test_a_stop_with_nothing_left_to_reduce_expires(emulator) -> None:
    emulator.stop_trigger = "book"  # the touch, not the last trade: moving the book is enough
    async with client(emulator) as exchange:
        await short(exchange)
        stop = await place_stop(exchange, 60_300.0, "stop-c")
        await exchange.create_order(BTC, "market", "buy", 0.01, None, {"reduceOnly": True})
        assert emulator.net_position(BTC) == 0.0  # closed by hand; the stop still rests
        await emulator.set_levels(
            "BTCUSDT", [], [(round(60_000.1 + 0.1 * i, 1), 0.0) for i in range(30)]
        )
        await emulator.set_levels("BTCUSDT", [], [(60_300.0, 1.0)])
        algo = await exchange.fetch_order(stop["id"], BTC, {"trigger": True})
        assert (algo["status"], algo["info"]["actualOrderId"]) == ("expired", "")
        assert emulator.net_position(BTC) == 0.0  # it never opened a long


async def test_without_algo_endpoints_a_stop_raises_exchange_not_available(emulator) -> None:
    emulator.algo_supported = False
    async with client(emulator) as exchange:
        await short(exchange)
        # HTTP 404 becomes ExchangeNotAvailable, a NetworkError: it looks retryable
        with pytest.raises(ccxt.ExchangeNotAvailable):
            await place_stop(exchange, 60_300.0, "stop-d")
        with pytest.raises(ccxt.ExchangeNotAvailable):
            await exchange.fetch_open_orders(BTC, params={"trigger": True})
        assert emulator.algo_orders == {}
        assert emulator.stats.requests["algo"] == 2


async def test_an_order_held_before_it_lands_is_not_found_then_found(emulator) -> None:
    emulator.land_delay_s = 0.4
    async with client(emulator) as exchange:
        entry = asyncio.create_task(
            exchange.create_order(BTC, "market", "sell", 0.01, None, {"clientOrderId": "late-1"})
        )
        await until(lambda: emulator.stats.land_delayed == 1)  # it reached the venue
        with pytest.raises(ccxt.OrderNotFound):
            await exchange.fetch_order(None, BTC, {"clientOrderId": "late-1"})
        assert (await entry)["status"] == "closed"
        found = await exchange.fetch_order(None, BTC, {"clientOrderId": "late-1"})
        assert (found["status"], found["filled"]) == ("closed", 0.01)


async def test_429_per_request_kind_raises_ddos_protection(emulator) -> None:
    async with client(emulator) as exchange:
        order = await short(exchange)
        emulator.rate_limit("order_query", 2)
        for _ in range(2):
            with pytest.raises(ccxt.DDoSProtection) as caught:
                await exchange.fetch_order(order["id"], BTC)
            # Binance's handler raises DDoSProtection for HTTP 429 before reading -1003;
            # RateLimitExceeded is a sibling class here, not a parent
            assert not isinstance(caught.value, ccxt.RateLimitExceeded)
            assert (await exchange.fetch_positions([BTC]))[0]["contracts"] == 0.01
        assert (await exchange.fetch_order(order["id"], BTC))["status"] == "closed"
        emulator.rate_limit("any", 1)
        with pytest.raises(ccxt.DDoSProtection):
            await exchange.fetch_positions([BTC])
        assert emulator.stats.throttled == 3
        assert emulator.stats.requests["order_query"] == 3
        with pytest.raises(ValueError):
            emulator.rate_limit("orders", 1)


async def test_a_429_storm_from_the_very_first_request(emulator) -> None:
    emulator.storm_429(requests=3)
    async with client(emulator, load=False) as exchange:
        for _ in range(3):
            with pytest.raises(ccxt.DDoSProtection):
                await exchange.load_markets(reload=True)
        await exchange.load_markets(reload=True)
        assert emulator.stats.requests["exchange_info"] == 4
    emulator.storm_429(seconds=0.3)
    async with client(emulator, load=False) as exchange:
        refused = 0
        while True:
            try:
                await exchange.load_markets(reload=True)
                break
            except ccxt.DDoSProtection:
                refused += 1
                await asyncio.sleep(0.05)
        assert refused >= 2
        assert emulator.stats.throttled == 3 + refused


async def test_a_lost_answer_is_a_request_timeout_but_the_order_exists(emulator) -> None:
    emulator.lose_answer_next = 1
    async with client(emulator) as exchange:
        with pytest.raises(ccxt.RequestTimeout):  # 503 -1007
            await exchange.create_order(
                BTC, "market", "sell", 0.01, None, {"clientOrderId": "lost-1"}
            )
        found = await exchange.fetch_order(None, BTC, {"clientOrderId": "lost-1"})
        assert (found["status"], found["filled"]) == ("closed", 0.01)
        assert emulator.net_position(BTC) == pytest.approx(-0.01)
        assert emulator.stats.answers_lost == 1


async def test_a_partly_filled_limit_rests_and_fills_when_the_book_reaches_it(emulator) -> None:
    async with client(emulator) as exchange, order_stream(exchange, emulator) as seen:
        order = await exchange.create_order(BTC, "limit", "sell", 0.01, 60_000.3)
        assert order["status"] == "open" and order["filled"] == 0.0
        # a buyer for 0.004 reaches the price: a partial fill, the rest keeps resting
        await emulator.set_levels("BTCUSDT", [(60_000.3, 0.004)], [(60_000.1, 0.0)])
        part = await exchange.fetch_order(order["id"], BTC)
        assert (part["status"], part["filled"]) == ("open", 0.004)
        assert emulator.open_orders(BTC)[0]["status"] == "PARTIALLY_FILLED"
        assert emulator.book("BTCUSDT", 1)[0][0][0] == 60_000.0  # it took that bid
        await emulator.set_levels("BTCUSDT", [(60_000.4, 1.0)], [])
        done = await exchange.fetch_order(order["id"], BTC)
        assert (done["status"], done["filled"], done["average"]) == ("closed", 0.01, 60_000.3)
        await until(lambda: [o for o in seen if o["status"] == "closed"])
        assert [(o["info"]["X"], o["filled"]) for o in seen] == [
            ("NEW", 0.0),
            ("PARTIALLY_FILLED", 0.004),
            ("FILLED", 0.01),
        ]
        assert emulator.stats.partial_fills == 1 and emulator.stats.orders_filled == 1
        assert emulator.net_position(BTC) == pytest.approx(-0.01)


async def chaos_run(emulator: BinanceUsdmEmulator, seed: int, rounds: int) -> dict:
    """A bounded loop of entries, lookups and exits under chaos; returns the report."""
    emulator.chaos(
        seed=seed,
        p_429=0.15,
        p_slow=0.1,
        slow_s=0.01,
        p_reject=0.15,
        p_partial=0.3,
        p_land_delay=0.1,
        land_s=0.01,
        p_lose_answer=0.1,
    )
    async with client(emulator, load=False) as exchange:
        for _ in range(20):  # loading markets is part of the run, and may be refused
            try:
                await exchange.load_markets()
                break
            except ccxt.NetworkError:
                continue
        for i in range(rounds):
            side = "sell" if i % 2 == 0 else "buy"
            try:
                order = await exchange.create_order(BTC, "market", side, 0.002)
                await exchange.fetch_order(order["id"], BTC)
            except (ccxt.NetworkError, ccxt.ExchangeError):
                pass  # counted at the venue; the loop goes on
    emulator.calm()
    return emulator.report()


async def test_chaos_is_seeded_bounded_and_counted(emulator) -> None:
    report = await chaos_run(emulator, seed=11, rounds=40)
    assert report["requests"]["order_create"] == 40
    for counter in ("throttled", "rejected", "partial_fills", "orders_filled", "answers_lost"):
        assert report[counter] > 0, counter
    # the same seed and the same requests draw the same faults
    twin = BinanceUsdmEmulator()
    twin.seed_book("BTCUSDT", *emulator_book())
    await twin.start()
    try:
        assert await chaos_run(twin, seed=11, rounds=40) == report
    finally:
        await twin.stop()


def emulator_book() -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """The conftest fixture's book, for a second emulator."""
    return (
        [(round(60_000.0 - 0.1 * i, 1), 1.0 + i) for i in range(30)],
        [(round(60_000.1 + 0.1 * i, 1), 2.0 + i) for i in range(30)],
    )


async def test_chaos_on_the_streams_drops_sockets_and_gaps_the_book(emulator) -> None:
    async with client(emulator) as exchange:
        emulator.chaos(seed=3, p_drop_ws=0.2, p_gap=0.3)
        errors: list[str] = []

        async def watch() -> None:
            while True:
                try:
                    await exchange.watch_order_book(BTC)
                except ccxt.BaseError as exc:  # NetworkError (dropped) or ChecksumError (gap)
                    errors.append(type(exc).__name__)
                    await asyncio.sleep(0.01)  # ccxt needs the loop to resubscribe (below)

        task = asyncio.create_task(watch())
        try:
            for i in range(60):  # bounded: 60 diffs, each waiting for a subscriber
                await until(lambda: emulator.subscribed("btcusdt@depth"))
                await emulator.set_levels("BTCUSDT", [(59_990.0, 1.0 + i)], [])
            await until(lambda: errors)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        emulator.calm()
        assert emulator.stats.gaps > 0 and emulator.stats.ws_dropped > 0
        assert (await exchange.fetch_order_book(BTC, 5))["bids"]  # REST unaffected


async def test_after_a_gap_ccxt_fails_at_once_until_the_caller_yields(emulator) -> None:
    """A gap that ccxt reads while no watch_order_book call waits (here: the second of two
    diffs) leaves a rejected future behind: every later call raises the same
    ChecksumError without reaching the event loop, so a retry loop that never awaits
    anything else spins forever. One real yield lets ccxt resubscribe."""
    async with client(emulator) as exchange:
        await asyncio.wait_for(exchange.watch_order_book(BTC), 5)
        subscribes = emulator.subscribe_count
        await emulator.set_levels("BTCUSDT", [(59_999.0, 1.0)], [])
        emulator.gap_next("BTCUSDT")
        await emulator.set_levels("BTCUSDT", [(59_998.0, 1.0)], [])
        await until(lambda: BTC not in exchange.orderbooks)  # ccxt dropped the book
        for _ in range(100):
            with pytest.raises(ccxt.ChecksumError):
                await exchange.watch_order_book(BTC)
        assert emulator.subscribe_count == subscribes  # 100 retries, no resubscription

        async def next_book() -> Any:
            while True:
                try:
                    return await exchange.watch_order_book(BTC)
                except ccxt.ChecksumError:
                    await asyncio.sleep(0.01)

        task = asyncio.create_task(next_book())
        for i in range(100):  # bounded: a diff every 20 ms until a book comes back
            if task.done():
                break
            await emulator.set_levels("BTCUSDT", [(59_997.0, 1.0 + i)], [])
            await asyncio.sleep(0.02)
        book = await asyncio.wait_for(task, 5)
        assert emulator.subscribe_count == subscribes + 1
        assert book["bids"][0][0] == 60_000.0
