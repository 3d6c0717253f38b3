"""The paced feed: running in steps delivers exactly what one run delivers."""

import asyncio

from scalp_tui.engine.clock import ManualClock
from scalp_tui.engine.protocol import BookUpdate, FeedStatus, TradeTick
from scalp_tui.market.feed import PacedFeed
from scalp_tui.market.sim import SimMarket


class Recorder:
    def __init__(self) -> None:
        self.events: list[BookUpdate | TradeTick] = []
        self.timers = 0

    def on_book(self, update: BookUpdate) -> None:
        self.events.append(update)

    def on_trade(self, trade: TradeTick) -> None:
        self.events.append(trade)

    def on_feed_status(self, status: FeedStatus) -> None:
        pass

    def on_timer(self) -> None:
        self.timers += 1


def play(steps: list[float]) -> Recorder:
    market = SimMarket(seed=4)
    feed = PacedFeed(market, ManualClock(), speed=0)
    sink = Recorder()
    feed.start(sink)

    async def run() -> None:
        for seconds in steps:
            await feed.run(sink, int(seconds * 1000))

    asyncio.run(run())
    return sink


def test_stepwise_runs_lose_no_event() -> None:
    whole = play([20.0])
    stepped = play([0.5] * 40)
    assert stepped.events == whole.events
    assert whole.timers == stepped.timers == 80  # every 250 ms of simulated time
