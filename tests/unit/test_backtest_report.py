"""Backtest totals, checked against figures worked out by hand."""

import csv
import json

import pytest

from scalp_tui.backtest.report import (
    Trade,
    breakeven_win_rate,
    equity_curve,
    max_drawdown,
    short_profit_ratio,
    totals,
    write_trades,
)


def trade(pnl: float, reason: str = "short_scalp_profit_target", fees: float = 0.1) -> Trade:
    return Trade("rec", 1, "BTC/USDT:USDT", 0, 1000, 100.0, 99.0, 1.0, reason, 0.0, pnl, fees)


# equity after each: 0 -> 2 -> 1 -> 4 -> 0.5 -> 1.5 -> -1.5
PNLS = [2.0, -1.0, 3.0, -3.5, 1.0, -3.0]


def test_equity_curve_starts_at_zero_and_adds_each_pnl() -> None:
    assert equity_curve([trade(p) for p in PNLS]) == pytest.approx([0, 2, 1, 4, 0.5, 1.5, -1.5])


def test_max_drawdown_is_the_deepest_fall_below_the_running_peak() -> None:
    # peak 4 after the third trade, lowest after it -1.5: 5.5
    assert max_drawdown([trade(p) for p in PNLS]) == pytest.approx(5.5)
    # a first losing trade is already a drawdown from the starting 0
    assert max_drawdown([trade(-1.0), trade(0.5)]) == pytest.approx(1.0)
    assert max_drawdown([trade(1.0), trade(2.0)]) == 0.0
    assert max_drawdown([]) == 0.0


def test_totals_of_a_hand_built_list() -> None:
    trades = [
        trade(p, "short_scalp_stop_loss" if p < 0 else "short_scalp_profit_target") for p in PNLS
    ]
    t = totals(trades, breakeven=0.7, recorded_s=60.0, wall_s=0.5)
    assert t.trades == 6
    assert t.wins == 3
    assert t.win_rate == pytest.approx(0.5)
    assert t.pnl == pytest.approx(-1.5)
    assert t.fees == pytest.approx(0.6)
    assert t.expectancy == pytest.approx(-0.25)  # mean pnl per trade
    assert t.max_drawdown == pytest.approx(5.5)
    assert t.exits == {"short_scalp_profit_target": 3, "short_scalp_stop_loss": 3}
    assert (t.breakeven_win_rate, t.recorded_s, t.wall_s) == (0.7, 60.0, 0.5)


def test_totals_of_no_trades_are_zero_not_an_error() -> None:
    t = totals([], breakeven=0.7)
    assert (t.trades, t.win_rate, t.expectancy, t.max_drawdown, t.exits) == (0, 0.0, 0.0, 0.0, {})


def test_breakeven_win_rate_solves_p_win_equals_one_minus_p_loss() -> None:
    # defaults: target 0.005 + buffer 0.001 = 0.006 won, 0.015 lost (ratios of margin)
    p = breakeven_win_rate(0.005, 0.001, 0.015)
    assert p == pytest.approx(0.015 / 0.021)
    assert p * 0.006 - (1 - p) * 0.015 == pytest.approx(0.0)
    assert breakeven_win_rate(0.01, 0.0, 0.01) == pytest.approx(0.5)


def test_profit_ratio_is_freqtrades_for_a_short() -> None:
    # short 2 @ 100, close 99, fees 0.0005 in and out, 3x:
    # pnl = 2*1 - 200*0.0005 - 198*0.0005 = 1.801; open value net of entry fee 199.9
    pnl = 2 * 1 - 200 * 0.0005 - 198 * 0.0005
    assert short_profit_ratio(pnl, 2.0, 100.0, 0.1, 3.0) == pytest.approx(1.801 * 3 / 199.9)


def test_trades_written_as_csv_or_json_lines(tmp_path) -> None:
    trades = [trade(1.0), trade(-0.5, "short_scalp_timeout")]
    write_trades(tmp_path / "t.csv", trades)
    rows = list(csv.DictReader((tmp_path / "t.csv").open()))
    assert [r["reason"] for r in rows] == ["short_scalp_profit_target", "short_scalp_timeout"]
    assert float(rows[1]["pnl"]) == -0.5
    write_trades(tmp_path / "t.jsonl", trades)
    lines = [json.loads(x) for x in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert lines[0]["entry_price"] == 100.0 and lines[1]["reason"] == "short_scalp_timeout"
