"""The update-id chain the recorder writes for venues whose books start from a REST
snapshot (Gate here): diffs that arrive before the snapshot are held and written
after it (those it covers skipped), stamped with its receive time; a diff that
breaks the chain is held until the next snapshot, so a replay never applies a diff
to a book it does not continue."""

import io
import json

from scalp_tui.engine.protocol import BookUpdate
from scalp_tui.market.readers import ReadStats, read_jsonl
from scalp_tui.market.record_formats import Markets
from scalp_tui.market.record_venues import GateFormat
from scalp_tui.market.recorder import RecordWriter

BTC = "BTC/USDT:USDT"


class FakeGate:
    def market(self, symbol):
        return {"id": "BTC_USDT", "symbol": symbol, "contractSize": 0.0001}


def diff(first: int, last: int, bid: tuple[str, int]) -> dict:
    result = {"t": 5, "s": "BTC_USDT", "U": first, "u": last,
              "b": [{"p": bid[0], "s": bid[1]}], "a": []}  # fmt: skip
    return {"channel": "futures.order_book_update", "event": "update", "result": result}


def snapshot(nonce: int | None) -> dict:
    return {"bids": [[100.0, 10.0]], "asks": [[100.1, 20.0]], "nonce": nonce, "timestamp": 7}


def rows(fmt: GateFormat, items) -> list[dict]:
    out = []
    for item in items:
        out += [json.loads(line) for _, line in fmt.lines(item)]
    return out


def test_diffs_before_the_snapshot_follow_it_and_a_gap_waits_for_the_next(tmp_path) -> None:
    fmt = GateFormat(Markets(FakeGate(), [BTC]))
    written = rows(
        fmt,
        [
            (1, "ws", None, diff(9, 10, ("99.9", 1))),  # covered by the snapshot (id 11)
            (2, "ws", None, diff(11, 12, ("99.8", 2))),  # straddles it: kept
            (3, "ws", None, diff(13, 13, ("99.7", 3))),
            (4, "snapshot", BTC, snapshot(11)),
            (5, "ws", None, diff(14, 14, ("99.6", 4))),
            (6, "ws", None, diff(17, 17, ("99.5", 5))),  # 15, 16 lost: held
            (7, "snapshot", BTC, snapshot(16)),  # ccxt's resync
            (8, "ws", None, diff(18, 18, ("99.4", 6))),
            (9, "book", BTC, snapshot(None)),  # the hour's copy of a book being resynced
        ],
    )
    chain = [(r["kind"], r["t"], r.get("update_id"), r.get("prev_update_id")) for r in written]
    assert chain == [
        ("snapshot", 4, 11, None),
        ("diff", 4, 12, 11),  # received before the snapshot: stamped with its time
        ("diff", 4, 13, 12),
        ("diff", 5, 14, 13),
        ("snapshot", 7, 16, None),
        ("diff", 7, 17, 16),
        ("diff", 8, 18, 17),
    ]
    assert written[1]["bids"] == [[99.8, 0.0002]]  # contracts x 0.0001 BTC

    path = tmp_path / "gate.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in written))
    stats = ReadStats()
    events = [e for _, e in read_jsonl(path, BTC, BTC, stats)]
    assert stats.gaps == 0 and stats.before_snapshot == 0
    assert [e.update_id for e in events if isinstance(e, BookUpdate)] == [
        11,
        12,
        13,
        14,
        16,
        17,
        18,
    ]


def test_a_message_in_an_unknown_shape_is_counted_and_the_recording_goes_on(tmp_path) -> None:
    err = io.StringIO()
    writer = RecordWriter(tmp_path, "gate", GateFormat(Markets(FakeGate(), [BTC])), err=err)
    writer.start()
    broken = diff(11, 12, ("99.8", 2))
    del broken["result"]["U"]  # no first update id: not a diff we can chain
    writer.offer((1, "snapshot", BTC, snapshot(10)))
    writer.offer((2, "ws", None, broken))
    writer.offer((3, "ws", None, diff(11, 11, ("99.7", 3))))
    summary = writer.close()
    assert (summary.written, summary.unreadable, summary.dropped) == (2, 1, 0)
    assert summary.line().endswith("1 files, 1 unreadable")
    assert "could not be read" in err.getvalue()
