"""An attached console moves a position's target and stop through the engine
process: the command crosses the wire and the engine applies it."""

from __future__ import annotations

from engine_rig import EngineProcess
from test_attach import SIZE, attached, until


async def test_keys_of_an_attached_console_move_the_engines_position(
    engine: EngineProcess,
) -> None:
    app = attached(engine)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.snap.positions, 60, "a position on the console")
        app.refresh_all()
        await pilot.pause()
        position_id = app.positions.selected_position_id()
        assert position_id is not None
        await pilot.press("minus")  # the target one tick lower

        def moved() -> bool:
            return any(
                p.id == position_id and p.target_moved for p in app.session.snapshot().positions
            )

        await until(moved, 10, "the engine to move the target")
