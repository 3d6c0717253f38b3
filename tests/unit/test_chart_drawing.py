"""The shared plotext charts, and the console's bounded history they are drawn from."""

import re
from types import SimpleNamespace

from scalp_tui.charts import equity_chart, price_chart
from scalp_tui.engine.protocol import (
    ExitReason,
    PositionClosed,
    PositionOpened,
    PositionState,
    PositionView,
)
from scalp_tui.tui.trade_history import TradeHistory

T0 = 1_723_161_600_000


def body(chart: str) -> str:
    """The chart below its title line (the console's title names the markers)."""
    return chart.split("\n", 1)[1]


def test_equity_chart_has_axes_and_the_requested_size() -> None:
    chart = equity_chart([0.0, 1.0, -0.5, 2.0], 60, 12, theme="colorless", fit_terminal=False)
    lines = re.sub(r"\x1b\[[0-9;]*m", "", chart).splitlines()
    assert len(lines) == 12 and max(len(line) for line in lines) == 60
    assert "┤" in chart and "└" in chart and "trades closed" in chart


def test_price_chart_marks_entries_and_exits_and_leaves_out_those_before_the_samples() -> None:
    prices = [(T0 + 1000 * k, 100.0 + k % 7) for k in range(120)]
    kw = {"theme": "colorless", "fit_terminal": False, "legend": False}
    chart = price_chart("p", prices, [(T0 + 10_000, 105.0)], [(T0 + 50_000, 101.0)], 70, 14, **kw)
    assert chart is not None and "▼" in body(chart) and "▲" in body(chart)
    early = price_chart("p", prices, [(T0 - 60_000, 105.0)], [], 70, 14, **kw)
    assert early is not None and "▼" not in early and "0.0" in early  # x still starts at 0
    assert price_chart("p", prices[:1], [], [], 70, 14) is None


def view(pid: int, state: PositionState, **kw) -> PositionView:
    fields = {
        "id": pid,
        "symbol": "BTC/USDT:USDT",
        "broker": "paper",
        "state": state,
        "qty": 0.01,
        "entry_price": 60_000.0,
        "opened_ms": T0 + 1000 * pid,
        "entry_fee": 0.1,
        "close_price": None,
        "profit_ratio": None,
        "pnl": None,
        "target_price": 59_900.0,
        "stop_price": 60_100.0,
        "timeout_ms": None,
    }
    return PositionView(**(fields | kw))


def snap(ts_ms: int, mid: float, positions=()) -> SimpleNamespace:
    symbol = SimpleNamespace(symbol="BTC/USDT:USDT", mid=mid)
    return SimpleNamespace(ts_ms=ts_ms, symbols=(symbol,), positions=tuple(positions))


def closed(pid: int, pnl: float) -> PositionClosed:
    return PositionClosed(
        T0 + 1000 * pid + 500,
        view(
            pid,
            PositionState.CLOSED,
            exit_reason=ExitReason.PROFIT_TARGET,
            exit_price=59_950.0,
            realised_pnl=pnl,
        ),
    )


def test_history_keeps_a_running_equity_and_bounded_rings() -> None:
    history = TradeHistory(max_samples=5, max_trades=3)
    for pid in range(1, 6):
        history.on_event(PositionOpened(T0 + 1000 * pid, view(pid, PositionState.OPEN)))
        history.on_event(closed(pid, 1.0 if pid % 2 else -0.5))
    history.sample(snap(T0, 1.0))
    # 5 trades: +1 -0.5 +1 -0.5 +1; the ring keeps the last 3 after the start point
    assert history.closed == 5
    assert history.equity_curve() == (2, [0.5, 1.5, 1.0, 2.0])
    assert len(history.entries) == len(history.exits) == 3
    for k in range(1, 10):
        history.sample(snap(T0 + 1000 * k, float(k)))
    history.sample(snap(T0 + 9000, 99.0))  # the clock did not move: not a new sample
    prices, entries, exits = history.price_series("BTC/USDT:USDT")
    assert [p for _, p in prices] == [5.0, 6.0, 7.0, 8.0, 9.0]
    assert entries[-1] == (T0 + 5000, 60_000.0) and exits[-1] == (T0 + 5500, 59_950.0)


def test_a_short_opened_before_the_console_listened_still_gets_its_entry() -> None:
    history = TradeHistory()
    early = view(7, PositionState.OPEN, opened_ms=T0)
    history.sample(snap(T0 + 1000, 1.0, [early]))
    history.sample(snap(T0 + 2000, 1.0, [early]))
    history.on_event(closed(8, 1.0))  # its PositionOpened was never seen either
    history.sample(snap(T0 + 3000, 1.0))
    assert [point for _, point in history.entries] == [(T0, 60_000.0), (T0 + 8000, 60_000.0)]
