"""`scalp-tui trades` tables: every trade on one line under aligned columns, with the
totals the trader reads last."""

from __future__ import annotations

from scalp_tui.engine.protocol import PositionRecord, PositionState
from scalp_tui.store.history import render_open, render_trades
from scalp_tui.store.journal import OpenRow, TradeRow

CLOSED_MS = 1_764_700_000_000  # 2025-12-02 18:26:40 UTC


def trade(symbol: str, exit_price: float | None, pnl: float | None, reason: str) -> TradeRow:
    return TradeRow(symbol, "paper", 0.003, 60000.5, exit_price, 1, CLOSED_MS, reason, pnl, 0.18)


def test_closed_trades_are_one_aligned_line_each_with_totals() -> None:
    rows = [
        trade("BTC/USDT:USDT", 59800.0, 0.5912, "short_scalp_profit_target"),
        trade("ETH/USDT:USDT", 60900.0, -1.25, "short_scalp_stop_loss"),
    ]
    lines = render_trades(rows, "table").splitlines()
    header, body, total = lines[0], lines[2:4], lines[-1]
    assert header.split() == [
        "closed", "(UTC)", "symbol", "qty", "entry", "exit", "pnl", "fees", "reason", "broker",
    ]  # fmt: skip
    assert body[0].split() == [
        "2025-12-02", "18:26:40", "BTC/USDT:USDT", "0.003", "60000.5", "59800", "+0.5912",
        "0.1800", "short_scalp_profit_target", "paper",
    ]  # fmt: skip
    assert "-1.2500" in body[1] and "short_scalp_stop_loss" in body[1]
    # numbers are right-aligned under their heading, names left-aligned
    for column in ("pnl", "entry"):
        end = header.index(column) + len(column)
        assert all(line[end - 1] != " " and line[end : end + 1] in ("", " ") for line in body)
    assert body[0].index("short_scalp") == body[1].index("short_scalp") == header.index("reason")
    assert total == "total: 2 trades, pnl -0.6588, fees 0.3600, win rate 50%"


def test_a_trade_nobody_saw_end_shows_no_exit_price() -> None:
    row = trade("BTC/USDT:USDT", None, None, "reconciled")
    body = render_trades([row], "table").splitlines()[2]
    assert body.split()[5] == "-"  # not 0: the exchange closed it while we were away


def test_open_positions_table_and_total() -> None:
    record = PositionRecord(
        7, "BTC/USDT:USDT", "live", PositionState.OPEN, 0.004, 61000.0, 0.1, CLOSED_MS,
        None, None, None, None, 0.0, 0.0, 0.0,
    )  # fmt: skip
    lines = render_open([OpenRow("okx", record, CLOSED_MS)], "table").splitlines()
    assert lines[2].split() == [
        "7", "2025-12-02", "18:26:40", "okx", "BTC/USDT:USDT", "open", "0.004", "61000", "live",
    ]  # fmt: skip
    assert lines[-1] == "total: 1 open positions, notional 244.00"
