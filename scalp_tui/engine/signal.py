"""The short-scalp entry rule (tag 661), condition by condition.

`fires` is the hot-path check run on every book update; `evaluate` produces the
same verdict with every live value and threshold for display and proposals.
Both read the same `EntryRule`, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.candles import CandleBuilder
from scalp_tui.engine.protocol import ConditionResult


@dataclass(frozen=True, slots=True)
class EntryRule:
    enabled: bool  # short_entry_signal_params.short_entry_condition_661_enable
    min_spread: float  # spread must be below this
    min_volume: float  # last closed candle volume must be above this
    imbalance_threshold: float  # the windowed imbalance must be <= -this

    def fires(self, spread: float | None, volume: float | None, imbalance: float | None) -> bool:
        return (
            self.enabled
            and spread is not None
            and spread < self.min_spread
            and volume is not None
            and volume > self.min_volume
            and imbalance is not None
            and imbalance <= -self.imbalance_threshold
        )

    def could_fire(self, spread: float | None, volume: float | None) -> bool:
        """The conditions read without the imbalance: `fires` is false whenever this is."""
        return (
            self.enabled
            and spread is not None
            and spread < self.min_spread
            and volume is not None
            and volume > self.min_volume
        )

    def evaluate(
        self, book: OrderBook, candles: CandleBuilder, imbalance: float | None
    ) -> tuple[ConditionResult, ...]:
        """`imbalance` is the one the rule compares: the window's mean (see imbalance.py)."""
        spread = book.spread
        volume = candles.last_closed_volume
        return (
            ConditionResult(
                "enabled",
                1.0 if self.enabled else 0.0,
                1.0,
                "is",
                self.enabled,
                "condition 661 enabled",
            ),
            ConditionResult(
                "spread",
                spread,
                self.min_spread,
                "<",
                spread is not None and spread < self.min_spread,
                "spread < min_spread",
            ),
            ConditionResult(
                "volume",
                volume,
                self.min_volume,
                ">",
                volume is not None and volume > self.min_volume,
                "closed-candle volume > min_volume",
            ),
            ConditionResult(
                "imbalance",
                imbalance,
                -self.imbalance_threshold,
                "<=",
                imbalance is not None and imbalance <= -self.imbalance_threshold,
                "imbalance <= -threshold",
            ),
        )
