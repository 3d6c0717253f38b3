"""A small deterministic market for engine tests: books and trades built by hand."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from paper_faults import FaultyPaperBroker

from scalp_tui.engine.clock import ManualClock
from scalp_tui.engine.engine import Engine
from scalp_tui.engine.params import EngineParams
from scalp_tui.engine.protocol import BookUpdate, Candle, Event, MarketInfo, Side, TradeTick

T0 = 1_723_161_600_000  # 2024-08-09 00:00:00 UTC, a 5m boundary
BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
SOL = "SOL/USDT:USDT"
MARKETS = {
    BTC: MarketInfo(BTC, tick_size=0.1, lot_size=0.001, min_qty=0.001),
    ETH: MarketInfo(ETH, tick_size=0.01, lot_size=0.001, min_qty=0.001),
    SOL: MarketInfo(SOL, tick_size=0.01, lot_size=0.1, min_qty=0.1),
}
PRICES = {BTC: 60_000.0, ETH: 2_600.0, SOL: 150.0}


def history(price: float, closes: tuple[float, float] | None = None) -> list[Candle]:
    """Two closed 5m candles before T0 with volume 5000 (the volume condition passes)."""
    c1, c2 = closes or (price, price)
    return [
        Candle(T0 - 600_000, c1, c1, c1, c1, 5000.0),
        Candle(T0 - 300_000, c2, c2, c2, c2, 5000.0),
    ]


def ladder(best: float, tick: float, qtys: list[float], is_bid: bool) -> tuple:
    step = -tick if is_bid else tick
    return tuple((round(best + i * step, 8), q) for i, q in enumerate(qtys))


@dataclass
class Rig:
    """An engine on hand-made books, with every event it emitted."""

    engine: Engine
    clock: ManualClock
    paper: FaultyPaperBroker
    events: list[Event] = field(default_factory=list)

    def book(
        self,
        symbol: str,
        bid: float,
        ask: float,
        bid_qtys: list[float],
        ask_qtys: list[float],
    ) -> None:
        tick = MARKETS[symbol].tick_size
        self.engine.on_book(
            BookUpdate(
                symbol,
                self.clock.now_ms(),
                ladder(bid, tick, bid_qtys, True),
                ladder(ask, tick, ask_qtys, False),
                snapshot=True,
            )
        )

    def ask_heavy(self, symbol: str, bid: float | None = None) -> None:
        """A one-tick book with imbalance -0.5: the entry signal fires."""
        tick = MARKETS[symbol].tick_size
        b = PRICES[symbol] if bid is None else bid
        self.book(symbol, b, b + tick, [1.0] * 10, [3.0] * 10)

    def balanced(self, symbol: str, bid: float, ask: float | None = None) -> None:
        tick = MARKETS[symbol].tick_size
        self.book(symbol, bid, bid + tick if ask is None else ask, [2.0] * 10, [2.0] * 10)

    def bid_heavy(self, symbol: str, bid: float) -> None:
        tick = MARKETS[symbol].tick_size
        self.book(symbol, bid, bid + tick, [3.0] * 10, [1.0] * 10)

    def trade(self, symbol: str, price: float, qty: float, side: Side = Side.BUY) -> None:
        self.engine.on_trade(TradeTick(symbol, self.clock.now_ms(), price, qty, side))

    def advance(self, ms: int) -> None:
        self.clock.advance(ms)
        self.engine.on_timer()

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


def make_rig(symbols: tuple[str, ...] = (BTC,), **params: object) -> Rig:
    clock = ManualClock(T0)
    paper = FaultyPaperBroker(taker_fee=0.0005, maker_fee=0.0002)
    base = EngineParams(mode="auto")
    engine = Engine(
        replace(base, **params),
        clock,
        {s: MARKETS[s] for s in symbols},
        {"paper": paper},
        history={s: history(PRICES[s]) for s in symbols},
    )
    rig = Rig(engine, clock, paper)
    engine.subscribe(rig.events.append)
    return rig
