"""A console attached to an engine process goes live as the in-process one does: p,
then LIVE typed. The engine (started without --live) reads its own credentials; the
console sends only the consent, and the next accepted entry is a real order at the
venue. Without credentials in the engine, p is refused before anything is typed."""

from __future__ import annotations

import asyncio
import signal
import tempfile
from pathlib import Path

from emulator.cli_rig import BTC, CREDENTIALS, cli, drive, endpoints, held, until

from scalp_tui.config import load_config
from scalp_tui.service.remote import RemoteSession
from scalp_tui.tui.attached import AttachedApp
from scalp_tui.tui.screens.live import LiveConfirmScreen

SIZE = (160, 48)


async def start_engine(emulator, tmp_path: Path, env: dict[str, str]):
    runtime = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))
    env = {**endpoints(emulator), **env, "XDG_RUNTIME_DIR": str(runtime)}
    log = tmp_path / "engine.log"
    with log.open("w") as out:
        engine = await cli(
            "engine",
            "--exchange",
            "binanceusdm",
            "--symbol",
            BTC,
            "--mode",
            "confirm",
            "--journal",
            str(tmp_path / "journal.sqlite"),
            env=env,
            cwd=tmp_path,
            stdout=out.fileno(),
        )
    await until(lambda: "engine: listening on" in log.read_text(), 45, "the engine to listen")
    return engine, runtime / "scalp-tui" / "engine.sock", log


async def stop(engine) -> None:
    if engine.returncode is None:
        engine.send_signal(signal.SIGTERM)
    await asyncio.wait_for(engine.communicate(), 60)


def attached(socket: Path) -> AttachedApp:
    session = RemoteSession.open(socket)
    settings = load_config(None, overrides=session.welcome.settings, env={}).settings
    return AttachedApp(session, settings, live_broker=session.welcome.live_broker)


async def test_typing_live_in_an_attached_console_sends_real_orders(emulator, tmp_path) -> None:
    engine, socket, log = await start_engine(emulator, tmp_path, CREDENTIALS)
    stop_driving = asyncio.Event()
    driver = None
    try:
        app = attached(socket)
        assert "api_key" not in app.remote.welcome.settings and app.live_broker
        async with app.run_test(size=SIZE) as pilot:
            assert app.snap.broker == "paper"
            await pilot.press("p")
            await until(lambda: isinstance(app.screen, LiveConfirmScreen), 5, "the LIVE question")
            await pilot.press("L", "I", "V", "E", "enter")
            await until(lambda: app.snap.broker == "live", 5, "new entries routed live")
            driver = asyncio.create_task(drive(emulator, stop_driving))
            await until(
                lambda: app.proposal_pane.highlighted_proposal() is not None, 30, "a proposal"
            )
            await pilot.press("y")
            await until(lambda: held(emulator) < 0, 30, "a live short at the venue")
            await pilot.press("ctrl+k")
            await until(lambda: held(emulator) == 0.0, 30, "the venue flat after ctrl+k")
    finally:
        stop_driving.set()
        if driver is not None:
            await driver
        await stop(engine)
    assert CREDENTIALS["SCALP_TUI_API_SECRET"] not in log.read_text()


async def test_without_credentials_in_the_engine_p_is_refused(emulator, tmp_path) -> None:
    engine, socket, _log = await start_engine(emulator, tmp_path, {})
    try:
        app = attached(socket)
        assert not app.live_broker
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("p")
            await pilot.pause(0.3)
            assert not isinstance(app.screen, LiveConfirmScreen)
            assert app.snap.broker == "paper"
            assert "REFUSED  live trading refused: no API credentials" in app.log_pane.text()
    finally:
        await stop(engine)
