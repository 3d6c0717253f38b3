"""What a backtest found: its trades, their totals, and the ways to print them.

Everything here is pure arithmetic over closed trades, so the figures can be checked
by hand (tests/unit/test_backtest_report.py does) and are the same whichever process
or machine ran the backtest.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

END_OF_DATA = "end_of_data"  # a short still open when the recording ended, closed there


@dataclass(frozen=True, slots=True)
class Trade:
    source: str  # the recording it came from
    position_id: int
    symbol: str
    entry_ms: int  # first entry fill
    exit_ms: int  # last exit fill
    entry_price: float
    exit_price: float
    qty: float  # base units
    reason: str
    profit_ratio: float  # freqtrade's calc_profit_ratio for a short (net of fees)
    pnl: float  # quote currency, fees subtracted
    fees: float

    @property
    def win(self) -> bool:
        return self.pnl > 0.0


@dataclass(frozen=True, slots=True)
class Totals:
    trades: int
    wins: int
    win_rate: float
    pnl: float
    fees: float
    max_drawdown: float  # largest fall of closed-trade equity from its running peak
    expectancy: float  # mean pnl per trade
    breakeven_win_rate: float  # see `breakeven_win_rate`
    exits: dict[str, int] = field(default_factory=dict)
    recorded_s: float = 0.0
    wall_s: float = 0.0
    open_at_end: int = 0  # shorts the end-of-data close could not flatten


def short_profit_ratio(
    pnl: float, qty: float, entry: float, entry_fee: float, leverage: float
) -> float:
    """freqtrade's calc_profit_ratio for a short: pnl over the open trade value net of
    the entry fee, divided by leverage: `pnl / (q*E*(1 - f_in) / L)`."""
    open_value = qty * entry - entry_fee
    return pnl * leverage / open_value if open_value > 0.0 else 0.0


def breakeven_win_rate(target: float, buffer: float, stop: float) -> float:
    """The win rate at which the rules' own exits break even.

    A win exits at the target, profit ratio `W = target + buffer`; a loss at the stop,
    `L = stop`; both are ratios of the margin net of the entry and exit fees, so the
    fees are inside them. `p*W - (1 - p)*L = 0` gives `p = L / (W + L)`.
    """
    win, loss = target + buffer, stop
    return loss / (win + loss) if win + loss > 0.0 else 0.0


def equity_curve(trades: Iterable[Trade]) -> list[float]:
    """Cumulative pnl after each closed trade, starting from 0 before the first."""
    curve = [0.0]
    for trade in trades:
        curve.append(curve[-1] + trade.pnl)
    return curve


def max_drawdown(trades: Iterable[Trade]) -> float:
    """The largest fall of the closed-trade equity curve below its running peak (the
    curve starts at 0, so a first losing trade is already a drawdown). Positive."""
    peak = worst = 0.0
    for equity in equity_curve(trades):
        peak = max(peak, equity)
        worst = max(worst, peak - equity)
    return worst


def totals(
    trades: Sequence[Trade],
    breakeven: float,
    recorded_s: float = 0.0,
    wall_s: float = 0.0,
    open_at_end: int = 0,
) -> Totals:
    """The figures of a list of trades in the order they closed."""
    n = len(trades)
    wins = sum(1 for t in trades if t.win)
    pnl = sum(t.pnl for t in trades)
    return Totals(
        trades=n,
        wins=wins,
        win_rate=wins / n if n else 0.0,
        pnl=pnl,
        fees=sum(t.fees for t in trades),
        max_drawdown=max_drawdown(trades),
        expectancy=pnl / n if n else 0.0,
        breakeven_win_rate=breakeven,
        exits=dict(sorted(Counter(t.reason for t in trades).items())),
        recorded_s=recorded_s,
        wall_s=wall_s,
        open_at_end=open_at_end,
    )


# ----------------------------------------------------------------------- printing


def _time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def trade_lines(trades: Sequence[Trade]) -> list[str]:
    if not trades:
        return ["no trades"]
    lines = [
        f"{'#':>3} {'symbol':<14} {'entry (UTC)':<23} {'exit (UTC)':<23} {'entry':>11} "
        f"{'exit':>11} {'qty':>9} {'reason':<27} {'ratio':>8} {'pnl':>9} {'fees':>7}"
    ]
    for i, t in enumerate(trades, 1):
        lines.append(
            f"{i:>3} {t.symbol:<14} {_time(t.entry_ms):<23} {_time(t.exit_ms):<23} "
            f"{t.entry_price:>11g} {t.exit_price:>11g} {t.qty:>9g} {t.reason:<27} "
            f"{t.profit_ratio:>+8.4f} {t.pnl:>+9.4f} {t.fees:>7.4f}"
        )
    return lines


def totals_lines(t: Totals, stop: float, win: float) -> list[str]:
    exits = ", ".join(f"{k} {v}" for k, v in t.exits.items()) or "none"
    lines = [
        f"trades {t.trades}  wins {t.wins}  win rate {t.win_rate:.1%}  "
        f"(break-even {t.breakeven_win_rate:.1%} = stop / (target + buffer + stop) = "
        f"{stop:g} / ({win:g} + {stop:g}))",
        f"pnl {t.pnl:+.4f}  fees {t.fees:.4f}  expectancy {t.expectancy:+.4f} per trade  "
        f"max drawdown {t.max_drawdown:.4f}",
        f"exits: {exits}",
        f"recorded {t.recorded_s:.1f} s in {t.wall_s:.2f} s wall",
    ]
    if t.open_at_end:
        lines.append(f"{t.open_at_end} short(s) still open at the end: not in the totals")
    return lines


def totals_dict(t: Totals) -> dict[str, Any]:
    data = asdict(t)
    for key in ("win_rate", "pnl", "fees", "max_drawdown", "expectancy", "breakeven_win_rate"):
        data[key] = round(data[key], 8)
    data["recorded_s"] = round(t.recorded_s, 3)
    data["wall_s"] = round(t.wall_s, 3)
    return data


def trade_dict(t: Trade) -> dict[str, Any]:
    return asdict(t)


TRADE_FIELDS = [f.name for f in fields(Trade)]


def write_trades(path: Path, trades: Sequence[Trade]) -> None:
    """CSV with a header when the name ends in .csv, JSON lines otherwise."""
    with path.open("w", encoding="utf-8", newline="") as out:
        if path.suffix.lower() == ".csv":
            writer = csv.DictWriter(out, fieldnames=TRADE_FIELDS)
            writer.writeheader()
            for t in trades:
                writer.writerow(trade_dict(t))
        else:
            for t in trades:
                out.write(json.dumps(trade_dict(t)) + "\n")


def print_json(out: TextIO, data: dict[str, Any]) -> None:
    out.write(json.dumps(data, sort_keys=True) + "\n")
    out.flush()
