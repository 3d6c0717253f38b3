"""Figures derived from a position for the trader's eye: notional, the distance to the
target and the stop in price and in ticks, a liquidation estimate and the reversal
rule's state. Pure functions of a `PositionView`, so they are tested by numbers
without any frontend."""

from __future__ import annotations

from dataclasses import dataclass

from scalp_tui.engine.protocol import PositionView

# Used when the venue's maintenance margin rate is not known (the simulated market, an
# exchange without a figure here): the lowest tier of most majors' perpetuals is
# 0.4-0.5 %, so 0.5 % errs towards a liquidation price nearer the entry.
DEFAULT_MAINTENANCE_MARGIN_RATE = 0.005


def liquidation_price(entry: float, leverage: float, maintenance_rate: float) -> float:
    """Where an isolated short of `leverage` opened at `entry` is liquidated, by
    Binance USD-M's formula for one isolated position in one-way mode:

        LP = (WB + cum + q*E) / (q * (1 + MMR))     (side -1: a short)

    with the isolated wallet balance WB = q*E/L (the initial margin) and the
    maintenance amount cum = 0 in the first tier, which leaves
    LP = E * (1 + 1/L) / (1 + MMR), independent of the quantity. An estimate: fees,
    funding and margin added later move the venue's figure slightly."""
    if entry <= 0.0 or leverage <= 0.0:
        return 0.0
    return entry * (1.0 + 1.0 / leverage) / (1.0 + maintenance_rate)


def ticks_between(low: float, high: float, tick: float) -> float:
    """How many ticks `high` is above `low` (negative when below), to 0.1 tick."""
    if tick <= 0.0:
        return 0.0
    return round((high - low) / tick, 1)


@dataclass(frozen=True, slots=True)
class Distance:
    """A price move still needed from the buy-back price: in price, ticks and as a
    fraction of the buy-back price (a price move, not a profit ratio)."""

    price: float
    ticks: float
    ratio: float


@dataclass(frozen=True, slots=True)
class PositionFigures:
    notional: float | None  # what is held at the buy-back price, quote currency
    to_target: Distance | None  # negative: the target is below (a short's)
    to_stop: Distance | None  # positive: the stop is above
    reversal_armed: bool  # the reversal exit would fire now
    reversal_text: str  # e.g. "✗ +0.21/+0.30 ▲": windowed imbalance / threshold, candle


def _distance(close: float | None, level: float, tick: float) -> Distance | None:
    if not close or not level:
        return None
    return Distance(level - close, ticks_between(close, level, tick), (level - close) / close)


def reversal_state(view: PositionView) -> tuple[bool, str]:
    """Whether the reversal exit holds now and a short text of its two inputs: the
    windowed imbalance against the threshold, and ▲ when the last whole closed candle
    closed above the one before it (▽ when not)."""
    mean = view.reversal_imbalance
    rose = view.reversal_candle_rose
    armed = rose and mean is not None and mean >= view.reversal_threshold
    mean_text = "-" if mean is None else f"{mean:+.2f}"
    mark = "✓" if armed else "✗"
    candle = "▲" if rose else "▽"
    return armed, f"{mark} {mean_text}/{view.reversal_threshold:+.2f} {candle}"


def position_figures(view: PositionView, tick: float) -> PositionFigures:
    close = view.close_price
    armed, text = reversal_state(view)
    return PositionFigures(
        notional=view.qty * close if close else None,
        to_target=_distance(close, view.target_price, tick),
        to_stop=_distance(close, view.stop_price, tick),
        reversal_armed=armed,
        reversal_text=text,
    )
