"""Engine gates: what may block an entry even when the market conditions pass."""

from __future__ import annotations

from dataclasses import dataclass

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class RiskLimits:
    max_open_positions: int
    max_daily_loss: float  # quote currency, positive
    stale_after_ms: int


@dataclass(frozen=True, slots=True)
class GateInputs:
    killed: bool
    entries_enabled: bool
    symbol_busy: str | None  # "position" or "proposal" when the symbol is taken
    open_positions: int
    book_age_ms: int | None
    realised_pnl_today: float
    feed_live: bool
    divergence: str | None = None  # the venue and the journal disagree on what is held


def blocking_gate(limits: RiskLimits, g: GateInputs) -> tuple[str, str] | None:
    """The first gate that blocks an entry, as (name, human reason); None when clear."""
    if g.killed:
        return "kill_switch", "kill switch engaged: reset it to trade again"
    if not g.entries_enabled:
        return "paused", "entries paused"
    if g.divergence is not None:
        return "divergence", g.divergence
    if not g.feed_live:
        return "feed", "market feed is not live"
    if g.symbol_busy is not None:
        return "symbol_busy", f"an open {g.symbol_busy} on this symbol"
    if g.open_positions >= limits.max_open_positions:
        return (
            "max_positions",
            f"{g.open_positions} open positions (max {limits.max_open_positions})",
        )
    if g.book_age_ms is None or g.book_age_ms > limits.stale_after_ms:
        age = "no book" if g.book_age_ms is None else f"book is {g.book_age_ms} ms old"
        return "stale_book", f"{age} (max {limits.stale_after_ms} ms)"
    if g.realised_pnl_today <= -limits.max_daily_loss:
        return (
            "daily_loss",
            f"realised {g.realised_pnl_today:.2f} today (limit -{limits.max_daily_loss:g})",
        )
    return None


def entries_blocked(
    limits: RiskLimits,
    killed: bool,
    entries_enabled: bool,
    paused_by_journal: bool,
    feed_live: bool,
    realised_pnl_today: float,
) -> str:
    """What blocks every entry whatever the symbol, in the words the console shows
    after "BLOCKED: "; "" when entries may go (symbol gates may still hold one back)."""
    if killed:
        return "kill switch"
    if not entries_enabled:
        return "journal" if paused_by_journal else "paused"
    if not feed_live:
        return "feed down"
    if realised_pnl_today <= -limits.max_daily_loss:
        return "loss limit"
    return ""
