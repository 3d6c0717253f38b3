"""Terminal plots of a backtest (plotext): the equity curve, and each traded symbol's
price with the entries and exits on it. Drawn only for a person at a terminal; the
drawing itself is scalp_tui.charts, shared with the console's charts screen."""

from __future__ import annotations

from collections.abc import Sequence

from scalp_tui.backtest.report import Trade, equity_curve
from scalp_tui.charts import equity_chart, price_chart

HEIGHT = 16
WIDTH = 100
MAX_PRICE_PLOTS = 3


def equity_plot(trades: Sequence[Trade]) -> str:
    """Cumulative pnl after each closed trade (x: trade number, 0 = start)."""
    return equity_chart(equity_curve(trades), WIDTH, HEIGHT)


def price_plot(
    label: str, symbol: str, prices: Sequence[tuple[int, float]], trades: Sequence[Trade]
) -> str | None:
    """Mid price once a market second, entries as red ▼ (a short sells), exits as
    green ▲ (it buys back); x in minutes from the first sample."""
    mine = [t for t in trades if t.symbol == symbol]
    return price_chart(
        f"{symbol} mid price, {label}",
        prices,
        [(t.entry_ms, t.entry_price) for t in mine],
        [(t.exit_ms, t.exit_price) for t in mine],
        WIDTH,
        HEIGHT,
    )


def plots(
    trades: Sequence[Trade], prices: Sequence[tuple[str, dict[str, list[tuple[int, float]]]]]
) -> list[str]:
    """The equity curve, then the price of each symbol that traded (a few at most)."""
    out = [equity_plot(trades)]
    traded = {t.symbol for t in trades}
    for label, by_symbol in prices:
        for symbol, series in by_symbol.items():
            if symbol in traded and len(out) <= MAX_PRICE_PLOTS:
                chart = price_plot(label, symbol, series, [t for t in trades if t.source == label])
                if chart is not None:
                    out.append(chart)
    return out
