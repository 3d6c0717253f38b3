"""A broker whose venue is the test: it records what the engine asks, and the test
answers (statuses and fills) in whatever order a real venue might."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from rig import BTC, MARKETS, PRICES, Rig, history

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.broker import ExecutionListener
from scalp_tui.engine.clock import ManualClock
from scalp_tui.engine.engine import Engine
from scalp_tui.engine.orders import Order
from scalp_tui.engine.params import EngineParams
from scalp_tui.engine.protocol import OrderStatus, SetBroker, TradeTick
from scalp_tui.execution.paper import PaperBroker

T0 = 1_723_161_600_000


@dataclass
class ScriptedBroker:
    name: str = "live"
    protective_stops: bool = True
    submitted: list[Order] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    cancel_all_calls: int = 0
    listener: ExecutionListener | None = None

    def bind(self, listener: ExecutionListener, books: Mapping[str, OrderBook]) -> None:
        self.listener = listener

    def submit(self, order: Order) -> None:
        self.submitted.append(order)
        assert self.listener is not None
        self.listener.on_order_status(order.id, OrderStatus.IN_FLIGHT)

    def cancel(self, order_id: int) -> None:
        self.cancelled.append(order_id)

    def cancel_all(self) -> None:
        self.cancel_all_calls += 1

    def resume(self, symbol: str, signed_qty: float, orders: list[Order]) -> list[Order]:
        return list(orders)

    def has_resting(self, symbol: str) -> bool:
        return False

    def on_book(self, book: OrderBook) -> None:
        pass

    def on_trade(self, trade: TradeTick) -> None:
        pass

    # -- the venue's answers ---------------------------------------------------

    def status(self, order: Order, status: OrderStatus, reason: str = "") -> None:
        assert self.listener is not None
        self.listener.on_order_status(order.id, status, reason)

    def fill(self, order: Order, price: float, qty: float, fee_rate: float = 0.0005) -> None:
        assert self.listener is not None
        self.listener.on_fill(order.id, price, qty, price * qty * fee_rate, "taker", T0)

    def of(self, purpose: str) -> list[Order]:
        return [o for o in self.submitted if o.purpose == purpose]


def live_rig(**params: object) -> tuple[Rig, ScriptedBroker]:
    """An engine in auto mode whose new entries go to the scripted venue."""
    clock = ManualClock(T0)
    venue = ScriptedBroker()
    paper = PaperBroker(taker_fee=0.0005, maker_fee=0.0002)
    engine = Engine(
        replace(EngineParams(mode="auto"), **params),
        clock,
        {BTC: MARKETS[BTC]},
        {"paper": paper, "live": venue},
        history={BTC: history(PRICES[BTC])},
    )
    rig = Rig(engine, clock, paper)
    engine.subscribe(rig.events.append)
    assert engine.execute(SetBroker("live")).ok
    return rig, venue
