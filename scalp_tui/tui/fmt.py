"""Number formatting shared by the console's panes."""

from __future__ import annotations

import math


def price_decimals(tick: float) -> int:
    return max(0, -math.floor(math.log10(tick) + 1e-9))


def fmt_price(value: float | None, tick: float) -> str:
    return "-" if value is None else f"{value:,.{price_decimals(tick)}f}"


def fmt_qty(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:,.1f}"
    return f"{value:.3f}"


def fmt_ratio(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:+.{digits}f}"


def fmt_bps(value: float | None) -> str:
    """A price ratio in basis points (0.0005 -> '5.0bp')."""
    return "-" if value is None else f"{value * 10_000:.2f}bp"


def fmt_countdown(ms: int) -> str:
    seconds = max(0, ms) // 1000
    return f"{seconds // 60:02d}:{seconds % 60:02d}"
