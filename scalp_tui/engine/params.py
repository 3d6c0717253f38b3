"""The engine's parameters as plain values, read once from the settings.

The defaults here are the configuration's defaults too: each setting the engine
reads is declared in `scalp_tui.config` with the name of its field here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class EngineParams:
    entry_enabled: bool = True
    min_spread: float = 0.0005
    min_volume: float = 1000.0
    imbalance_threshold: float = 0.3
    imbalance_window_s: float = 10.0  # 0: the instantaneous imbalance
    book_depth: int = 10
    profit_target: float = 0.005
    profit_buffer: float = 0.001
    stop_loss: float = 0.015
    timeout_minutes: float = 15.0
    reversal_threshold: float = 0.3
    leverage: float = 3.0
    stake_amount: float = 100.0
    max_open_positions: int = 3
    max_daily_loss: float = 50.0
    stale_after_ms: int = 3000
    confirm_timeout_s: float = 10.0
    confirm_grace_s: float = 2.0
    proposal_cooldown_s: float = 15.0
    max_slippage: float = 0.002
    taker_fee: float = 0.0005
    maker_fee: float = 0.0002
    timeframe: str = "5m"
    mode: str = "confirm"
    paper: bool = True
    entry_order_type: str = "market"
    entry_limit_timeout_s: float = 30.0
    kill_switch_max_attempts: int = 5
    kill_switch_backoff_s: float = 0.5
    stoploss_on_exchange: bool = True
    # the maintenance margin rate of the liquidation estimate (None: unknown, a default
    # is used and said so); the runtime fills in the exchange's when it knows it
    maintenance_margin_rate: float | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> EngineParams:
        """From `scalp_tui.config.Settings`, which marks each setting the engine reads
        with its name here (duck-typed: the engine does not import the configuration)."""
        return cls(**settings.engine_values())
