"""The paper broker with fault injection: the next orders (on a symbol, or on any)
are rejected, as a venue refuses them, before anything else is checked."""

from __future__ import annotations

from scalp_tui.engine.orders import Order
from scalp_tui.engine.protocol import OrderStatus
from scalp_tui.execution.paper import PaperBroker


class FaultyPaperBroker(PaperBroker):
    def __init__(self, taker_fee: float, maker_fee: float) -> None:
        super().__init__(taker_fee, maker_fee)
        self._reject_queue: list[tuple[str | None, str]] = []

    def reject_next(self, symbol: str | None = None, reason: str = "rejected by test") -> None:
        self._reject_queue.append((symbol, reason))

    def submit(self, order: Order) -> None:
        for i, (target, reason) in enumerate(self._reject_queue):
            if target is None or target == order.symbol:
                del self._reject_queue[i]
                self._require_listener().on_order_status(order.id, OrderStatus.REJECTED, reason)
                return
        super().submit(order)
