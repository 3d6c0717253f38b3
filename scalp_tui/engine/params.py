"""The engine's parameters as plain values, read once from the settings."""

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

    @classmethod
    def from_settings(cls, s: Any) -> EngineParams:
        """Built from `scalp_tui.config.Settings` (duck-typed: the engine does not
        depend on the configuration layer)."""
        return cls(
            entry_enabled=s.short_entry_signal_params.short_entry_condition_661_enable,
            min_spread=s.short_scalp_min_spread,
            min_volume=s.short_scalp_min_volume,
            imbalance_threshold=s.short_scalp_imbalance_threshold,
            imbalance_window_s=s.short_scalp_imbalance_window_s,
            book_depth=s.short_scalp_book_depth,
            profit_target=s.short_scalp_profit_target,
            profit_buffer=s.short_scalp_profit_buffer,
            stop_loss=s.short_scalp_stop_loss,
            timeout_minutes=s.short_scalp_timeout,
            reversal_threshold=s.short_scalp_reversal_threshold,
            leverage=s.leverage,
            stake_amount=s.stake_amount,
            max_open_positions=s.max_open_positions,
            max_daily_loss=s.max_daily_loss,
            stale_after_ms=s.stale_after_ms,
            confirm_timeout_s=s.confirm_timeout_s,
            confirm_grace_s=s.confirm_grace_s,
            proposal_cooldown_s=s.proposal_cooldown_s,
            max_slippage=s.max_slippage,
            taker_fee=s.taker_fee,
            maker_fee=s.maker_fee,
            timeframe=s.timeframe,
            mode=s.mode,
            paper=s.paper,
            entry_order_type=s.entry_order_type,
            entry_limit_timeout_s=s.entry_limit_timeout_s,
            kill_switch_max_attempts=s.kill_switch_max_attempts,
            kill_switch_backoff_s=s.kill_switch_backoff_s,
            stoploss_on_exchange=s.stoploss_on_exchange,
        )
