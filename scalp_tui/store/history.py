"""Journaled trades as a table, CSV or JSON, with totals."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from datetime import UTC, datetime

from scalp_tui.store.journal import OpenRow, TradeRow


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
    lines = [
        f"{'id':>6}  {'opened (UTC)':<21}{'venue':<14}{'symbol':<15}{'state':<9}"
        f"{'qty':>9}{'entry':>12}  broker"
    ]
    for item in items:
        lines.append(
            f"{item['id']:>6}  {_utc(item['opened_ms']):<21}{item['venue']:<14}"
            f"{item['symbol']:<15}{item['state']:<9}{item['qty']:>9g}"
            f"{item['entry_price']:>12g}  {item['broker']}"
        )
    lines.append(f"total: {len(rows)} open positions, notional {notional:.2f}")
    return "\n".join(lines)


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
    lines = [
        f"{'closed (UTC)':<21}{'symbol':<15}{'qty':>9}{'entry':>12}{'exit':>12}"
        f"{'pnl':>10}{'fees':>8}  {'reason':<28}broker"
    ]
    for r in rows:
        closed = _utc(r.closed_ms)
        lines.append(
            f"{closed:<21}{r.symbol:<15}{r.qty:>9g}{r.entry_price:>12g}"
            f"{(r.exit_price or 0):>12g}{(r.pnl or 0):>+10.4f}{(r.fees or 0):>8.4f}  "
            f"{(r.exit_reason or '-'):<28}{r.broker}"
        )
    t = totals(rows)
    lines.append(
        f"total: {t['trades']} trades, pnl {t['pnl']:+.4f}, fees {t['fees']:.4f}, "
        f"win rate {t['win_rate']:.0%}"
    )
    return "\n".join(lines)
