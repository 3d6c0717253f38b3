"""One honest entries state for the whole engine: what blocks every entry, if anything."""

from rig import BTC, make_rig

from scalp_tui.engine.protocol import (
    EngageKillSwitch,
    FeedState,
    FeedStatus,
    ResetKillSwitch,
    SetEntriesEnabled,
)


def blocked(rig) -> str:
    return rig.engine.snapshot(depth=0).entries_blocked


def test_entries_are_on_until_something_blocks_them() -> None:
    rig = make_rig((BTC,))
    rig.balanced(BTC, 60_000.0)
    assert blocked(rig) == ""
    rig.engine.execute(SetEntriesEnabled(False))
    assert blocked(rig) == "paused"
    rig.engine.execute(SetEntriesEnabled(True))
    rig.engine.on_feed_status(FeedStatus(FeedState.DOWN, detail="connection lost"))
    assert blocked(rig) == "feed down"
    rig.engine.on_feed_status(FeedStatus(FeedState.LIVE))
    rig.engine.execute(EngageKillSwitch("test"))
    assert blocked(rig) == "kill switch"


def test_a_journal_failure_says_journal_until_the_user_resumes() -> None:
    rig = make_rig((BTC,))
    rig.engine.pause_entries("journal write failed (database or disk is full)")
    assert blocked(rig) == "journal"
    rig.engine.execute(SetEntriesEnabled(True))
    assert blocked(rig) == ""


def test_the_loss_limit_blocks_and_a_kill_reset_does_not_claim_otherwise() -> None:
    rig = make_rig((BTC,), max_daily_loss=1.0)
    rig.ask_heavy(BTC)
    rig.balanced(BTC, 60_300.0)  # stop loss: about -1.65 realised
    snap = rig.engine.snapshot(depth=0)
    assert snap.entries_blocked == "loss limit"
    assert snap.max_daily_loss == 1.0
    rig.engine.execute(EngageKillSwitch("test"))
    result = rig.engine.execute(ResetKillSwitch())
    assert result.ok
    assert result.message == "kill switch reset; entries still blocked: loss limit"


def test_a_kill_reset_with_nothing_else_blocking_says_entries_are_enabled() -> None:
    rig = make_rig((BTC,))
    rig.engine.execute(EngageKillSwitch("test"))
    assert rig.engine.execute(ResetKillSwitch()).message == "kill switch reset; entries enabled"
