"""Money maths for shorts, in freqtrade's futures meaning. One place, tested by numbers."""

from __future__ import annotations

import math


def short_pnl(qty: float, entry: float, close: float, fee_in: float, fee_out: float) -> float:
    """pnl = q*(E - P) - q*E*f_in - q*P*f_out."""
    return qty * (entry - close) - qty * entry * fee_in - qty * close * fee_out


def margin(qty: float, entry: float, leverage: float) -> float:
    return qty * entry / leverage


def profit_ratio(
    qty: float, entry: float, close: float, leverage: float, fee_in: float, fee_out: float
) -> float:
    """pnl / margin."""
    return short_pnl(qty, entry, close, fee_in, fee_out) / margin(qty, entry, leverage)


def close_price_for_ratio(
    entry: float, ratio: float, leverage: float, fee_in: float, fee_out: float
) -> float:
    """The close price P at which a short's profit_ratio equals `ratio`.

    From ratio = L*((1 - P/E) - f_in - (P/E)*f_out), independent of quantity.
    """
    return entry * (1.0 - fee_in - ratio / leverage) / (1.0 + fee_out)


def floor_to_step(value: float, step: float) -> float:
    """Round down to a multiple of `step`, tolerating float noise just below it."""
    units = math.floor(value / step + 1e-9)
    return round(units * step, 12)


def ceil_to_step(value: float, step: float) -> float:
    """Round up to a multiple of `step`, tolerating float noise just above it."""
    if step <= 0.0:
        return value
    units = math.ceil(value / step - 1e-9)
    return round(units * step, 12)


def round_to_tick(price: float, tick: float) -> float:
    return round(round(price / tick) * tick, 12)
