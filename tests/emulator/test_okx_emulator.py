"""The OKX v5 emulator through the real ccxt.pro okx client (and a raw WebSocket for the
`books` checksum, which ccxt does not verify).

What these pin down about ccxt 4.5.90 against OKX's protocol: amounts are contracts,
create_order answers ids only, fees and realised PnL land in the wallet, which error
class each OKX code becomes, and how the book's sequence and checksum behave."""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import ccxt
import pytest
from emulator.okx import OkxEmulator

from scalp_tui.venue import make_exchange

ETH = "ETH/USDT:USDT"
BTC = "BTC/USDT:USDT"
ISOLATED = {"marginMode": "isolated"}


@pytest.fixture
async def okx() -> AsyncIterator[OkxEmulator]:
    emu = OkxEmulator()
    emu.seed_book(
        ETH,
        [(round(2600.0 - 0.01 * i, 2), 10.0 + i) for i in range(40)],
        [(round(2600.01 + 0.01 * i, 2), 10.0 + i) for i in range(40)],
    )
    emu.seed_book(
        BTC,
        [(round(60_000.0 - 0.1 * i, 1), 5.0) for i in range(30)],
        [(round(60_000.1 + 0.1 * i, 1), 5.0) for i in range(30)],
    )
    await emu.start()
    yield emu
    await emu.stop()


@asynccontextmanager
async def client(emu: OkxEmulator) -> AsyncIterator[Any]:
    """The real ccxt.pro okx client, built as the console builds it."""
    exchange = make_exchange(
        "okx",
        api_key="key",
        secret="secret",
        password="passphrase",
        rest_url=emu.rest_url,
        ws_url=emu.ws_url,
    )
    try:
        await exchange.load_markets()
        yield exchange
    finally:
        await exchange.close()


async def until(condition: Callable[[], Any], timeout: float = 2.0) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (result := condition()):
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)
    return result


def okx_checksum(bids: list[list[str]], asks: list[list[str]]) -> int:
    """Written from OKX's documentation, apart from the emulator's own."""
    parts = []
    for i in range(25):
        if i < len(bids):
            parts += [bids[i][0], bids[i][1]]
        if i < len(asks):
            parts += [asks[i][0], asks[i][1]]
    value = zlib.crc32(":".join(parts).encode()) & 0xFFFFFFFF
    return value - 2**32 if value > 2**31 - 1 else value


async def test_markets_carry_contract_sizes_in_contracts(okx) -> None:
    async with client(okx) as exchange:
        eth, btc = exchange.market(ETH), exchange.market(BTC)
        assert (eth["id"], eth["contractSize"], eth["swap"], eth["linear"]) == (
            "ETH-USDT-SWAP",
            0.1,
            True,
            True,
        )
        assert btc["contractSize"] == 0.01 == okx.contract_size("BTC-USDT-SWAP")
        assert (eth["precision"]["amount"], eth["limits"]["amount"]["min"]) == (0.01, 0.01)
        assert btc["precision"]["price"] == 0.1
        candles = await exchange.fetch_ohlcv(ETH, "5m", limit=3)
        assert len(candles) == 3 and candles[0][0] < candles[-1][0]  # oldest first
        assert abs(await exchange.fetch_time() - candles[-1][0]) < 300_000  # forming last


async def test_a_market_short_of_3_contracts_is_0_3_eth_and_the_wallet_pays_fees_and_pnl(
    okx,
) -> None:
    async with client(okx) as exchange:
        await exchange.set_margin_mode("isolated", ETH, params={"leverage": 3})
        placed = await exchange.create_order(
            ETH, "market", "sell", 3, None, {**ISOLATED, "clientOrderId": "open1"}
        )
        assert placed["status"] is None and placed["clientOrderId"] == "open1"  # ids only
        assert okx.net_position(ETH) == -3
        assert okx.state()["positions"]["ETH-USDT-SWAP"]["base"] == pytest.approx(-0.3)
        opened = await exchange.fetch_order(placed["id"], ETH)
        assert (opened["status"], opened["filled"], opened["average"]) == ("closed", 3, 2600.0)
        taker_fee = 2600.0 * 3 * 0.1 * 0.0004  # the emulator's own rate, not 0.0005
        assert opened["fee"]["cost"] == pytest.approx(taker_fee)
        (position,) = await exchange.fetch_positions([ETH])
        assert (position["contracts"], position["side"], position["marginMode"]) == (
            3,
            "short",
            "isolated",
        )

        await okx.set_levels(ETH, [], [(round(2600.01 + 0.01 * i, 2), 0) for i in range(40)])
        await okx.set_levels(ETH, [], [(2590.0, 50.0)])  # the market falls: a profit
        closed = await exchange.create_order(
            ETH,
            "market",
            "buy",
            3,
            None,
            {**ISOLATED, "reduceOnly": True, "clientOrderId": "close1"},
        )
        assert okx.net_position(ETH) == 0
        fills = okx.fills()
        pnl = sum(f["realized_pnl"] for f in fills)
        fees = sum(f["fee"] for f in fills)
        assert pnl == pytest.approx((2600.0 - 2590.0) * 3 * 0.1)
        assert fees == pytest.approx(taker_fee + 2590.0 * 3 * 0.1 * 0.0004)
        assert okx.wallet() - 10_000.0 == pytest.approx(pnl - fees, abs=1e-9)
        balance = await exchange.fetch_balance()
        assert balance["USDT"]["total"] == pytest.approx(okx.wallet())
        assert (await exchange.fetch_order(None, ETH, {"clientOrderId": "close1"}))["id"] == closed[
            "id"
        ]
        assert await exchange.fetch_positions([ETH]) == []


