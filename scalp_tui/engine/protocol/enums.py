"""The protocol's enumerations: modes, sides, order and position states, exit
reasons, feed states."""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    AUTO = "auto"
    CONFIRM = "confirm"


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP_MARKET = "stop_market"  # rests at the venue; a market order once `price` trades


class OrderStatus(StrEnum):
    """An order's life (engine/orders.py holds the transitions). Only the venue's
    answer, or a reconciliation after a grace period, ends an order."""

    SUBMITTING = "submitting"  # created by the engine, not yet handed to a venue
    IN_FLIGHT = "in_flight"  # request sent, no answer yet: it may still land
    ACCEPTED = "accepted"  # working at the venue, nothing filled
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"  # ended by the venue (market rest, time in force) or never seen

    @classmethod
    def _missing_(cls, value: object) -> OrderStatus | None:
        # journals written before the state machine
        return {"pending": cls.IN_FLIGHT, "open": cls.ACCEPTED}.get(str(value))

    @property
    def done(self) -> bool:
        return self in _DONE


_DONE = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)


class PositionState(StrEnum):
    OPENING = "opening"  # entry order sent, nothing filled yet
    OPEN = "open"
    CLOSING = "closing"  # an exit order is working
    CLOSED = "closed"


class ExitReason(StrEnum):
    STOP_LOSS = "short_scalp_stop_loss"
    PROFIT_TARGET = "short_scalp_profit_target"
    TIMEOUT = "short_scalp_timeout"
    MARKET_REVERSAL = "short_scalp_market_reversal"
    STOP_LOSS_ON_EXCHANGE = "stop_loss_on_exchange"  # the venue's resting stop filled
    MANUAL = "manual_exit"
    KILL_SWITCH = "kill_switch"
    RECONCILED = "reconciled"


class FeedState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    RESYNCING = "resyncing"
    STALE = "stale"
    DOWN = "down"


ENTRY_TAG = "661"  # the "short scalp" entry rule
MANUAL_TAG = "manual"  # an entry the trader asked for, no rule behind it
