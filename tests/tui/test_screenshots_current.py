"""The committed screenshots are what the console draws today."""

import asyncio
from pathlib import Path

from scalp_tui.tui.screenshots import STATES, capture

COMMITTED = Path(__file__).resolve().parents[2] / "screenshots"


def test_committed_screenshots_match_a_fresh_capture(tmp_path: Path) -> None:
    for state in STATES:
        fresh = asyncio.run(capture(state, tmp_path))
        committed = COMMITTED / fresh.name
        assert committed.is_file(), f"missing {committed}: run python -m scalp_tui.tui.screenshots"
        assert committed.read_bytes() == fresh.read_bytes(), (
            f"{committed.name} is out of date: run python -m scalp_tui.tui.screenshots"
        )
