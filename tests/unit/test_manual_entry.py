"""Manual entry: the trader's own short passes the engine gates, becomes a proposal
tagged "manual" that must be accepted, and the position keeps its tag in the journal."""

from rig import BTC, make_rig

from scalp_tui.engine.protocol import (
    MANUAL_TAG,
    AcceptProposal,
    EngageKillSwitch,
    PositionRecord,
    ProposalCreated,
    ProposeManualEntry,
)


def test_a_manual_entry_is_a_proposal_without_rule_conditions() -> None:
    rig = make_rig(mode="auto")
    rig.balanced(BTC, 60_000.0)  # no signal: the rule would not enter
    result = rig.engine.execute(ProposeManualEntry(BTC))
    assert result.ok, result.message
    (created,) = rig.of(ProposalCreated)
    proposal = created.proposal
    assert proposal.enter_tag == MANUAL_TAG and proposal.conditions == ()
    assert not rig.engine.positions  # nothing sent before the trader accepts, even in auto
    rig.advance(2_500)  # past confirm_grace_s: not withdrawn, no rule to stop holding
    assert proposal.id in rig.engine.proposals
    rig.balanced(BTC, 60_000.0)  # a fresh book
    assert rig.engine.execute(AcceptProposal(proposal.id)).ok
    (position,) = rig.engine.positions.values()
    assert position.enter_tag == MANUAL_TAG
    record = position.record()
    assert record.enter_tag == MANUAL_TAG
    fields = {f: getattr(record, f) for f in PositionRecord.__dataclass_fields__}
    assert PositionRecord.from_dict(fields).enter_tag == MANUAL_TAG  # restored as it was


def test_a_manual_entry_passes_the_same_gates() -> None:
    rig = make_rig(mode="confirm")
    rig.balanced(BTC, 60_000.0)
    rig.engine.execute(EngageKillSwitch("test"))
    result = rig.engine.execute(ProposeManualEntry(BTC))
    assert not result.ok and result.message.startswith("manual entry refused: kill switch")
    assert not rig.of(ProposalCreated)


def test_an_old_journal_record_without_a_tag_reads_as_the_rule() -> None:
    rig = make_rig(mode="auto")
    rig.ask_heavy(BTC)
    (position,) = rig.engine.positions.values()
    fields = {f: getattr(position.record(), f) for f in PositionRecord.__dataclass_fields__}
    del fields["enter_tag"]
    assert PositionRecord.from_dict(fields).enter_tag == "661"
