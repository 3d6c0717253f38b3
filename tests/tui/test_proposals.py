"""Proposals wait in a pane, never a dialog: every key works while they are pending,
y/n answer the highlighted one, their conditions are re-evaluated live, and their
countdown runs on wall time whatever the market's speed."""

from console_rig import SIZE, advance, make_app, until, wait_for

from scalp_tui.config import load_config
from scalp_tui.engine.protocol import Mode, ProposalCreated, ProposalResolved
from scalp_tui.runtime.session import Session


def log_text(app) -> str:
    return app.log_pane.text()


async def pending(app, pilot, count: int = 1):
    await until(app, pilot, lambda: len(app.session.snapshot().proposals) >= count, step=0.25)
    app.sync_proposals()
    await pilot.pause()
    return app.proposal_pane.highlighted_proposal()


async def test_y_accepts_the_highlighted_proposal() -> None:
    app = make_app(symbols=["ETH/USDT:USDT"])
    async with app.run_test(size=SIZE) as pilot:
        proposal = await pending(app, pilot)
        assert app.proposal_pane.display
        assert f"accept #{proposal.id} ETH/USDT" in app.proposal_pane.render().plain
        await pilot.press("y")
        await pilot.pause()
        positions = app.session.snapshot().positions
        assert [p.symbol for p in positions] == [proposal.symbol]
        assert f"proposal #{proposal.id} accepted" in log_text(app)


async def test_n_rejects_and_up_down_move_between_queued_proposals() -> None:
    app = make_app(confirm_grace_s=60)
    async with app.run_test(size=SIZE) as pilot:
        await pending(app, pilot, count=3)
        pane = app.proposal_pane
        queued = [p.id for p in pane.proposals]
        assert len(queued) == 3 and pane.highlighted == queued[0]
        assert app.focused is pane  # it took the arrows when it appeared
        await pilot.press("down", "down")
        assert pane.highlighted == queued[2]
        assert "3 of 3" in pane.render().plain
        await pilot.press("n")
        await pilot.pause()
        assert f"proposal #{queued[2]} rejected (by the user)" in log_text(app)
        left = {p.id for p in app.session.snapshot().proposals}
        assert left == set(queued[:2])


async def test_every_key_works_while_proposals_are_pending() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pending(app, pilot)
        symbol = app.focus_symbol
        await pilot.press("a")
        await pilot.pause()
        assert app.session.snapshot().mode is Mode.AUTO
        await pilot.press("tab")
        assert app.focus_symbol != symbol
        await pilot.press("4")
        assert app.focused is app.positions
        await pilot.press("space")
        await pilot.pause()
        snap = app.session.snapshot()
        assert not snap.entries_enabled and not snap.proposals  # pausing drops them
        await pilot.press("ctrl+r")  # not killed: answered in the log, not dropped
        await pilot.press("q")  # nothing open: quits
        await pilot.pause()
        assert not app.is_running


async def test_the_kill_switch_drops_pending_proposals_from_the_pane() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pending(app, pilot)
        await pilot.press("ctrl+k")
        await pilot.pause()
        app.sync_proposals()
        await pilot.pause()
        assert not app.session.snapshot().proposals
        assert not app.proposal_pane.display


async def test_a_proposal_whose_conditions_fail_is_marked_then_withdrawn() -> None:
    app = make_app(symbols=["ETH/USDT:USDT"], confirm_grace_s=2, confirm_timeout_s=600)
    async with app.run_test(size=SIZE) as pilot:
        await pending(app, pilot)

        def failing():
            return [p for p in app.session.snapshot().proposals if p.withdraw_ms is not None]

        await until(app, pilot, failing, step=0.1, limit=600)
        app.sync_proposals()
        await pilot.pause()
        (marked,) = failing()
        assert "failing: withdrawn in" in app.proposal_pane.render().plain
        await until(app, pilot, lambda: f"proposal #{marked.id} withdrawn" in log_text(app))
        assert "(conditions no longer hold: " in log_text(app)
        assert marked.id not in [p.id for p in app.session.snapshot().proposals]


async def test_an_unanswered_proposal_expires() -> None:
    app = make_app(symbols=["ETH/USDT:USDT"], confirm_grace_s=60)
    async with app.run_test(size=SIZE) as pilot:
        proposal = await pending(app, pilot)
        await advance(app, 10.5)  # speed 0: the market's clock is the human clock
        await wait_for(pilot, lambda: f"proposal #{proposal.id} " in log_text(app))
        assert f"proposal #{proposal.id} expired" in log_text(app) or (
            f"proposal #{proposal.id} withdrawn" in log_text(app)
        )


async def test_at_speed_10_a_proposal_lasts_its_seconds_of_wall_time() -> None:
    settings = load_config(
        None, overrides={"symbols": ["ETH/USDT:USDT"], "confirm_grace_s": 60}, env={}
    ).settings
    session = Session.simulated(settings, seed=2, speed=10)
    created: dict[int, int] = {}
    expired: list[int] = []

    def seen(event) -> None:
        if isinstance(event, ProposalCreated):
            created[event.proposal.id] = event.ts_ms
        elif isinstance(event, ProposalResolved) and event.outcome == "expired":
            expired.append(event.proposal_id)

    session.subscribe(seen)
    await session.run(25)  # 25 market seconds take 2.5 s of wall time
    now = session.engine.clock.now_ms()
    old = [pid for pid, ts in created.items() if now - ts > 10_000]
    assert old, "no proposal was pending for more than 10 market seconds"
    # on the market's clock they would all have expired; on wall time none has
    assert not expired


async def test_s_proposes_a_manual_short_on_the_focused_symbol() -> None:
    app = make_app(quiet=True)  # no rule entry: only the trader's
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        proposal = app.proposal_pane.highlighted_proposal()
        assert proposal is not None and proposal.symbol == app.focus_symbol
        assert "MANUAL SHORT" in app.proposal_pane.render().plain
        assert "(manual)" in log_text(app)
        await pilot.press("y")
        await pilot.pause()
        (position,) = app.session.snapshot().positions
        assert position.symbol == app.focus_symbol and position.enter_tag == "manual"
        assert "(manual, paper)" in log_text(app)
