"""Bringing back what an earlier run left open: positions, their orders, the
kill-switch latch. Everything here runs before the session trades."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scalp_tui.engine.protocol import EngageKillSwitch
from scalp_tui.runtime.interface import StartError
from scalp_tui.runtime.session import SessionBase
from scalp_tui.store.journal import Journal

if TYPE_CHECKING:
    from scalp_tui.runtime.live_session import LiveSession


class RecoveryError(StartError):
    """The journal holds positions this start cannot manage: one line for the user."""


def restore(session: SessionBase, journal: Journal) -> list[str]:
    """Journal `session` from now on and restore this venue's open positions.

    Returns notes for the user (what came back, what is kept for another venue).
    """
    engine = session.engine
    state = journal.saved_state()
    unmanaged = sorted({p.broker for p in state.positions} - set(engine.brokers))
    if unmanaged:
        ids = ", ".join(f"#{p.id} {p.symbol}" for p in state.positions if p.broker in unmanaged)
        raise RecoveryError(
            f"the journal holds {'/'.join(unmanaged)} positions on {journal.venue} ({ids}) "
            "that this start cannot manage: set the API credentials so they can be "
            "reconciled with the exchange"
        )
    live = getattr(session, "live", None)
    if live is not None:
        # the journal's client ids: a restart finds its orders at the venue by them,
        # and another journal on the same account never uses them
        live.use_client_tag(journal.client_tag)
    session.subscribe(journal)
    journal.bind(engine)
    journal.on_failure = engine.pause_entries
    restored = engine.restore(state.positions, state.orders, state.next_id)
    notes = [
        f"{n} open position{'s' if n > 1 else ''} on {venue} kept in the journal: start on "
        f"{venue} to manage {'them' if n > 1 else 'it'} (scalp-tui trades --open lists them)"
        for venue, n in sorted(state.elsewhere.items())
    ]
    if restored:
        listed = ", ".join(
            f"#{r.position.id} {r.position.symbol} {r.position.qty:g} ({r.detail})"
            for r in restored
        )
        notes.append(f"restored {len(restored)} open position(s) from the journal: {listed}")
    return notes


def relatch(session: SessionBase, journal: Journal) -> list[str]:
    """Keep a kill switch latched by an earlier run latched; restored positions are
    flattened with the rest."""
    if not journal.kill_switch_latched():
        return []
    session.execute(EngageKillSwitch(source="the journal: latched before this start"))
    return [
        "the kill switch was engaged in an earlier run and stays latched: no entries "
        "until ctrl+r (or scalp-tui reset-kill-switch)"
    ]


def attach(session: SessionBase, journal: Journal) -> list[str]:
    """Restore and relatch for a session with no exchange to ask (simulated)."""
    return restore(session, journal) + relatch(session, journal)


async def attach_live(session: LiveSession, journal: Journal, open_orders: str) -> list[str]:
    """Restore, then agree with the exchange before anything trades, then relatch.
    If any of it fails, the session's connection is closed: it will not run."""
    try:
        notes = restore(session, journal)
        notes += await session.recover(open_orders)
        return notes + relatch(session, journal)
    except BaseException:
        await session.feed.close()
        raise


def symbols_to_restore(journal: Journal) -> list[str]:
    """Symbols of this venue's open positions: the session must watch them."""
    return sorted({p.symbol for p in journal.saved_state().positions})
