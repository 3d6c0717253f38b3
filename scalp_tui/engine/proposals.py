"""Proposals (confirm mode): a passing entry waits for the trader's accept or reject
until it expires; accepting re-checks the gates and the price first."""

from __future__ import annotations

from dataclasses import replace

from scalp_tui.engine.order_desk import OrderDesk
from scalp_tui.engine.protocol import (
    ENTRY_TAG,
    MANUAL_TAG,
    AcceptProposal,
    CommandResult,
    ProposalCreated,
    ProposalResolved,
    ProposalView,
    ProposeManualEntry,
    RejectProposal,
)


class Proposals(OrderDesk):
    def _propose(self, symbol: str, price: float, qty: float, tag: str = ENTRY_TAG) -> None:
        now = self.human_clock.now_ms()
        proposal = ProposalView(
            id=self._new_id(),
            symbol=symbol,
            price=price,
            qty=qty,
            # a manual entry has no rule behind it: nothing to re-check or withdraw on
            conditions=self._conditions(symbol) if tag == ENTRY_TAG else (),
            created_ms=now,
            expires_ms=now + int(self.params.confirm_timeout_s * 1000),
            enter_tag=tag,
        )
        self.proposals[proposal.id] = proposal
        self._busy[symbol] = "proposal"
        self._emit(ProposalCreated(self.clock.now_ms(), proposal))

    def _propose_manual(self, cmd: ProposeManualEntry) -> CommandResult:
        """The trader's own short on a symbol: the engine gates, then a proposal."""
        if cmd.symbol not in self.books:
            return CommandResult(False, f"{cmd.symbol} is not watched")
        gate = self._gate(cmd.symbol)
        if gate is not None:
            return CommandResult(False, f"manual entry refused: {gate[1]}")
        price = self.books[cmd.symbol].best_bid
        qty = self._entry_qty(cmd.symbol, price)
        if price is None or qty is None:
            return CommandResult(False, "manual entry refused: no bid or no valid size")
        self._propose(cmd.symbol, price, qty, MANUAL_TAG)
        return CommandResult(True, f"manual entry proposed on {cmd.symbol}")

    def _recheck_proposals(self, symbol: str | None = None) -> None:
        """Re-evaluate the conditions of the pending proposals (of `symbol`, or all):
        one whose conditions stopped holding is marked, and withdrawn once they have
        not held for `confirm_grace_s` (a brief flicker does not cost the trader it)."""
        now = self.human_clock.now_ms()
        grace_ms = int(self.params.confirm_grace_s * 1000)
        for proposal in list(self.proposals.values()):
            if (symbol is not None and proposal.symbol != symbol) or not proposal.conditions:
                continue  # another symbol's, or a manual one (no rule to re-check)
            conditions = self._conditions(proposal.symbol)
            if all(c.passed for c in conditions):
                failing_since = None
            elif proposal.failing_since_ms is None:
                failing_since = now
            else:
                failing_since = proposal.failing_since_ms
            updated = replace(
                proposal,
                conditions=conditions,
                failing_since_ms=failing_since,
                withdraw_ms=None if failing_since is None else failing_since + grace_ms,
            )
            self.proposals[proposal.id] = updated
            if updated.withdraw_ms is not None and now >= updated.withdraw_ms:
                failing = ", ".join(c.name for c in conditions if not c.passed)
                self._resolve_proposal(
                    updated, "withdrawn", f"conditions no longer hold: {failing}"
                )

    def _accept(self, cmd: AcceptProposal) -> CommandResult:
        proposal = self.proposals.get(cmd.proposal_id)
        if proposal is None:
            return CommandResult(False, f"proposal {cmd.proposal_id} is no longer pending")
        if self.human_clock.now_ms() >= proposal.expires_ms:
            self._resolve_proposal(proposal, "expired", "no decision in time")
            return CommandResult(False, "proposal expired")
        # what the trader accepts must still hold now, not only when it was proposed
        failing = [c.name for c in self._conditions(proposal.symbol) if not c.passed]
        if failing and proposal.enter_tag == ENTRY_TAG:
            detail = f"conditions no longer hold: {', '.join(failing)}"
            self._resolve_proposal(proposal, "refused", detail)
            return CommandResult(False, f"refused: {detail}")
        gate = self._gate(proposal.symbol, ignore_busy=True)
        if gate is not None:
            self._resolve_proposal(proposal, "refused", gate[1])
            return CommandResult(False, f"refused: {gate[1]}")
        bid = self.books[proposal.symbol].best_bid
        if bid is None:
            self._resolve_proposal(proposal, "refused", "no bid in the book")
            return CommandResult(False, "refused: no bid in the book")
        # A short sells: a lower bid than proposed is movement against us.
        moved = (proposal.price - bid) / proposal.price
        if moved > self.params.max_slippage:
            detail = (
                f"price moved {moved:.4%} against the entry (bid {bid:g} vs proposed "
                f"{proposal.price:g}; max {self.params.max_slippage:.4%})"
            )
            self._resolve_proposal(proposal, "refused", detail)
            return CommandResult(False, f"refused: {detail}")
        self._resolve_proposal(proposal, "accepted", f"at bid {bid:g}")
        self._submit_entry(proposal.symbol, proposal.qty, proposal.enter_tag)
        return CommandResult(True, f"entry submitted on {proposal.symbol}")

    def _reject(self, cmd: RejectProposal) -> CommandResult:
        proposal = self.proposals.get(cmd.proposal_id)
        if proposal is None:
            return CommandResult(False, f"proposal {cmd.proposal_id} is no longer pending")
        self._resolve_proposal(proposal, "rejected", "by the user")
        return CommandResult(True, "proposal rejected")

    def _resolve_proposal(self, proposal: ProposalView, outcome: str, detail: str) -> None:
        del self.proposals[proposal.id]
        if outcome in ("rejected", "expired", "refused", "withdrawn"):
            cooldown_ms = int(self.params.proposal_cooldown_s * 1000)
            self._cooldown_until[proposal.symbol] = self.clock.now_ms() + cooldown_ms
        if self._busy.get(proposal.symbol) == "proposal":
            del self._busy[proposal.symbol]
        self._emit(
            ProposalResolved(self.clock.now_ms(), proposal.id, proposal.symbol, outcome, detail)
        )
