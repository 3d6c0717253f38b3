"""The main screens, pixel for pixel (Textual pinned; fixed size, seed and clock).

Regenerate after an intended change of the look:
    python -m pytest tests/tui/test_snapshots.py --snapshot-update
"""

import pytest

from scalp_tui.tui.screenshots import STATES, State


@pytest.mark.parametrize("state", STATES, ids=lambda s: s.name)
def test_main_screen(snap_compare, state: State) -> None:
    app = state.app()

    async def run_before(pilot) -> None:
        await state.steps(app, pilot)

    assert snap_compare(app, terminal_size=state.size, run_before=run_before)
