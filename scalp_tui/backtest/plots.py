"""Terminal plots of a backtest (plotext): the equity curve, and each traded symbol's
price with the entries and exits on it. Drawn only for a person at a terminal."""

from __future__ import annotations

from collections.abc import Sequence

from scalp_tui.backtest.report import Trade, equity_curve

HEIGHT = 16
WIDTH = 100
MAX_PRICE_PLOTS = 3


def _figure(title: str, xlabel: str) -> object:
    import plotext as plt

    fig = plt.figure
    fig.clear()
    fig.plot_size(WIDTH, HEIGHT)
    fig.title(title)
    fig.label(xlabel, "x")
    return fig


def equity_plot(trades: Sequence[Trade]) -> str:
    """Cumulative pnl after each closed trade (x: trade number, 0 = start).

    plotext 6 draws only the signals handed to `draw`, so each one is."""
    fig = _figure("equity (closed trades, quote currency)", "trades closed")
    curve = equity_curve(trades)
    fig.draw(fig.signal(list(range(len(curve))), curve, marker="braille").lines())  # type: ignore[attr-defined]
    return fig.build().string()  # type: ignore[attr-defined]


def price_plot(
    label: str, symbol: str, prices: Sequence[tuple[int, float]], trades: Sequence[Trade]
) -> str | None:
    """Mid price once a market second, entries as red ▼ (a short sells), exits as
    green ▲ (it buys back); x in minutes from the first sample."""
    import plotext as plt

    if len(prices) < 2:
        return None
    t0 = prices[0][0]

    def minutes(ms: int) -> float:
        return (ms - t0) / 60_000

    fig = _figure(f"{symbol} mid price, {label}", "minutes")
    xs, ys = [minutes(t) for t, _ in prices], [p for _, p in prices]
    fig.draw(fig.signal(xs, ys, marker="braille").lines())  # type: ignore[attr-defined]
    mine = [t for t in trades if t.symbol == symbol]
    if mine:
        entries = fig.signal(  # type: ignore[attr-defined]
            [minutes(t.entry_ms) for t in mine],
            [t.entry_price for t in mine],
            marker=plt.marker("▼", "red"),
        )
        exits = fig.signal(  # type: ignore[attr-defined]
            [minutes(t.exit_ms) for t in mine],
            [t.exit_price for t in mine],
            marker=plt.marker("▲", "green"),
        )
        fig.draw(entries.label("entry short"))  # type: ignore[attr-defined]
        fig.draw(exits.label("exit"))  # type: ignore[attr-defined]
    return fig.build().string()  # type: ignore[attr-defined]


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