async def test_a_partial_fill_rests_and_fills_later_as_maker(okx) -> None:
    async with client(okx) as exchange:
        okx.partial_next.append(0.5)
        placed = await exchange.create_order(ETH, "limit", "sell", 4, 2599.99, ISOLATED)
        order = await exchange.fetch_order(placed["id"], ETH)
        assert (order["status"], order["filled"], order["remaining"]) == ("open", 2, 2)
        (resting,) = okx.open_orders(ETH)
        assert (resting["qty"], resting["filled"], resting["status"]) == (4, 2, "partially_filled")
        await okx.set_levels(ETH, [(2600.5, 5.0)], [])  # a bid above the rest: it fills
        order = await exchange.fetch_order(placed["id"], ETH)
        assert (order["status"], order["filled"]) == ("closed", 4)
        maker = okx.fills()[-1]
        assert (maker["liquidity"], maker["price"]) == ("maker", 2599.99)
        assert maker["fee"] == pytest.approx(2599.99 * 2 * 0.1 * 0.0001)
        assert okx.book(ETH, 1)[0][0] == (2600.5, 3.0)  # the 2 contracts it took are gone


async def test_reduce_only_without_a_position_is_refused_with_51169(okx) -> None:
    async with client(okx) as exchange:
        # 51169 is not in ccxt's okx table (a plain ExchangeError there): the okx
        # traits add it, so a refused reduce-only order is an InvalidOrder as elsewhere
        with pytest.raises(ccxt.InvalidOrder, match="51169"):
            await exchange.create_order(
                ETH, "market", "buy", 1, None, {**ISOLATED, "reduceOnly": True}
            )
        okx.reject_next.append("insufficient_margin")
        with pytest.raises(ccxt.InsufficientFunds, match="51008"):
            await exchange.create_order(ETH, "market", "sell", 1, None, ISOLATED)
        assert okx.stats.rejected == 2 and okx.net_position(ETH) == 0


async def test_a_stop_fires_on_the_last_price_and_places_a_market_order(okx) -> None:
    async with client(okx) as exchange:
        await exchange.create_order(ETH, "market", "sell", 3, None, ISOLATED)
        stop = await exchange.create_order(
            ETH, "market", "buy", 3, None,
            {**ISOLATED, "stopLossPrice": 2650.0, "reduceOnly": True, "clientOrderId": "stop1"},
        )  # fmt: skip
        (listed,) = await exchange.fetch_open_orders(ETH, params={"ordType": "conditional"})
        assert (listed["id"], listed["clientOrderId"], listed["stopLossPrice"]) == (
            stop["id"],
            "stop1",
            2650.0,
        )
        # ccxt's {"trigger": True} alone asks for ordType "trigger": no conditional stop
        assert await exchange.fetch_open_orders(ETH, params={"trigger": True}) == []
        (venue,) = okx.open_algo_orders(ETH)
        assert (venue["client_id"], venue["side"], venue["qty"], venue["reduce_only"]) == (
            "stop1",
            "buy",
            3,
            True,
        )

        await okx.set_levels(ETH, [], [(round(2600.01 + 0.01 * i, 2), 0) for i in range(40)])
        await okx.set_levels(ETH, [], [(2651.0, 20.0)])
        await okx.trade(ETH, 2650.0, 1.0, buyer_is_maker=False)
        assert okx.net_position(ETH) == 0 and okx.stats.stops_triggered == 1
        fired = await exchange.fetch_order(None, ETH, {"trigger": True, "clientOrderId": "stop1"})
        assert fired["status"] == "closed"  # effective
        child = okx.state()["orders"][-1]
        assert (child["client_id"], child["type"], child["filled"], child["average"]) == (
            "stop1",
            "market",
            3,
            2651.0,
        )
        assert okx.open_algo_orders() == []


