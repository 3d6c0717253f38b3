"""The account side of a venue through ccxt: margin mode, leverage, positions held.

Every call goes through the venue's retrier: a start during a 429 storm waits its
turn instead of refusing to start, and a position check says when it cannot run.
"""

from __future__ import annotations

from typing import Any

from scalp_tui.execution.retry import Retrier


async def prepare(exchange: Any, retrier: Retrier, symbols: list[str], leverage: int) -> list[str]:
    """Isolated margin and leverage on every symbol; returns problems, if any."""
    import ccxt

    problems = []
    for symbol in symbols:
        try:
            await retrier.call(
                f"isolated margin on {symbol}",
                lambda s=symbol: exchange.set_margin_mode("isolated", s),
            )
        except ccxt.MarginModeAlreadySet:
            pass
        except Exception as exc:  # ccxt's errors, or retries exhausted
            if "-4046" not in str(exc):  # "No need to change margin type"
                problems.append(f"{symbol}: cannot set isolated margin: {exc}")
        try:
            await retrier.call(
                f"leverage on {symbol}", lambda s=symbol: exchange.set_leverage(leverage, s)
            )
        except Exception as exc:
            problems.append(f"{symbol}: cannot set leverage {leverage}: {exc}")
    return problems


async def held(exchange: Any, retrier: Retrier, symbols: list[str]) -> dict[str, float]:
    """Signed contracts the exchange holds per symbol (short < 0). Raises
    `RetriesExhausted` or a ccxt error when the venue cannot say."""
    rows = await retrier.call("position check", lambda: exchange.fetch_positions(symbols))
    found: dict[str, float] = {}
    for row in rows:
        contracts = float(row.get("contracts") or 0.0)
        if contracts:
            sign = -1.0 if (row.get("side") == "short" or contracts < 0) else 1.0
            found[row["symbol"]] = sign * abs(contracts)
    return found
