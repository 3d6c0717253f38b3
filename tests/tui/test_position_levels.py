"""The selected position's target and stop move from the keyboard (+/- the target, >/<
the stop), also while proposals wait; each press logs one line and a refusal says
why; the positions pane shows the moved prices and the detail of the selection."""

from console_rig import make_app, until

from scalp_tui.engine.protocol import ExitLevelMoved


async def position_and_proposal(app, pilot) -> None:
    """One open short, then (confirm mode, entries on) a proposal pending."""
    await until(app, pilot, lambda: len(app.session.snapshot().positions) >= 1, step=0.2)
    await pilot.press("space")  # entries paused while we switch to confirm
    await pilot.press("a")
    await pilot.press("space")
    await until(app, pilot, lambda: bool(app.session.snapshot().proposals), step=0.25)
    app.sync_proposals()
    app.refresh_all()
    await pilot.pause()


def tick_of(app, symbol: str) -> float:
    return next(s.tick_size for s in app.session.snapshot().symbols if s.symbol == symbol)


async def test_plus_minus_and_angle_keys_move_the_selected_positions_exits() -> None:
    app = make_app(mode="auto", confirm_grace_s=60, confirm_timeout_s=60)
    events: list[object] = []
    app.session.subscribe(events.append)
    async with app.run_test(size=(160, 48)) as pilot:
        await position_and_proposal(app, pilot)
        (before,) = app.session.snapshot().positions[:1]
        proposal = app.proposal_pane.highlighted_proposal()
        assert proposal is not None and app.proposal_pane.has_focus  # it took the arrows
        tick = tick_of(app, before.symbol)
        lines_before = len(app.log_pane.text().splitlines())

        await pilot.press("minus")  # target one tick lower
        await pilot.press("greater_than_sign")  # stop one tick higher
        await pilot.pause()

        after = next(p for p in app.session.snapshot().positions if p.id == before.id)
        assert abs(after.target_price - (before.target_price - tick)) <= tick / 2 + 1e-9
        assert abs(after.stop_price - (before.stop_price + tick)) <= tick / 2 + 1e-9
        assert after.target_moved and after.stop_moved
        moved = [e for e in events if isinstance(e, ExitLevelMoved)]
        assert [(e.level, e.ticks) for e in moved] == [("target", -1), ("stop", 1)]
        # the proposal still waits, untouched by the keys
        assert proposal.id in {p.id for p in app.session.snapshot().proposals}
        app.log_pane.flush()
        new_lines = app.log_pane.text().splitlines()[lines_before:]
        assert sum(f"#{before.id} target moved" in line for line in new_lines) == 1
        assert sum(f"#{before.id} stop moved" in line for line in new_lines) == 1
        # shown: the moved prices are starred, the detail line names the selection
        app.refresh_all()
        await pilot.pause()
        assert str(app.positions_box.border_subtitle).startswith(f"#{before.id} · stop ")
        assert "*" in str(app.positions_box.border_subtitle)


async def test_a_move_that_would_trigger_at_once_is_refused_in_the_log() -> None:
    # one press moves the stop 100,000 ticks down: far under the buy-back price
    app = make_app(mode="auto", level_step_ticks=100_000)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(app, pilot, lambda: len(app.session.snapshot().positions) >= 1, step=0.2)
        await pilot.press("space")
        (before,) = app.session.snapshot().positions[:1]
        await pilot.press("less_than_sign")
        await pilot.pause()
        app.log_pane.flush()
        assert "REFUSED" in app.log_pane.text() and "would trigger at once" in app.log_pane.text()
        after = next(p for p in app.session.snapshot().positions if p.id == before.id)
        assert not after.stop_moved
