"""An engine trading BTC live on the emulator with the real ccxt.pro client, for
tests that drive the engine and the broker by hand (no session loop)."""

import asyncio
from dataclasses import replace

from scalp_tui.engine.clock import WallClock
from scalp_tui.engine.engine import Engine
from scalp_tui.engine.params import EngineParams
from scalp_tui.engine.protocol import BookUpdate, Candle, SetBroker
from scalp_tui.execution import ccxt_account
from scalp_tui.execution.ccxt_broker import CcxtBroker
from scalp_tui.execution.paper import PaperBroker
from scalp_tui.market.live_feed import make_live_feed
from scalp_tui.venue import make_exchange

BTC = "BTC/USDT:USDT"


class Live:
    """An engine trading BTC live on the emulator (auto mode, 0.005 BTC a short)."""

    def __init__(self, emulator) -> None:
        self.emulator = emulator
        self.exchange = make_exchange(
            "binanceusdm",
            api_key="test-key",
            secret="test-secret",
            rest_url=emulator.rest_url,
            ws_url=emulator.ws_url,
        )
        self.events = []

    async def __aenter__(self):
        clock = WallClock()
        feed = make_live_feed(self.exchange, [BTC], clock)
        markets = await feed.load_markets()
        self.broker = CcxtBroker(self.exchange, taker_fee=0.0005, maker_fee=0.0002)
        assert await ccxt_account.prepare(self.exchange, self.broker.retrier, [BTC], 3) == []
        now = clock.now_ms()
        history = [Candle(now - now % 300_000 - 300_000, 1, 1, 1, 1, 5000.0)]
        self.engine = Engine(
            replace(EngineParams(), mode="auto"),
            clock,
            markets,
            {"paper": PaperBroker(0.0005, 0.0002), "live": self.broker},
            history={BTC: history},
        )
        self.engine.subscribe(self.events.append)
        assert self.engine.execute(SetBroker("live")).ok
        return self

    async def __aexit__(self, *exc) -> None:
        await self.broker.drain()
        await self.exchange.close()

    def show_book(self) -> None:
        """Hand the engine the emulator's book (what the live feed would deliver)."""
        bids, asks = self.emulator.book("BTCUSDT", 20)
        self.engine.on_book(
            BookUpdate(BTC, self.engine.clock.now_ms(), tuple(bids), tuple(asks), snapshot=True)
        )

    async def settle(self) -> None:
        await self.broker.drain()
        await asyncio.sleep(0)


def ask_heavy(emulator) -> None:
    emulator.seed_book(
        "BTCUSDT",
        [(round(60_000.0 - 0.1 * i, 1), 0.002) for i in range(10)],
        [(round(60_000.1 + 0.1 * i, 1), 1.0) for i in range(10)],
    )


async def until_true(condition, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)
