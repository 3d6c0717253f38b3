"""The kill switch: latch, drop proposals, cancel orders, flatten with retries, reset."""

from rig import BTC, ETH, SOL, make_rig

from scalp_tui.engine.protocol import (
    EngageKillSwitch,
    ExitReason,
    KillSwitchChanged,
    OrderStatus,
    PositionClosed,
    ProposalCreated,
    ProposalResolved,
    ResetKillSwitch,
)

SYMBOLS = (BTC, ETH, SOL)


def three_open():
    rig = make_rig(SYMBOLS)
    for symbol in SYMBOLS:
        rig.ask_heavy(symbol)
    assert len(rig.engine.positions) == 3
    return rig


def test_kill_flattens_every_position_even_when_one_close_is_rejected_first() -> None:
    rig = three_open()
    rig.paper.reject_next(ETH, "exchange busy")
    assert rig.engine.execute(EngageKillSwitch()).ok
    closed = {e.position.symbol for e in rig.of(PositionClosed)}
    assert closed == {BTC, SOL}
    assert rig.of(KillSwitchChanged)[-1].still_open == tuple(
        p.id for p in rig.engine.positions.values()
    )
    # backoff 0.5 s before the second attempt
    rig.advance(499)
    assert len(rig.engine.positions) == 1
    rig.advance(1)
    assert not rig.engine.positions
    assert {e.position.exit_reason for e in rig.of(PositionClosed)} == {ExitReason.KILL_SWITCH}
    final = rig.of(KillSwitchChanged)[-1]
    assert final.engaged and final.still_open == () and "flat" in final.detail
    assert rig.paper.net_position(ETH) == 0.0


def test_kill_gives_up_after_the_bounded_attempts_and_reports_what_is_open() -> None:
    rig = make_rig((BTC,), kill_switch_max_attempts=3)
    rig.ask_heavy(BTC)
    for _ in range(3):
        rig.paper.reject_next(BTC, "rejected")
    rig.engine.execute(EngageKillSwitch())
    rig.advance(500)  # attempt 2
    rig.advance(1000)  # attempt 3
    rig.advance(60_000)  # no attempt 4
    assert len(rig.engine.positions) == 1
    (position,) = rig.engine.positions.values()
    assert position.exit_attempts == 3
    assert rig.of(KillSwitchChanged)[-1].still_open == (position.id,)


def test_kill_latches_entries_off_until_an_explicit_reset() -> None:
    rig = make_rig((BTC,))
    rig.engine.execute(EngageKillSwitch())
    rig.ask_heavy(BTC)
    assert not rig.engine.positions
    assert rig.engine.signal_state(BTC).blocked_by == "kill_switch"
    assert rig.engine.execute(ResetKillSwitch()).ok
    rig.ask_heavy(BTC)
    assert len(rig.engine.positions) == 1


def test_kill_drops_pending_proposals() -> None:
    rig = make_rig((BTC, ETH), mode="confirm")
    rig.ask_heavy(BTC)
    rig.ask_heavy(ETH)
    assert len(rig.of(ProposalCreated)) == 2
    rig.engine.execute(EngageKillSwitch())
    assert [e.outcome for e in rig.of(ProposalResolved)] == ["dropped", "dropped"]
    assert not rig.engine.proposals


def test_kill_cancels_resting_orders() -> None:
    rig = make_rig((BTC,), entry_order_type="limit")
    rig.ask_heavy(BTC)  # a limit sell rests at the ask
    (order,) = rig.engine.orders.values()
    assert order.status is OrderStatus.ACCEPTED
    rig.engine.execute(EngageKillSwitch())
    assert not rig.engine.orders
    assert not rig.engine.positions
    assert not rig.paper.has_resting(BTC)
