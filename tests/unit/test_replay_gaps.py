"""A gap in a Binance USD-M recording's depth diffs (`pu` not the previous `u`) breaks
the book as it does live: the feed resyncs (no entries) and the diffs wait for the next
REST snapshot in the file; with none, the book stays down to the end, and the replay
and the backtest say so. Recordings are cut from the real one in a tmp dir."""

import asyncio
import gzip
import json
from pathlib import Path

import pytest
from shared_data import default_recording

from scalp_tui.backtest.runner import run_backtest
from scalp_tui.backtest.sources import open_source
from scalp_tui.config import Settings
from scalp_tui.engine.book import OrderBook
from scalp_tui.engine.protocol import BookUpdate, FeedState, TradeTick
from scalp_tui.market.feed import StatusAt
from scalp_tui.market.replay import ReplaySource
from scalp_tui.runtime.session import Session

RECORDING = default_recording()
pytestmark = pytest.mark.skipif(
    not RECORDING.is_file(), reason=f"recording not found at {RECORDING}"
)
LINES = 12_000  # about 45 s of the recording, ~850 depth diffs
CUT_AT = 300  # the depth diff (counted from the snapshot) where frames go missing
CUT = 3  # depth frames dropped there
RESNAPSHOT_AFTER = 25  # diffs after the gap before the recorder's new snapshot


def head_lines() -> list[str]:
    with gzip.open(RECORDING, "rt") as stream:
        return [line for _, line in zip(range(LINES), stream, strict=False)]


def depth_lines(lines: list[str]) -> list[int]:
    """Indexes of the depth diff lines after the REST snapshot."""
    start = next(i for i, line in enumerate(lines) if '"lastUpdateId"' in line[:80])
    return [i for i, line in enumerate(lines) if i > start and "@depth" in line[:80]]


def write(path: Path, lines: list[str]) -> Path:
    with gzip.open(path, "wt") as f:
        f.writelines(lines)
    return path


def tops_by_update_id(source: ReplaySource) -> dict[int, tuple]:
    """The book's top 20 a side after each depth diff, by the diff's final update id."""
    book = OrderBook(source.symbol)
    tops = {}
    for event in source.events():
        if type(event) is BookUpdate:
            book.apply(event.bids, event.asks, event.ts_ms, event.snapshot)
            if not event.snapshot:
                tops[event.update_id] = (book.bids.levels(20), book.asks.levels(20))
    return tops


def test_a_gap_without_a_later_snapshot_leaves_the_book_down_and_says_so(
    tmp_path: Path,
) -> None:
    lines = head_lines()
    depth = depth_lines(lines)
    dropped = set(depth[CUT_AT : CUT_AT + CUT])
    cut = write(tmp_path / "cut.jsonl.gz", [x for i, x in enumerate(lines) if i not in dropped])
    after_gap = len(depth) - CUT_AT - CUT  # diffs recorded after the missing ones

    source = ReplaySource(cut)
    events = list(source.events())
    statuses = [i for i, e in enumerate(events) if type(e) is StatusAt]
    assert len(statuses) == 1  # said once
    gap = events[statuses[0]]
    assert gap.status.state is FeedState.RESYNCING and "depth gap" in gap.status.detail
    first_after = json.loads(lines[depth[CUT_AT + CUT]].partition(" ")[2])["data"]
    assert f"pu={first_after['pu']}" in gap.status.detail
    # no book update after the gap: the engine never sees a book the diffs can't build
    later = events[statuses[0] + 1 :]
    assert not [e for e in later if type(e) is BookUpdate]
    assert len([e for e in later if type(e) is TradeTick]) > 100  # trades go on
    applied = [e for e in events if type(e) is BookUpdate and not e.snapshot]
    last_before = json.loads(lines[depth[CUT_AT - 1]].partition(" ")[2])["data"]["u"]
    assert applied[-1].update_id == last_before
    assert source.stats.gaps == 1 and source.stats.dropped_in_gap == after_gap
    said = source.dropped()
    assert f"1 gap in the depth updates ({after_gap} diffs dropped" in said
    assert "stayed down (no entries) to the end" in said

    # the engine is told, as a live feed's resync tells it: entries are off to the end
    session = Session.replay(Settings(), ReplaySource(cut), speed=0)
    seen = []
    session.engine.on_feed_status = lambda s, f=session.engine.on_feed_status: (
        seen.append(s),
        f(s),
    )
    asyncio.run(session.run())
    assert [s.state for s in seen] == [FeedState.LIVE, FeedState.RESYNCING, FeedState.DOWN]
    assert "1 gap in the depth updates" in seen[-1].detail

    # and the backtest's report counts it
    result = run_backtest(open_source(str(cut), Settings()))
    assert any("1 gap in the depth updates" in note for note in result.notes)
    assert result.book_updates == 1 + len(applied)


