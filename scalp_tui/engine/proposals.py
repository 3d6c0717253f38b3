"""Proposals (confirm mode): a passing entry waits for the trader's accept or reject
until it expires; accepting re-checks the gates and the price first."""

from __future__ import annotations

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
        now = self.clock.now_ms()
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
        self._emit(ProposalCreated(now, proposal))

    def _accept(self, cmd: AcceptProposal) -> CommandResult:
        proposal = self.proposals.get(cmd.proposal_id)
        if proposal is None:
            return CommandResult(False, f"proposal {cmd.proposal_id} is no longer pending")
        now = self.clock.now_ms()
        if now >= proposal.expires_ms:
            self._resolve_proposal(proposal, "expired", "no decision in time")
            return CommandResult(False, "proposal expired")
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
        if outcome in ("rejected", "expired", "refused"):
            cooldown_ms = int(self.params.proposal_cooldown_s * 1000)
            self._cooldown_until[proposal.symbol] = self.clock.now_ms() + cooldown_ms
        if self._busy.get(proposal.symbol) == "proposal":
            del self._busy[proposal.symbol]
        self._emit(
            ProposalResolved(self.clock.now_ms(), proposal.id, proposal.symbol, outcome, detail)
        )
