"""Where the recorded market data shared beside the project lives (never copied into
it): ../shared/data from the project root."""

from __future__ import annotations

from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
RECORDING_NAME = "binance-usdm-btcusdt-20240808.jsonl.gz"


def default_recording() -> Path:
    """5.7 minutes of Binance USD-M BTCUSDT as received (diffs, trades, a snapshot)."""
    return SHARED_DATA / RECORDING_NAME
