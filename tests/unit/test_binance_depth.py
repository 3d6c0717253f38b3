"""Binance USD-M's book sync rule as the live feed applies it to frames off the socket:
diffs held until a snapshot, the first one bridging it, then the `pu` chain."""

from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.protocol import Side
from scalp_tui.market.binance_depth import (
    DepthSync,
    Gap,
    StaleSnapshot,
    levels,
    parse_depth,
    trade_tick,
)

BTC = "BTC/USDT:USDT"
SNAPSHOT = {
    "lastUpdateId": 100,
    "bids": [["60000.0", "1.5"], ["59999.9", "2"]],
    "asks": [["60000.1", "0.5"], ["60000.2", "3"]],
}


def diff(first: int, final: int, prev: int, bids=(), asks=()) -> dict:
    frame = {"e": "depthUpdate", "E": 1_700_000_000_000, "s": "BTCUSDT"}
    frame |= {"U": first, "u": final, "pu": prev}
    return frame | {"b": [list(b) for b in bids], "a": [list(a) for a in asks]}


def built(updates) -> tuple:
    book = OrderBook(BTC)
    for update in updates:
        book.apply(update.bids, update.asks, update.ts_ms, update.snapshot)
    return book.bids.levels(5), book.asks.levels(5)


def test_held_diffs_older_than_the_snapshot_are_dropped_and_the_bridging_one_applied() -> None:
    sync = DepthSync(BTC)
    assert sync.on_diff(diff(90, 95, 89, bids=[("59999.0", "9")]), 1) == []  # held
    assert sync.on_diff(diff(96, 103, 95, bids=[("60000.0", "4")]), 2) == []
    updates = sync.on_snapshot(SNAPSHOT, 3)
    assert [u.snapshot for u in updates] == [True, False]
    assert [u.update_id for u in updates] == [100, 103]
    assert built(updates) == (
        ((60_000.0, 4.0), (59_999.9, 2.0)),  # 59999.0 was older than the snapshot
        ((60_000.1, 0.5), (60_000.2, 3.0)),
    )
    assert sync.live and sync.on_diff(diff(104, 106, 103, asks=[("60000.1", "0")]), 4)[0].asks == (
        (60_000.1, 0.0),
    )


def test_a_snapshot_with_no_newer_diff_is_the_book_at_once_and_the_next_diff_must_bridge() -> None:
    sync = DepthSync(BTC)
    [book] = sync.on_snapshot(SNAPSHOT, 1)
    assert book.snapshot and sync.live
    assert sync.on_diff(diff(95, 99, 94), 2) == []  # already in the snapshot
    assert sync.on_diff(diff(101, 104, 100), 3)[0].update_id == 104  # pu == lastUpdateId
    gap = sync.on_diff(diff(108, 110, 107), 4)
    assert isinstance(gap, Gap) and "pu 107 after u 104" in gap.reason
    assert not sync.live  # the book is wrong: nothing more until a new snapshot


def test_a_diff_that_does_not_bridge_the_snapshot_is_a_gap() -> None:
    sync = DepthSync(BTC)
    sync.on_snapshot(SNAPSHOT, 1)
    assert isinstance(sync.on_diff(diff(102, 104, 101), 2), Gap)


def test_a_snapshot_older_than_the_held_diffs_is_refused_and_they_stay_held() -> None:
    sync = DepthSync(BTC)
    sync.on_diff(diff(120, 125, 119), 1)
    stale = sync.on_snapshot(SNAPSHOT, 2)
    assert isinstance(stale, StaleSnapshot) and not sync.live
    newer = dict(SNAPSHOT, lastUpdateId=122)
    assert [u.update_id for u in sync.on_snapshot(newer, 3)] == [122, 125]


def test_a_gap_among_the_held_diffs_is_found_when_the_snapshot_arrives() -> None:
    sync = DepthSync(BTC)
    sync.on_diff(diff(99, 101, 98), 1)
    sync.on_diff(diff(105, 107, 104), 2)  # 102..104 lost
    assert isinstance(sync.on_snapshot(SNAPSHOT, 3), Gap)
    # the diff after the loss is held: a newer snapshot may be bridged by it
    assert not sync.live and [d["u"] for d in sync.pending] == [107]
    assert [u.update_id for u in sync.on_snapshot(dict(SNAPSHOT, lastUpdateId=106), 4)] == [
        106,
        107,
    ]


def test_a_trade_frame_is_a_tick_with_the_takers_side() -> None:
    frame = {"e": "trade", "E": 5, "T": 4, "s": "BTCUSDT", "t": 1, "p": "60000.5", "q": "0.012",
             "X": "MARKET", "m": True}  # fmt: skip
    tick = trade_tick(BTC, frame, 99)
    assert (tick.ts_ms, tick.price, tick.qty, tick.taker_side) == (4, 60_000.5, 0.012, Side.SELL)
    assert trade_tick(BTC, frame | {"m": False}, 99).taker_side is Side.BUY


REAL_DIFF = (  # a USD-M diff as Binance sends it (from the shared recording, shortened)
    '{"e":"depthUpdate","E":1723161256299,"T":1723161256298,"s":"BTCUSDT","U":5123107832006,'
    '"u":5123107837557,"pu":5123107831937,"b":[["58710.20","0.014"],["61510.90","0.000"]],'
    '"a":[["61800.40","1.250"]]}'
)


def test_a_diff_off_the_socket_is_parsed_to_numbers_as_a_replay_parses_it() -> None:
    import json

    fast = parse_depth(REAL_DIFF)
    assert fast is not None and fast["u"] == 5123107837557
    as_sent = json.loads(REAL_DIFF)
    assert levels(fast["b"]) == levels(as_sent["b"]) == ((58_710.2, 0.014), (61_510.9, 0.0))
    assert levels(fast["a"]) == ((61_800.4, 1.25),)
    # a number without its decimal point is left to the ordinary parse
    assert parse_depth(REAL_DIFF.replace('"0.014"', '"1"')) is None
