"""Terminal charts of trading results drawn with plotext: an equity curve, and a
price with the entries and exits on it.

Shared by the backtest's printed report and the console's charts screen, so both
draw the same figure from plain numbers (neither knows the other's types). Returns
the chart as text with ANSI colours; the caller prints it or hands it to a widget.
plotext keeps one global figure, so each chart clears it first; callers draw from
one thread at a time (the backtest's main thread, the console's event loop).
"""

from __future__ import annotations

from collections.abc import Sequence

Point = tuple[int, float]  # (epoch ms, value)

DEFAULT_THEME = "default"
ENTRY_MARKER = ("▼", "red")  # a short enters by selling
EXIT_MARKER = ("▲", "green")  # and exits by buying back


def _figure(
    title: str, xlabel: str, width: int, height: int, theme: str, fit_terminal: bool
) -> object:
    import plotext as plt

    # plotext shrinks a chart to the terminal it thinks it prints to; a widget's size
    # is already what fits (and under a test there is no terminal to ask)
    plt.terminal.limit(fit_terminal, fit_terminal)
    fig = plt.figure
    fig.clear()
    fig.theme(theme)  # set every time: a previous chart's theme would otherwise stay
    fig.plot_size(width, height)
    fig.title(title)
    fig.label(xlabel, "x")
    return fig


def equity_chart(
    curve: Sequence[float],
    width: int,
    height: int,
    *,
    first: int = 0,
    title: str = "equity (closed trades, quote currency)",
    theme: str = DEFAULT_THEME,
    fit_terminal: bool = True,
) -> str:
    """Cumulative pnl after each closed trade; x is the trade number, `first` that of
    curve[0] (0 = the start, before any trade).

    plotext 6 draws only the signals handed to `draw`, so each one is."""
    fig = _figure(title, "trades closed", width, height, theme, fit_terminal)
    xs = list(range(first, first + len(curve)))
    fig.draw(fig.signal(xs, list(curve), marker="braille").lines())  # type: ignore[attr-defined]
    return fig.build().string()  # type: ignore[attr-defined]


def price_chart(
    title: str,
    prices: Sequence[Point],
    entries: Sequence[Point],
    exits: Sequence[Point],
    width: int,
    height: int,
    *,
    theme: str = DEFAULT_THEME,
    fit_terminal: bool = True,
    legend: bool = True,
) -> str | None:
    """The sampled price as a line, entries as red ▼ and exits as green ▲; x in
    minutes from the first sample. None with fewer than two samples (no line).

    Markers before the first sample are left out: they would stretch the x axis over
    a stretch with no price drawn (the console keeps only the latest samples).
    `legend=False` leaves out plotext's legend box, which covers the top-left of the
    chart and, on a short one, overflows it (the caller explains the markers)."""
    import plotext as plt

    if len(prices) < 2:
        return None
    t0 = prices[0][0]

    def minutes(ms: int) -> float:
        return (ms - t0) / 60_000

    fig = _figure(title, "minutes", width, height, theme, fit_terminal)
    xs, ys = [minutes(t) for t, _ in prices], [p for _, p in prices]
    fig.draw(fig.signal(xs, ys, marker="braille").lines())  # type: ignore[attr-defined]
    for points, (symbol, colour), label in (
        (entries, ENTRY_MARKER, "entry short"),
        (exits, EXIT_MARKER, "exit"),
    ):
        shown = [(t, p) for t, p in points if t >= t0]
        if shown:
            signal = fig.signal(  # type: ignore[attr-defined]
                [minutes(t) for t, _ in shown],
                [p for _, p in shown],
                marker=plt.marker(symbol, colour),
            )
            fig.draw(signal.label(label) if legend else signal)  # type: ignore[attr-defined]
    return fig.build().string()  # type: ignore[attr-defined]
