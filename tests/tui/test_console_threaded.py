"""The console on a session whose engine runs on its own thread (what an exchange
gets): it works through the session interface alone, never reaching into an engine
that belongs to another thread."""

from __future__ import annotations

import asyncio

from console_rig import SIZE, wait_for

from scalp_tui.config import load_config
from scalp_tui.engine.protocol import Mode
from scalp_tui.runtime.engine_thread import ThreadedSession
from scalp_tui.runtime.session import Session
from scalp_tui.tui.app import ScalpApp


def threaded_app() -> tuple[ScalpApp, ThreadedSession]:
    settings = load_config(
        None, overrides={"mode": "confirm", "short_scalp_min_volume": 1e12}, env={}
    ).settings

    async def build() -> Session:
        session = Session.simulated(settings, seed=2, speed=5.0)
        session.notes.append("hello from the engine thread")
        return session

    host = ThreadedSession(build)
    host.start()
    return ScalpApp(host, settings, keys=settings.keys), host


async def test_the_console_runs_on_a_threaded_session() -> None:
    app, host = threaded_app()
    assert not hasattr(host, "engine")  # nothing to reach into
    async with app.run_test(size=SIZE) as pilot:
        assert app.symbols == ("BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT")
        assert "start: hello from the engine thread" in app.log_pane.text()
        await pilot.press("a")  # confirm -> auto, on the engine's thread
        await wait_for(pilot, lambda: host.snapshot(0).mode is Mode.AUTO)
        # one line for the key: the engine's own, stamped with its (market) clock
        lines = app.log_pane.text().splitlines()
        assert [line for line in lines if "mode" in line and "->" in line] == [lines[-1]]
        assert lines[-1].endswith("INFO     mode -> auto") and lines[-1][:2].isdigit()
        assert set(host.summary()) >= {"entries", "trades", "open_positions"}
        assert host.elapsed_key == "sim_seconds"
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    await asyncio.wait_for(host.run(), 5)  # quitting ended the engine's thread