def test_a_gap_resyncs_at_the_next_snapshot_into_the_uncut_book(tmp_path: Path) -> None:
    lines = head_lines()
    depth = depth_lines(lines)
    whole = write(tmp_path / "whole.jsonl.gz", lines)
    expected = tops_by_update_id(ReplaySource(whole))

    # the full book as of the diff where the recorder fetched a new snapshot
    resync_line = depth[CUT_AT + CUT + RESNAPSHOT_AFTER]
    resync_id = json.loads(lines[resync_line].partition(" ")[2])["data"]["u"]
    book = OrderBook("x")
    for event in ReplaySource(whole).events():
        if type(event) is BookUpdate:
            book.apply(event.bids, event.asks, event.ts_ms, event.snapshot)
            if event.update_id == resync_id:
                break
    snapshot = {
        "lastUpdateId": resync_id,
        "E": 0,
        "T": 0,
        "bids": [[repr(p), repr(q)] for p, q in book.bids.levels(10**6)],
        "asks": [[repr(p), repr(q)] for p, q in book.asks.levels(10**6)],
    }
    recv = int(lines[resync_line].partition(" ")[0]) + 1
    snapshot_line = f"{recv} {json.dumps(snapshot, separators=(',', ':'))}\n"
    dropped = set(depth[CUT_AT : CUT_AT + CUT])
    cut_lines = []
    for i, line in enumerate(lines):
        if i not in dropped:
            cut_lines.append(line)
        if i == resync_line:
            cut_lines.append(snapshot_line)
    source = ReplaySource(write(tmp_path / "cut.jsonl.gz", cut_lines))

    events = list(source.events())
    kinds = [
        (type(e).__name__, e.status.state if type(e) is StatusAt else None)
        for e in events
        if type(e) is StatusAt
    ]
    assert kinds == [("StatusAt", FeedState.RESYNCING), ("StatusAt", FeedState.LIVE)]
    gap_at = next(i for i, e in enumerate(events) if type(e) is StatusAt)
    resync_at = next(i for i, e in enumerate(events) if type(e) is BookUpdate and i > gap_at)
    assert events[resync_at].snapshot and events[resync_at].update_id == resync_id
    ours = tops_by_update_id(source)
    missing = {
        json.loads(lines[i].partition(" ")[2])["data"]["u"]
        for i in depth[CUT_AT : CUT_AT + CUT + RESNAPSHOT_AFTER]
    }
    # every diff before the gap and from the resync on gives the uncut book; none
    # between them was applied (the last held one is re-applied onto the snapshot
    # that holds it, which leaves it unchanged)
    assert set(ours) == (set(expected) - missing) | {resync_id}
    for update_id, levels in ours.items():
        assert levels == expected[update_id], f"book differs after update {update_id}"
    assert len(ours) > 800
    assert source.stats.gaps == 1 and source.stats.dropped_in_gap == RESNAPSHOT_AFTER
    assert source.dropped() == "1 gap in the depth updates (25 diffs dropped until a snapshot)"
