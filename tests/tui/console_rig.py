"""The console on a simulated market that only moves when a test says so."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from scalp_tui.config import load_config
from scalp_tui.runtime.session import Session
from scalp_tui.tui.app import ScalpApp

SIZE = (160, 48)


def make_app(
    env: dict[str, str] | None = None,
    quiet: bool = False,
    before_start: Callable[[Session], Any] | None = None,
    **overrides: Any,
) -> ScalpApp:
    """`quiet`: a volume threshold no candle reaches, so no proposal covers the screen.
    `before_start` sees the session before its market moves (e.g. to journal it)."""
    if quiet:
        overrides.setdefault("short_scalp_min_volume", 1e12)
    settings = load_config(None, overrides=overrides, env=env or {}).settings
    session = Session.simulated(settings, seed=2, speed=0)
    if before_start is not None:
        before_start(session)
    session.start()
    return ScalpApp(session, settings, keys=settings.keys, autorun=False)


async def advance(app: ScalpApp, seconds: float) -> None:
    """Play `seconds` of simulated market at full speed, then redraw."""
    await app.session.run(seconds)
    app.refresh_all()
    app.sync_proposals()


async def wait_for(pilot: Any, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until `condition` holds (no fixed sleeps)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


async def until(
    app: ScalpApp,
    pilot: Any,
    condition: Callable[[], bool],
    step: float = 1.0,
    limit: float = 300.0,
) -> None:
    """Advance the market a step at a time until `condition` holds."""
    played = 0.0
    while not condition():
        if played >= limit:
            raise AssertionError(f"condition not met after {limit} simulated seconds")
        await advance(app, step)
        played += step
        await pilot.pause()
