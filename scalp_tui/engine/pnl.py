"""Money maths for shorts, in freqtrade's futures meaning. One place, tested by numbers."""

from __future__ import annotations

import math


def short_pnl(
    qty: float, entry: float, close: float, fee_in: float, fee_out: float, funding: float = 0.0
) -> float:
    """pnl = q*(E - P) - q*E*f_in - q*P*f_out - funding (funding fees paid while open,
    quote currency; negative when the position received funding)."""
    return qty * (entry - close) - qty * entry * fee_in - qty * close * fee_out - funding


def margin(qty: float, entry: float, leverage: float, fee_in: float = 0.0) -> float:
    """The ratio's denominator: the entry value net of the entry fee, over leverage
    (freqtrade's open_trade_value / leverage for a short)."""
    return qty * entry * (1.0 - fee_in) / leverage


def profit_ratio(
    qty: float,
    entry: float,
    close: float,
    leverage: float,
    fee_in: float,
    fee_out: float,
    funding: float = 0.0,
) -> float:
    """pnl / (q*E*(1 - f_in) / L): freqtrade's `calc_profit_ratio` for a short, exactly
    (its `(1 - close_trade_value / open_trade_value) * leverage`, unrounded)."""
    return short_pnl(qty, entry, close, fee_in, fee_out, funding) / margin(
        qty, entry, leverage, fee_in
    )


def close_price_for_ratio(
    entry: float,
    ratio: float,
    leverage: float,
    fee_in: float,
    fee_out: float,
    funding_per_qty: float = 0.0,
) -> float:
    """The close price P at which a short's profit_ratio equals `ratio`.

    From ratio = L*(E*(1 - f_in) - P*(1 + f_out) - F/q) / (E*(1 - f_in)): independent of
    the quantity while no funding was paid (F = 0).
    """
    return (entry * (1.0 - fee_in) * (1.0 - ratio / leverage) - funding_per_qty) / (1.0 + fee_out)


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
