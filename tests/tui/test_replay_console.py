"""The console on a recording (`scalp-tui --replay FILE`) says it is a replay."""

import pytest
from shared_data import default_recording

from scalp_tui.config import load_config
from scalp_tui.runtime.builder import SessionRequest, build
from scalp_tui.tui.app import ScalpApp

RECORDING = default_recording()


def screen_text(app) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


@pytest.mark.skipif(not RECORDING.is_file(), reason=f"recording not found at {RECORDING}")
async def test_the_header_and_log_say_replay_not_the_simulated_market() -> None:
    settings = load_config(None, overrides={"mode": "confirm"}, env={}).settings
    session = build(SessionRequest(settings, replay=[RECORDING], speed=0))
    app = ScalpApp(session, settings, autorun=False, journaled=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        app.refresh_all()
        await pilot.pause()
        header, *_ = screen_text(app).splitlines()
        assert header.split()[:2] == ["REPLAY", "BTC/USDT:USDT"]
        assert "SIM" not in header
        assert "console started: REPLAY, 1 symbol, confirm mode, paper" in app.log_pane.text()
