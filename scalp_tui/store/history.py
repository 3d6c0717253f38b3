"""Journaled trades as a table, CSV or JSON, with totals."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from datetime import UTC, datetime

from rich import box
from rich.console import Console
from rich.table import Table

from scalp_tui.store.journal import OpenRow, TradeRow

# numbers and names are never wrapped or cut: a table wider than the terminal scrolls
TABLE_WIDTH = 400


def _table(headers: list[tuple[str, str]], rows: list[list[str]]) -> Table:
    """A plain table: `headers` are (title, "left" | "right")."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for title, justify in headers:
        table.add_column(title, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*row)
    return table


def _text(table: Table, total: str) -> str:
    console = Console(file=io.StringIO(), width=TABLE_WIDTH, color_system=None, highlight=False)
    console.print(table)
    lines = [line.rstrip() for line in console.file.getvalue().splitlines()]  # type: ignore[attr-defined]
    return "\n".join([*lines, total])


def _utc(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def render_open(rows: list[OpenRow], fmt: str) -> str:
    """Open positions: what the next start on their venue restores."""
    fields = ["id", "venue", "symbol", "broker", "state", "qty", "entry_price", "opened_ms"]
    items = [
        {
            "id": r.record.id,
            "venue": r.venue,
            "symbol": r.record.symbol,
            "broker": r.record.broker,
            "state": r.record.state.value,
            "qty": r.record.qty,
            "entry_price": r.record.entry_price,
            "opened_ms": r.record.opened_ms,
        }
        for r in rows
    ]
    notional = sum(r.record.qty * r.record.entry_price for r in rows)
    if fmt == "json":
        return json.dumps(
            {"open": items, "totals": {"positions": len(rows), "notional": round(notional, 6)}}
        )
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(items)
        return out.getvalue().rstrip("\n")
    table = _table(
        [
            ("id", "right"),
            ("opened (UTC)", "left"),
            ("venue", "left"),
            ("symbol", "left"),
            ("state", "left"),
            ("qty", "right"),
            ("entry", "right"),
            ("broker", "left"),
        ],
        [
            [
                str(item["id"]),
                _utc(item["opened_ms"]),
                str(item["venue"]),
                str(item["symbol"]),
                str(item["state"]),
                f"{item['qty']:g}",
                f"{item['entry_price']:g}",
                str(item["broker"]),
            ]
            for item in items
        ],
    )
    return _text(table, f"total: {len(rows)} open positions, notional {notional:.2f}")


def totals(rows: list[TradeRow]) -> dict[str, float]:
    pnl = sum(r.pnl or 0.0 for r in rows)
    wins = sum((r.pnl or 0.0) > 0 for r in rows)
    return {
        "trades": len(rows),
        "pnl": round(pnl, 6),
        "fees": round(sum(r.fees or 0.0 for r in rows), 6),
        "win_rate": round(wins / len(rows), 4) if rows else 0.0,
    }


def render_trades(rows: list[TradeRow], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"trades": [asdict(r) for r in rows], "totals": totals(rows)})
    if fmt == "csv":
        out = io.StringIO()
        fields = list(TradeRow.__dataclass_fields__)
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))
        return out.getvalue().rstrip("\n")
    table = _table(
        [
            ("closed (UTC)", "left"),
            ("symbol", "left"),
            ("qty", "right"),
            ("entry", "right"),
            ("exit", "right"),
            ("pnl", "right"),
            ("fees", "right"),
            ("reason", "left"),
            ("broker", "left"),
        ],
        [
            [
                _utc(r.closed_ms),
                r.symbol,
                f"{r.qty:g}",
                f"{r.entry_price:g}",
                "-" if r.exit_price is None else f"{r.exit_price:g}",  # reconciled: unseen
                f"{(r.pnl or 0):+.4f}",
                f"{(r.fees or 0):.4f}",
                r.exit_reason or "-",
                r.broker,
            ]
            for r in rows
        ],
    )
    t = totals(rows)
    return _text(
        table,
        f"total: {t['trades']} trades, pnl {t['pnl']:+.4f}, fees {t['fees']:.4f}, "
        f"win rate {t['win_rate']:.0%}",
    )
