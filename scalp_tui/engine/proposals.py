"""Proposals (confirm mode): a passing entry waits for the trader's accept or reject
until it expires; accepting re-checks the gates and the price first."""

from __future__ import annotations

from dataclasses import replace

from scalp_tui.engine.order_desk import OrderDesk
from scalp_tui.engine.protocol import (
    AcceptProposal,
    CommandResult,
    ProposalCreated,
    ProposalResolved,
    ProposalView,
    RejectProposal,
)


class Proposals(OrderDesk):
    def _propose(self, symbol: str, price: float, qty: float) -> None:
        now = self.human_clock.now_ms()
        proposal = ProposalView(
            id=self._new_id(),
            symbol=symbol,
            price=price,
            qty=qty,
            conditions=self._conditions(symbol),
            created_ms=now,
            expires_ms=now + int(self.params.confirm_timeout_s * 1000),
        )
        self.proposals[proposal.id] = proposal
        self._busy[symbol] = "proposal"
        self._emit(ProposalCreated(self.clock.now_ms(), proposal))

    def _recheck_proposals(self, symbol: str | None = None) -> None:
        """Re-evaluate the conditions of the pending proposals (of `symbol`, or all):
        one whose conditions stopped holding is marked, and withdrawn once they have
        not held for `confirm_grace_s` (a brief flicker does not cost the trader it)."""
        now = self.human_clock.now_ms()
        grace_ms = int(self.params.confirm_grace_s * 1000)
        for proposal in list(self.proposals.values()):
            if symbol is not None and proposal.symbol != symbol:
                continue
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
        if failing:
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
        self._submit_entry(proposal.symbol, proposal.qty)
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
