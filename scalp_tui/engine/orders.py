"""An order's life, changed in one place.

`Order.apply` takes a status the broker reports and moves the order only along the
transitions below; `Order.apply_fill` takes a fill whenever it arrives, whatever the
order's status, because a venue's fill is a fact even when it reaches us after the
cancel or the rejection we believed in.
"""

from __future__ import annotations

import secrets
import string

from scalp_tui.engine.protocol import OrderStatus, OrderType, OrderView, Side

EPS_QTY = 1e-12
CLIENT_TAG_LENGTH = 8


def new_client_tag() -> str:
    """A random tag for the client order ids of one journal: with it, two journals
    trading one account never send the same id (order ids alone repeat across them)."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(CLIENT_TAG_LENGTH))


_S = OrderStatus
_WORKING = {_S.ACCEPTED, _S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.EXPIRED}
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    # paper brokers answer at once, so a submitting order may end in one step
    _S.SUBMITTING: frozenset({_S.IN_FLIGHT, _S.REJECTED, *_WORKING}),
    _S.IN_FLIGHT: frozenset({_S.REJECTED, *_WORKING}),
    _S.ACCEPTED: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.EXPIRED}),
    _S.PARTIALLY_FILLED: frozenset({_S.FILLED, _S.CANCELED, _S.EXPIRED}),
    # Believed never to have landed (no answer, then not found over a grace window):
    # the venue may still prove otherwise, and then the venue is right.
    _S.REJECTED: frozenset(_WORKING),
    _S.EXPIRED: frozenset({_S.ACCEPTED, _S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED}),
    # a fill that raced the cancel
    _S.CANCELED: frozenset({_S.FILLED}),
    _S.FILLED: frozenset(),
}


class Order:
    """An order the engine asked a broker to work."""

    __slots__ = (
        "avg_price",
        "broker",
        "fee",
        "filled",
        "id",
        "position_id",
        "price",
        "purpose",
        "qty",
        "reason",
        "reduce_only",
        "side",
        "status",
        "symbol",
        "type",
    )

    def __init__(
        self,
        id: int,
        symbol: str,
        side: Side,
        type: OrderType,
        qty: float,
        price: float | None,
        reduce_only: bool,
        broker: str,
        position_id: int | None,
        purpose: str,
    ) -> None:
        self.id = id
        self.symbol = symbol
        self.side = side
        self.type = type
        self.qty = qty
        self.price = price  # the limit, or the trigger of a stop
        self.reduce_only = reduce_only
        self.broker = broker
        self.position_id = position_id
        self.purpose = purpose
        self.status = OrderStatus.SUBMITTING
        self.filled = 0.0
        self.avg_price = 0.0
        self.fee = 0.0  # fees of its fills so far, quote currency
        self.reason = ""

    @classmethod
    def from_view(cls, view: OrderView) -> Order:
        """An order journaled by an earlier run, as it stood then."""
        order = cls(
            view.id,
            view.symbol,
            view.side,
            view.type,
            view.qty,
            view.price,
            view.reduce_only,
            view.broker,
            view.position_id,
            view.purpose,
        )
        order.status, order.filled, order.avg_price = view.status, view.filled, view.avg_price
        order.fee = view.fee
        return order

    @property
    def done(self) -> bool:
        return self.status.done

    @property
    def remaining(self) -> float:
        return max(self.qty - self.filled, 0.0)

    def apply(self, status: OrderStatus, reason: str = "") -> bool:
        """Move to `status` if the order's life allows it; True when it moved."""
        # A venue may end an order "filled" below its quantity (a reduce-only order
        # clamped to the position): brokers report the fills first, so that is final.
        if status is self.status or status not in TRANSITIONS[self.status]:
            return False
        self.status = status
        if reason:
            self.reason = reason
        return True

    def apply_fill(self, price: float, qty: float, fee: float = 0.0) -> bool:
        """Add a fill; True when it changed the status (partially filled, filled)."""
        self.fee += fee
        total = self.filled + qty
        self.avg_price = (self.avg_price * self.filled + price * qty) / total
        self.filled = total
        if total >= self.qty - EPS_QTY:
            return self.apply(OrderStatus.FILLED)
        if self.status is OrderStatus.CANCELED:
            return False  # cancelled with this much filled: still over
        return self.apply(OrderStatus.PARTIALLY_FILLED)

    def view(self) -> OrderView:
        return OrderView(
            self.id,
            self.symbol,
            self.side,
            self.type,
            self.qty,
            self.price,
            self.reduce_only,
            self.broker,
            self.status,
            self.filled,
            self.avg_price,
            self.position_id,
            self.purpose,
            self.reason,
            self.fee,
        )
