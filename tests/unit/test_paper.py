"""Paper fills: walking the book, partial fills, resting limits, reduce-only, fees."""

from dataclasses import dataclass, field

import pytest
from rig import BTC, T0

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.orders import Order
from scalp_tui.engine.protocol import OrderStatus, OrderType, Side, TradeTick
from scalp_tui.execution.paper import PaperBroker


@dataclass
class Recorder:
    statuses: list[tuple[int, OrderStatus, str]] = field(default_factory=list)
    fills: list[tuple[int, float, float, float, str, int]] = field(default_factory=list)

    def on_order_status(self, order_id: int, status: OrderStatus, reason: str = "") -> None:
        self.statuses.append((order_id, status, reason))

    def on_fill(self, order_id, price, qty, fee, liquidity, ts_ms) -> None:
        self.fills.append((order_id, price, qty, fee, liquidity, ts_ms))


def setup():
    book = OrderBook(BTC)
    book.apply(
        ((100.0, 1.0), (99.9, 2.0), (99.8, 3.0)),
        ((100.1, 1.0), (100.2, 2.0), (100.3, 3.0)),
        T0,
        True,
    )
    broker = PaperBroker(taker_fee=0.0005, maker_fee=0.0002)
    rec = Recorder()
    broker.bind(rec, {BTC: book})
    return broker, rec, book


def order(id: int, side: Side, qty: float, price: float | None = None, reduce_only=False):
    kind = OrderType.MARKET if price is None else OrderType.LIMIT
    return Order(id, BTC, side, kind, qty, price, reduce_only, "paper", None, "entry")


def test_market_sell_walks_three_levels() -> None:
    broker, rec, _ = setup()
    broker.submit(order(1, Side.SELL, 4.0))
    assert [(f[1], f[2]) for f in rec.fills] == [(100.0, 1.0), (99.9, 2.0), (99.8, 1.0)]
    # taker fees: 100*1*0.0005 + 99.9*2*0.0005 + 99.8*1*0.0005
    assert sum(f[3] for f in rec.fills) == pytest.approx(0.05 + 0.0999 + 0.0499)
    assert all(f[4] == "taker" and f[5] == T0 for f in rec.fills)
    assert rec.statuses[-1][1] is OrderStatus.FILLED
    assert broker.net_position(BTC) == -4.0


def test_market_order_partially_fills_when_depth_runs_out() -> None:
    broker, rec, _ = setup()
    broker.submit(order(1, Side.BUY, 10.0))
    assert sum(f[2] for f in rec.fills) == 6.0
    status, reason = rec.statuses[-1][1:]
    assert status is OrderStatus.CANCELED and "partially filled" in reason


def test_limit_takes_what_crosses_then_rests() -> None:
    broker, rec, _ = setup()
    broker.submit(order(1, Side.SELL, 2.5, price=99.9))  # crosses 100.0 and 99.9
    assert [(f[1], f[2]) for f in rec.fills] == [(100.0, 1.0), (99.9, 1.5)]
    assert rec.statuses[-1][1] is OrderStatus.FILLED
    broker.submit(order(2, Side.SELL, 1.0, price=100.5))  # above the bid: rests
    assert broker.has_resting(BTC)
    assert rec.statuses[-1][1] is OrderStatus.ACCEPTED


def test_resting_limit_fills_at_its_price_when_a_trade_prints_through() -> None:
    broker, rec, _ = setup()
    broker.submit(order(1, Side.SELL, 1.0, price=100.5))
    broker.on_trade(TradeTick(BTC, T0 + 5, 100.5, 3.0, Side.BUY))  # at the price: no fill
    assert not rec.fills
    broker.on_trade(TradeTick(BTC, T0 + 6, 100.6, 0.4, Side.BUY))  # through: 0.4 fills
    broker.on_trade(TradeTick(BTC, T0 + 7, 100.7, 5.0, Side.BUY))
    assert [(f[1], f[2], f[4], f[5]) for f in rec.fills] == [
        (100.5, 0.4, "maker", T0 + 6),
        (100.5, pytest.approx(0.6), "maker", T0 + 7),
    ]
    assert rec.fills[0][3] == pytest.approx(100.5 * 0.4 * 0.0002)
    assert rec.statuses[-1][1] is OrderStatus.FILLED
    assert not broker.has_resting(BTC)


def test_resting_limit_fills_when_the_opposite_best_crosses() -> None:
    broker, rec, book = setup()
    broker.submit(order(1, Side.SELL, 1.0, price=100.5))
    book.apply(((100.5, 1.0),), ((100.6, 1.0),), T0 + 9, False)
    broker.on_book(book)
    assert [(f[1], f[2], f[5]) for f in rec.fills] == [(100.5, 1.0, T0 + 9)]


def test_reduce_only_cannot_open_or_flip_a_position() -> None:
    broker, rec, _ = setup()
    broker.submit(order(1, Side.BUY, 1.0, reduce_only=True))
    assert rec.statuses[-1][1] is OrderStatus.REJECTED
    assert "reduce-only" in rec.statuses[-1][2]
    broker.submit(order(2, Side.SELL, 0.5))
    broker.submit(order(3, Side.BUY, 2.0, reduce_only=True))  # clamped to the 0.5 short
    assert sum(f[2] for f in rec.fills if f[0] == 3) == 0.5
    assert broker.net_position(BTC) == 0.0


def test_cancel_removes_a_resting_order() -> None:
    broker, rec, _ = setup()
    broker.submit(order(1, Side.SELL, 1.0, price=101.0))
    broker.cancel(1)
    assert rec.statuses[-1][:2] == (1, OrderStatus.CANCELED)
    assert not broker.has_resting(BTC)


def test_a_partly_filled_paper_entry_exits_what_filled_and_its_rest_is_cancelled() -> None:
    from rig import BTC, make_rig

    from scalp_tui.engine.protocol import ClosePosition, ExitReason, PositionClosed

    rig = make_rig(entry_order_type="limit")
    rig.ask_heavy(BTC)  # a limit sell rests at the ask, 60000.1
    assert rig.paper.has_resting(BTC)
    rig.trade(BTC, 60_000.2, 0.002)  # a trade through it fills part of it
    (position,) = rig.engine.positions.values()
    assert position.qty == 0.002
    assert rig.engine.execute(ClosePosition(position.id)).ok  # an exit on the filled part
    (closed,) = rig.of(PositionClosed)
    assert closed.position.exit_reason is ExitReason.MANUAL
    assert closed.position.qty == 0.002
    assert not rig.paper.has_resting(BTC)  # the rest was withdrawn, nothing fills later
    assert rig.paper.net_position(BTC) == 0.0
    rig.trade(BTC, 60_400.0, 1.0)
    assert rig.paper.net_position(BTC) == 0.0 and not rig.engine.positions
