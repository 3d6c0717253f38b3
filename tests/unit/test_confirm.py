"""Confirm mode: proposals, their expiry, accept, reject and the slippage refusal."""

from rig import BTC, T0, make_rig

from scalp_tui.engine.protocol import (
    AcceptProposal,
    Mode,
    ProposalCreated,
    ProposalResolved,
    RejectProposal,
    SetMode,
)


def proposed():
    rig = make_rig(mode="confirm")
    rig.ask_heavy(BTC)  # bid 60000.0
    (created,) = rig.of(ProposalCreated)
    return rig, created.proposal


def test_a_passing_signal_becomes_a_proposal_not_an_order() -> None:
    rig, proposal = proposed()
    assert proposal.symbol == BTC and proposal.price == 60_000.0 and proposal.qty == 0.005
    assert proposal.expires_ms == T0 + 10_000
    assert [c.name for c in proposal.conditions] == ["enabled", "spread", "volume", "imbalance"]
    assert not rig.engine.positions
    rig.ask_heavy(BTC)  # still passing: no second proposal for the same symbol
    assert len(rig.of(ProposalCreated)) == 1


def test_proposal_expires_after_confirm_timeout() -> None:
    rig, proposal = proposed()
    rig.advance(9_999)
    assert proposal.id in rig.engine.proposals
    rig.advance(1)
    (resolved,) = rig.of(ProposalResolved)
    assert resolved.outcome == "expired"
    assert not rig.engine.proposals
    assert not rig.engine.execute(AcceptProposal(proposal.id)).ok


def test_accept_enters_the_short() -> None:
    rig, proposal = proposed()
    result = rig.engine.execute(AcceptProposal(proposal.id))
    assert result.ok, result.message
    (position,) = rig.engine.positions.values()
    assert position.qty == 0.005 and position.entry_price == 60_000.0


def test_accept_within_max_slippage() -> None:
    rig, proposal = proposed()
    # bid 59880.1 is 0.19983% below 60000: inside max_slippage 0.2%
    rig.ask_heavy(BTC, 59_880.1)  # the conditions still hold
    assert rig.engine.execute(AcceptProposal(proposal.id)).ok
    assert len(rig.engine.positions) == 1


def test_accept_refused_past_max_slippage() -> None:
    rig, proposal = proposed()
    # bid 59879.9 is 0.20017% below 60000: past max_slippage 0.2%
    rig.ask_heavy(BTC, 59_879.9)  # the conditions still hold
    result = rig.engine.execute(AcceptProposal(proposal.id))
    assert not result.ok
    assert "moved" in result.message and "0.2000%" in result.message
    (resolved,) = rig.of(ProposalResolved)
    assert resolved.outcome == "refused"
    assert not rig.engine.positions


def test_price_moving_in_our_favour_is_not_slippage() -> None:
    rig, proposal = proposed()
    rig.ask_heavy(BTC, 60_500.0)  # the conditions still hold
    assert rig.engine.execute(AcceptProposal(proposal.id)).ok


def test_reject_drops_the_proposal_and_cools_the_symbol_down() -> None:
    rig, proposal = proposed()
    assert rig.engine.execute(RejectProposal(proposal.id)).ok
    assert rig.of(ProposalResolved)[0].outcome == "rejected"
    assert not rig.engine.proposals
    # the same market moment is not proposed again for proposal_cooldown_s (15 s)
    rig.clock.advance(14_999)
    rig.ask_heavy(BTC)
    assert len(rig.of(ProposalCreated)) == 1
    rig.clock.advance(1)
    rig.ask_heavy(BTC)
    assert len(rig.of(ProposalCreated)) == 2


def test_switching_to_auto_trades_the_next_signal_directly() -> None:
    rig, proposal = proposed()
    rig.engine.execute(RejectProposal(proposal.id))
    assert rig.engine.execute(SetMode(Mode.AUTO)).ok  # auto has no cooldown: nobody said no
    rig.ask_heavy(BTC)
    assert len(rig.engine.positions) == 1
    assert len(rig.of(ProposalCreated)) == 1
