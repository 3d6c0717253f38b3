"""A recording holding several symbols replays all of them, each with its own book and
candles (JSON lines and tardis.dev CSV); --symbol still picks one."""

import asyncio
import csv
import gzip
import json
from pathlib import Path

from scalp_tui.backtest.runner import run_backtest
from scalp_tui.backtest.sources import open_source
from scalp_tui.config import Settings
from scalp_tui.engine.protocol import BookUpdate, TradeTick
from scalp_tui.market.replay import ReplaySource
from scalp_tui.runtime.session import Session

S = 1_700_000_000_000_000_000  # ns
ETH, SOL = "ETH/USDT:USDT", "SOL/USDT:USDT"


def rec(ms: int, kind: str, symbol: str, **fields) -> dict:
    return {"t": S + ms * 1_000_000, "kind": kind, "symbol": symbol, **fields}


def two_symbol_jsonl(path: Path) -> Path:
    records = [
        rec(0, "snapshot", ETH, bids=[[2000.0, 1.5], [1999.9, 2]], asks=[[2000.1, 3]], update_id=1),
        rec(1, "snapshot", SOL, bids=[[150.0, 10]], asks=[[150.1, 20], [150.2, 5]], update_id=7),
        rec(2, "diff", ETH, bids=[[2000.0, 0]], asks=[[2000.2, 4]], update_id=2, prev_update_id=1),
        rec(3, "trade", SOL, price=150.1, size=2.5, side="buy"),
        rec(4, "diff", SOL, bids=[[150.05, 7]], asks=[], update_id=8, prev_update_id=7),
        rec(5, "trade", ETH, price=1999.9, size=0.4, side="sell"),
        # SOL's chain breaks; ETH's goes on untouched
        rec(6, "diff", SOL, bids=[[149.0, 1]], asks=[], update_id=10, prev_update_id=9),
        rec(7, "diff", ETH, bids=[[1999.8, 6]], asks=[], update_id=3, prev_update_id=2),
    ]
    with gzip.open(path, "wt") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    return path


def books(events) -> dict[str, tuple[dict, dict]]:
    """Each symbol's book from the updates, as plain dicts."""
    out: dict[str, tuple[dict, dict]] = {}
    for e in events:
        if type(e) is not BookUpdate:
            continue
        bids, asks = out.setdefault(e.symbol, ({}, {}))
        if e.snapshot:
            bids.clear()
            asks.clear()
        for side, levels in ((bids, e.bids), (asks, e.asks)):
            for p, q in levels:
                if q > 0:
                    side[p] = q
                else:
                    side.pop(p, None)
    return out


def test_a_two_symbol_json_lines_file_replays_both(tmp_path: Path) -> None:
    path = two_symbol_jsonl(tmp_path / "two.jsonl.gz")
    source = ReplaySource(path)
    assert source.symbols == [ETH, SOL]
    events = list(source.events())
    assert books(events) == {
        ETH: ({1999.9: 2.0, 1999.8: 6.0}, {2000.1: 3.0, 2000.2: 4.0}),
        SOL: ({150.0: 10.0, 150.05: 7.0}, {150.1: 20.0, 150.2: 5.0}),
    }
    trades = [(t.symbol, t.price) for t in events if type(t) is TradeTick]
    assert trades == [(SOL, 150.1), (ETH, 1999.9)]
    assert source.stats.gaps == 1 and list(source.stats.broken) == [SOL]

    # the engine trades both, each with its own book and candles
    session = Session.replay(Settings(), ReplaySource(path), speed=0)
    asyncio.run(session.run())
    engine = session.engine
    assert set(engine.books) == {ETH, SOL}
    assert (engine.books[ETH].best_bid, engine.books[ETH].best_ask) == (1999.9, 2000.1)
    assert (engine.books[SOL].best_bid, engine.books[SOL].best_ask) == (150.05, 150.1)
    assert engine.last_price == {SOL: 150.1, ETH: 1999.9}
    # each read off its own snapshot
    assert (engine.markets[ETH].lot_size, engine.markets[SOL].lot_size) == (0.1, 1.0)

    # --symbol picks one; the other is counted as skipped
    only = ReplaySource(path, "SOL/USDT:USDT")
    assert only.symbols == [SOL]
    assert {e.symbol for e in only.events() if type(e) in (BookUpdate, TradeTick)} == {SOL}
    assert "other symbols skipped: ETH/USDT:USDT" in only.dropped()

    result = run_backtest(open_source(str(path), Settings()))
    assert result.symbols == [ETH, SOL]


TARDIS_BOOK = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount"
TARDIS_TRADES = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"


def write_csv(path: Path, header: str, rows: list[list]) -> Path:
    with path.open("w", newline="") as f:
        f.write(header + "\n")
        csv.writer(f).writerows(rows)
    return path


def test_a_two_symbol_tardis_pair_replays_both(tmp_path: Path) -> None:
    def row(sym: str, us: int, snap: bool, side: str, price: float, amount: float) -> list:
        return ["binance-futures", sym, us, us, "true" if snap else "false", side, price, amount]

    book = write_csv(
        tmp_path / "book.csv",
        TARDIS_BOOK,
        [
            row("BTCUSDT", 1_000, True, "bid", 60000.0, 1),
            # ETH's snapshot rows come between BTC's: BTC's run goes on, uncleared
            row("ETHUSDT", 1_000, True, "bid", 3000.0, 5),
            row("ETHUSDT", 1_000, True, "ask", 3000.5, 6),
            row("BTCUSDT", 1_001, True, "ask", 60000.5, 2),
            row("BTCUSDT", 2_000, False, "bid", 60000.0, 0),
            row("BTCUSDT", 2_000, False, "bid", 59999.5, 3),
            row("ETHUSDT", 2_000, False, "ask", 3000.5, 7),
            row("ETHUSDT", 3_000, False, "bid", 3000.25, 1),
        ],
    )
    trades = write_csv(
        tmp_path / "trades.csv",
        TARDIS_TRADES,
        [
            ["binance-futures", "ETHUSDT", 1_500, 1_500, "1", "sell", 3000.0, 0.5],
            ["binance-futures", "BTCUSDT", 2_500, 2_500, "2", "buy", 60000.5, 0.1],
        ],
    )
    source = ReplaySource([book, trades])
    assert source.symbols == ["BTC/USDT:USDT", ETH]
    events = list(source.events())
    assert books(events) == {
        "BTC/USDT:USDT": ({59999.5: 3.0}, {60000.5: 2.0}),
        ETH: ({3000.0: 5.0, 3000.25: 1.0}, {3000.5: 7.0}),
    }
    assert [(type(e).__name__, e.symbol) for e in events if type(e) is TradeTick] == [
        ("TradeTick", ETH),
        ("TradeTick", "BTC/USDT:USDT"),
    ]
    assert [e.ts_ms for e in events] == sorted(e.ts_ms for e in events)
    assert ReplaySource([book, trades], "ETHUSDT").symbols == [ETH]