async def test_orders_are_found_and_cancelled_by_client_id(okx) -> None:
    async with client(okx) as exchange:
        placed = await exchange.create_order(
            ETH, "limit", "buy", 1, 2500.0, {**ISOLATED, "clientOrderId": "rest1"}
        )
        found = await exchange.fetch_order(None, ETH, {"clientOrderId": "rest1"})
        assert (found["id"], found["status"], found["price"]) == (placed["id"], "open", 2500.0)
        await exchange.cancel_order(None, ETH, {"clientOrderId": "rest1"})
        assert (await exchange.fetch_order(placed["id"], ETH))["status"] == "canceled"
        with pytest.raises(ccxt.OrderNotFound):  # 51401: already cancelled
            await exchange.cancel_order(placed["id"], ETH)
        with pytest.raises(ccxt.OrderNotFound):  # 51603
            await exchange.fetch_order(None, ETH, {"clientOrderId": "never"})
        assert exchange.has["cancelAllOrders"] is False


async def test_429_is_rate_limit_exceeded_and_a_lost_answer_a_request_timeout(okx) -> None:
    async with client(okx) as exchange:
        okx.rate_limit("order_create", 1)
        with pytest.raises(ccxt.RateLimitExceeded):
            await exchange.create_order(ETH, "market", "sell", 1, None, ISOLATED)
        assert okx.net_position(ETH) == 0
        okx.lose_answer_next = 1
        with pytest.raises(ccxt.RequestTimeout):  # 50004: the order's fate is unknown
            await exchange.create_order(
                ETH, "market", "sell", 1, None, {**ISOLATED, "clientOrderId": "lost1"}
            )
        assert okx.net_position(ETH) == -1  # it was matched all the same
        assert (await exchange.fetch_order(None, ETH, {"clientOrderId": "lost1"}))["filled"] == 1
        assert (okx.stats.throttled, okx.stats.answers_lost) == (1, 1)


async def test_a_landing_order_is_not_found_until_it_lands(okx) -> None:
    async with client(okx) as exchange:
        okx.land_delay_s = 0.3
        placing = asyncio.create_task(
            exchange.create_order(
                ETH, "market", "sell", 1, None, {**ISOLATED, "clientOrderId": "late1"}
            )
        )
        await asyncio.sleep(0.1)
        with pytest.raises(ccxt.OrderNotFound):
            await exchange.fetch_order(None, ETH, {"clientOrderId": "late1"})
        await placing
        assert (await exchange.fetch_order(None, ETH, {"clientOrderId": "late1"}))[
            "status"
        ] == "closed"


async def test_every_books_frame_carries_okx_checksum_and_a_wrong_one_on_demand(okx) -> None:
    frames: list[dict] = []
    book: dict[str, dict[str, str]] = {"bids": {}, "asks": {}}
    async with aiohttp.ClientSession() as session, session.ws_connect(f"{okx.ws_url}/public") as ws:
        await ws.send_str(
            json.dumps(
                {"op": "subscribe", "args": [{"channel": "books", "instId": "ETH-USDT-SWAP"}]}
            )
        )

        async def receive() -> bool:
            """Apply one frame to the local book; True if its checksum matches."""
            while True:
                frame = json.loads((await ws.receive()).data)
                if "data" in frame:
                    break
            frames.append(frame)
            data = frame["data"][0]
            for side in ("bids", "asks"):
                if frame["action"] == "snapshot":
                    book[side] = {}
                for price, size, *_ in data[side]:
                    if float(size) == 0:
                        book[side].pop(price, None)
                    else:
                        book[side][price] = size
            bids = sorted(book["bids"].items(), key=lambda kv: -float(kv[0]))
            asks = sorted(book["asks"].items(), key=lambda kv: float(kv[0]))
            return (
                okx_checksum([list(b) for b in bids], [list(a) for a in asks]) == data["checksum"]
            )

        assert await receive()  # the snapshot
        await okx.set_levels(ETH, [(2600.0, 1.5), (2599.99, 0)], [(2600.02, 7.25)])
        assert await receive()
        async with client(okx) as exchange:  # our own fill takes liquidity: an update too
            await exchange.create_order(ETH, "market", "sell", 2, None, ISOLATED)
        assert await receive()
        okx.bad_checksum_next(ETH)
        await okx.set_levels(ETH, [(2599.5, 3.0)], [])
        assert not await receive()
        await okx.set_levels(ETH, [(2599.4, 3.0)], [])
        assert await receive()  # only that one was wrong
        seqs = [(f["data"][0]["prevSeqId"], f["data"][0]["seqId"]) for f in frames]
        assert all(prev == seqs[i][1] for i, (prev, _) in enumerate(seqs[1:]))
        assert okx.stats.bad_checksums == 1


