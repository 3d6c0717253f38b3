"""The console's main states as SVG screenshots, reproducible to the byte.

    python -m scalp_tui.tui.screenshots [OUTPUT_DIR]    (default: screenshots/)

Each state is built on the simulated market with a fixed seed, played at full speed
for a fixed stretch of simulated time, so the engine clock (the one on screen) and
every number are the same on every run. The snapshot tests use the same states.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.widgets import Input

from scalp_tui.config import load_config
from scalp_tui.engine.protocol import FeedState, FeedStatus
from scalp_tui.runtime.session import Session
from scalp_tui.tui.app import ScalpApp

SIZE = (160, 48)
SEED = 1
# Only for the live-switch picture: placeholders that pass the credential check.
PLACEHOLDER_CREDENTIALS = {
    "SCALP_TUI_API_KEY": "screenshot-placeholder",
    "SCALP_TUI_API_SECRET": "screenshot-placeholder",
}

Steps = Callable[[ScalpApp, Any], Awaitable[None]]


@dataclass(frozen=True)
class State:
    name: str
    overrides: dict[str, Any]
    steps: Steps
    env: dict[str, str] | None = None
    size: tuple[int, int] = SIZE

    def app(self) -> ScalpApp:
        settings = load_config(None, overrides=self.overrides, env=self.env or {}).settings
        session = Session.simulated(settings, seed=SEED, speed=0)
        session.start()
        return ScalpApp(session, settings, autorun=False)


async def play(app: ScalpApp, seconds: float) -> None:
    await app.session.run(seconds)
    app.refresh_all()


async def _open_position(app: ScalpApp, pilot: Any) -> None:
    # Step until a short has been open a while, then look at its symbol.
    for _ in range(600):
        await play(app, 0.5)
        aged = [
            p for p in app.snap.positions if p.opened_ms and app.snap.ts_ms - p.opened_ms > 20_000
        ]
        if aged:
            app.focus_on(aged[0].symbol)
            break
    app.refresh_all()
    await pilot.pause()


async def _moved_exits(app: ScalpApp, pilot: Any) -> None:
    # The trader tightened the stop and lowered the target of the open short.
    await _open_position(app, pilot)
    await pilot.press("space")  # entries paused: nothing new covers the picture
    for key in ("less_than_sign", "less_than_sign", "minus"):
        await pilot.press(key)
    app.refresh_all()
    await pilot.pause()


async def _proposal_pane(app: ScalpApp, pilot: Any) -> None:
    # Two proposals queued, the first highlighted.
    for _ in range(600):
        await play(app, 0.25)
        if len(app.snap.proposals) >= 2:
            break
    app.sync_proposals()
    await pilot.pause()


async def _feed_outage(app: ScalpApp, pilot: Any) -> None:
    await _open_position(app, pilot)
    # The connection drops: no book for 4.2 s (stale_after_ms is 3 s).
    engine = app.session.engine
    engine.on_feed_status(
        FeedStatus(
            FeedState.DOWN,
            detail="binanceusdm disconnected: Cannot connect to host fstream.binance.com:443",
        )
    )
    engine.clock.advance(4_200)
    engine.on_timer()
    app.refresh_all()
    await pilot.pause()


async def _kill_switch(app: ScalpApp, pilot: Any) -> None:
    await _open_position(app, pilot)
    await pilot.press("ctrl+k")
    await play(app, 1)
    app.clear_notifications()
    await pilot.pause()


async def _live_confirmation(app: ScalpApp, pilot: Any) -> None:
    await play(app, 5)
    await pilot.press("p")
    await pilot.pause()
    # a blinking cursor would make the picture depend on the moment it is taken
    app.screen.query_one(Input).cursor_blink = False
    await pilot.pause()


# the proposal states keep their proposals 60 s, so the pictures show them waiting
CONFIRM = {"mode": "confirm", "confirm_grace_s": 60, "confirm_timeout_s": 60}

STATES = (
    State("running-with-position", {"mode": "auto"}, _open_position),
    State("running-with-position-120x40", {"mode": "auto"}, _open_position, size=(120, 40)),
    State("running-with-position-80x24", {"mode": "auto"}, _open_position, size=(80, 24)),
    State("moved-stop-and-target", {"mode": "auto", "level_step_ticks": 20}, _moved_exits),
    State("proposal-pane", CONFIRM, _proposal_pane),
    State("proposal-pane-120x40", CONFIRM, _proposal_pane, size=(120, 40)),
    State("proposal-pane-80x24", CONFIRM, _proposal_pane, size=(80, 24)),
    State("feed-outage", {"mode": "auto"}, _feed_outage),
    State("feed-outage-80x24", {"mode": "auto"}, _feed_outage, size=(80, 24)),
    State("kill-switch-engaged", {"mode": "auto"}, _kill_switch),
    State("kill-switch-engaged-80x24", {"mode": "auto"}, _kill_switch, size=(80, 24)),
    State(
        "live-mode-confirmation",
        {"mode": "confirm", "exchange": {"id": "binanceusdm"}, "short_scalp_min_volume": 1e12},
        _live_confirmation,
        env=PLACEHOLDER_CREDENTIALS,
    ),
)


async def capture(state: State, out_dir: Path) -> Path:
    app = state.app()
    async with app.run_test(size=state.size) as pilot:
        await state.steps(app, pilot)
        # every pane drawn from the final state, whichever of their timers happened
        # to run before this point (a busy machine runs them late)
        app.refresh_all()
        app.sync_proposals()
        await pilot.pause()
        path = app.save_screenshot(filename=f"{state.name}.svg", path=str(out_dir))
    return Path(path)


def main() -> None:
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")
    out_dir.mkdir(parents=True, exist_ok=True)
    for state in STATES:
        print(asyncio.run(capture(state, out_dir)))


if __name__ == "__main__":
    main()
