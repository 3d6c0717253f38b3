"""A proposal's conditions are re-evaluated on every book; one that stops holding is
withdrawn after confirm_grace_s; its countdown runs on the human clock."""

from rig import BTC, T0, make_rig

from scalp_tui.engine.clock import ManualClock
from scalp_tui.engine.protocol import AcceptProposal, ProposalCreated, ProposalResolved


def proposed(**params):
    rig = make_rig(mode="confirm", imbalance_window_s=0, **params)
    rig.ask_heavy(BTC)  # imbalance -0.5: every condition passes
    (created,) = rig.of(ProposalCreated)
    return rig, created.proposal.id


def test_conditions_are_re_evaluated_and_a_failing_one_is_marked() -> None:
    rig, pid = proposed(confirm_grace_s=2.0)
    rig.bid_heavy(BTC, 60_000.0)  # imbalance +0.5: the imbalance condition fails
    proposal = rig.engine.proposals[pid]
    assert not proposal.holding
    assert [c.name for c in proposal.conditions if not c.passed] == ["imbalance"]
    assert proposal.failing_since_ms == T0 and proposal.withdraw_ms == T0 + 2_000
    rig.ask_heavy(BTC)  # holds again within the grace: the mark clears
    proposal = rig.engine.proposals[pid]
    assert proposal.holding and proposal.withdraw_ms is None


def test_a_proposal_failing_for_the_grace_is_withdrawn() -> None:
    rig, pid = proposed(confirm_grace_s=2.0)
    rig.bid_heavy(BTC, 60_000.0)
    rig.advance(1_999)
    assert pid in rig.engine.proposals
    rig.advance(1)
    (resolved,) = rig.of(ProposalResolved)
    assert resolved.outcome == "withdrawn"
    assert resolved.detail == "conditions no longer hold: imbalance"


def test_accepting_while_the_conditions_fail_is_refused() -> None:
    rig, pid = proposed(confirm_grace_s=5.0)
    rig.bid_heavy(BTC, 60_000.0)
    result = rig.engine.execute(AcceptProposal(pid))
    assert not result.ok and result.message == "refused: conditions no longer hold: imbalance"
    assert not rig.engine.positions


def test_expiry_runs_on_the_human_clock_not_the_market_clock() -> None:
    rig = make_rig(mode="confirm")
    human = ManualClock(5_000)
    rig.engine.human_clock = human
    rig.ask_heavy(BTC)
    (created,) = rig.of(ProposalCreated)
    assert created.proposal.expires_ms == 15_000  # on the human clock
    rig.advance(60_000)  # a minute of market time, none of the trader's
    assert created.proposal.id in rig.engine.proposals
    human.advance(10_000)
    rig.engine.on_timer()
    assert rig.of(ProposalResolved)[0].outcome == "expired"
    assert rig.engine.snapshot(depth=0).human_now_ms == 15_000