async def test_a_seq_gap_raises_invalid_nonce_and_the_next_watch_resyncs(okx) -> None:
    async with client(okx) as exchange:
        first = await exchange.watch_order_book(ETH)
        assert first["bids"][0] == [2600.0, 10.0]
        okx.gap_next(ETH)
        watching = asyncio.create_task(exchange.watch_order_book(ETH))
        await asyncio.sleep(0.05)
        await okx.set_levels(ETH, [(2600.0, 4.0)], [])
        with pytest.raises(ccxt.InvalidNonce):
            await watching
        snapshots = okx.snapshots_served
        again = await exchange.watch_order_book(ETH)  # unsubscribes, subscribes, snapshot
        assert again["bids"][0] == [2600.0, 4.0] and okx.snapshots_served == snapshots + 1


async def test_order_pushes_arrive_on_the_private_socket_after_login(okx) -> None:
    seen: list[dict] = []
    async with client(okx) as exchange:

        async def watch() -> None:
            while True:
                for order in await exchange.watch_orders(ETH):
                    seen.append(dict(order))

        task = asyncio.create_task(watch())
        try:
            await until(lambda: okx.subscribed("orders", ETH))
            (login,) = okx.logins
            assert (login["apiKey"], login["passphrase"]) == ("key", "passphrase")
            assert login["timestamp"].isdigit() and login["sign"]
            await exchange.create_order(
                ETH, "market", "sell", 2, None, {**ISOLATED, "clientOrderId": "push1"}
            )
            pushed = await until(lambda: [o for o in seen if o["clientOrderId"] == "push1"])
            assert (pushed[-1]["status"], pushed[-1]["filled"], pushed[-1]["average"]) == (
                "closed",
                2,
                2600.0,
            )
            assert pushed[-1]["fee"]["cost"] == pytest.approx(2600.0 * 2 * 0.1 * 0.0004)
            info = pushed[-1]["info"]
            assert (info["fillSz"], info["accFillSz"], info["state"], info["execType"]) == (
                "2",
                "2",
                "filled",
                "T",
            )
            await okx.drop_connections()
            await until(lambda: task.done())
            with pytest.raises(ccxt.NetworkError):
                task.result()
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_state_endpoint_reports_positions_in_contracts_and_base(okx) -> None:
    async with client(okx) as exchange:
        await exchange.create_order(BTC, "market", "sell", 5, None, ISOLATED)
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{okx.rest_url}/__state") as response,
    ):
        state = await response.json()
    position = state["positions"]["BTC-USDT-SWAP"]
    assert (position["contracts"], position["base"]) == (-5, pytest.approx(-0.05))
    assert state["wallet"] == pytest.approx(10_000.0 - 60_000.0 * 0.05 * 0.0004)
    assert [f["contracts"] for f in state["fills"]] == [5]


RECORDING = Path("/work/shared/data/binance-usdm-btcusdt-20240808.jsonl.gz")


@pytest.mark.skipif(not RECORDING.exists(), reason=f"{RECORDING} is absent")
async def test_a_binance_recording_replays_as_the_okx_market_in_contracts(okx) -> None:
    okx.seed_recording(RECORDING, BTC)
    base_bids, _ = _recorded_snapshot()
    assert okx.book(BTC, 1)[0][0] == (base_bids[0][0], pytest.approx(base_bids[0][1] / 0.01))
    async with client(okx) as exchange:
        await exchange.watch_order_book(BTC)
        played = await okx.play_recording(RECORDING, BTC, limit=300)
        watching = asyncio.create_task(exchange.watch_order_book(BTC))
        await asyncio.sleep(0.05)
        await okx.set_levels(BTC, [], [])  # one more frame: the watch returns on it
        book = await watching
        assert played == 300
        ours_bids, ours_asks = okx.book(BTC, 5)
        assert book["bids"][:5] == [list(level) for level in ours_bids]
        assert book["asks"][:5] == [list(level) for level in ours_asks]


def _recorded_snapshot() -> tuple[list, list]:
    from scalp_tui.engine.protocol import BookUpdate
    from scalp_tui.market.recording import read_recording

    for event in read_recording(RECORDING):
        if isinstance(event, BookUpdate) and event.snapshot:
            return list(event.bids), list(event.asks)
    raise AssertionError("no snapshot in the recording")
