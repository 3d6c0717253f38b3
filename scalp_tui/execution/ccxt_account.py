"""The account side of a venue through ccxt: margin mode, leverage, position mode,
positions held.

Every call goes through the venue's retrier: a start during a 429 storm waits its
turn instead of refusing to start, and a position check says when it cannot run.
What differs per venue (parameters, "already set" answers) is in its traits.
"""

from __future__ import annotations

from typing import Any

from scalp_tui.execution.retry import Retrier
from scalp_tui.execution.venues import VenueTraits, contract_size, traits_for


async def prepare(
    exchange: Any,
    retrier: Retrier,
    symbols: list[str],
    leverage: int,
    traits: VenueTraits | None = None,
) -> list[str]:
    """Isolated margin and the leverage on every symbol, one-way positions where the
    venue has both modes; returns problems, if any."""
    traits = traits or traits_for(exchange.id)
    problems = []
    if traits.one_way_check and exchange.has.get("fetchPositionMode"):
        try:
            mode = await retrier.call(
                "position mode", lambda: exchange.fetch_position_mode(symbols[0])
            )
        except Exception as exc:  # ccxt's errors, or retries exhausted
            problems.append(f"cannot read the position mode: {type(exc).__name__}: {exc}")
        else:
            if mode.get("hedged"):
                problems.append(
                    f"the {exchange.id} account is in hedge (long/short) position mode: "
                    "switch it to one-way (net) mode"
                )
    for symbol in symbols:
        if traits.sets_margin_mode:
            try:
                await retrier.call(
                    f"isolated margin on {symbol}",
                    lambda s=symbol: exchange.set_margin_mode(
                        "isolated", s, traits.margin_params(leverage)
                    ),
                )
            except Exception as exc:  # ccxt's errors, or retries exhausted
                if not traits.already_set(exc):
                    problems.append(f"{symbol}: cannot set isolated margin: {exc}")
        if traits.sets_leverage:
            try:
                await retrier.call(
                    f"leverage on {symbol}",
                    lambda s=symbol: exchange.set_leverage(leverage, s, traits.leverage_params()),
                )
            except Exception as exc:
                if not traits.already_set(exc):
                    problems.append(f"{symbol}: cannot set leverage {leverage}: {exc}")
    return problems


async def held(exchange: Any, retrier: Retrier, symbols: list[str]) -> dict[str, float]:
    """Signed base units the exchange holds per symbol (short < 0), from its
    contracts. Raises `RetriesExhausted` or a ccxt error when the venue cannot say."""
    rows = await retrier.call("position check", lambda: exchange.fetch_positions(symbols))
    found: dict[str, float] = {}
    for row in rows:
        contracts = float(row.get("contracts") or 0.0)
        if not contracts:
            continue
        size = float(row.get("contractSize") or 0.0) or contract_size(
            exchange.market(row["symbol"])
        )
        sign = -1.0 if (row.get("side") == "short" or contracts < 0) else 1.0
        found[row["symbol"]] = found.get(row["symbol"], 0.0) + sign * abs(contracts) * size
    return found
