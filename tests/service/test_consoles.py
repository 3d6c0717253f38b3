"""Several consoles on one engine: the engine counts them, a console that quits while
others are attached only detaches, the last one stops an engine a plain `scalp-tui`
started when nothing is open, and the quit question follows the engine live."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from engine_rig import TRADING, EngineProcess
from engines import stop_engine
from key_lines import SENDS_NOTHING, check_one_line_per_key
from test_attach import SIZE, until

from scalp_tui.config import load_config
from scalp_tui.engine.protocol import ClosePosition, CommandAnswered, Event
from scalp_tui.service.client import connect
from scalp_tui.service.remote import RemoteSession
from scalp_tui.tui.attached import AttachedApp, farewell
from scalp_tui.tui.screens.engine_lost import EngineLostScreen
from scalp_tui.tui.screens.quit import positions_title
from scalp_tui.tui.screens.quit_engine import QuitEngineScreen

FROM_CONSOLE = "--from-console"  # as plain `scalp-tui` starts it
NOTHING_ENTERS = {"SCALP_TUI_SHORT_SCALP_MIN_VOLUME": "1e12"}


def console(engine: EngineProcess) -> AttachedApp:
    """The console plain `scalp-tui` opens on the engine (it names the engine's origin)."""
    session = RemoteSession.open(engine.socket)
    settings = load_config(None, overrides=session.welcome.settings, env={}).settings
    owns = FROM_CONSOLE in session.welcome.command
    return AttachedApp(session, settings, keys=settings.keys, owns_engine=owns)


async def answering(app: AttachedApp) -> None:
    """Keys reach nothing while the engine is shown lost, as on a machine so loaded
    that the engine is silent past SILENCE_S: wait until it answers again."""
    await until(lambda: app.lost_screen is None, 30, "the engine answering")


@pytest.fixture
def quiet_engine(runtime: Path, private_journal: Path):
    process = EngineProcess(
        runtime, private_journal, "--seed", "2", FROM_CONSOLE, env=NOTHING_ENTERS
    )
    yield process
    process.stop()


async def test_one_of_two_consoles_quitting_only_detaches(quiet_engine: EngineProcess) -> None:
    other = RemoteSession.open(quiet_engine.socket)  # the second console
    receiving = asyncio.create_task(other.run())
    app = console(quiet_engine)
    try:
        async with app.run_test(size=SIZE) as pilot:
            assert app.owns_engine
            await until(lambda: app.remote.other_consoles == 1, 5, "the other console counted")
            status = await asyncio.to_thread(quiet_engine.status)  # status is not counted
            assert status["consoles"] == 2
            await answering(app)
            await pilot.press("q")
            await until(lambda: not app.is_running, 5, "the console to quit")
        assert not app.stop_engine and app.others_at_quit == 1
        assert farewell(app.stop_engine, app.others_at_quit, 7) == (
            "detached: 1 other console still attached to the engine (pid 7), which keeps running"
        )
        # the engine runs on, and the other console still sees it live
        await until(lambda: other.other_consoles == 0, 5, "the count to drop")
        seen = other.snapshot().ts_ms
        await until(lambda: other.snapshot().ts_ms > seen, 5, "a newer snapshot")
        assert other.link_problem is None and quiet_engine.proc.poll() is None
        assert (await asyncio.to_thread(quiet_engine.status))["consoles"] == 1
    finally:
        other.stop()
        await receiving


async def test_the_last_console_quitting_with_nothing_open_stops_the_engine(
    quiet_engine: EngineProcess,
) -> None:
    app = console(quiet_engine)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.remote.welcome.you and app.snap.ts_ms > 0, 5, "a snapshot")
        assert app.remote.other_consoles == 0 and not app.snap.positions
        await answering(app)
        await pilot.press("q")
        await until(lambda: not app.is_running, 5, "the console to quit")
    assert app.stop_engine and app.others_at_quit == 0
    assert farewell(app.stop_engine, app.others_at_quit, 7) is None  # "engine stopped" follows


async def test_the_quit_question_follows_a_position_closed_elsewhere(
    runtime: Path, private_journal: Path
) -> None:
    engine = EngineProcess(runtime, private_journal, *TRADING, FROM_CONSOLE)
    app = console(engine)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: app.snap.positions, 60, "a position")
            await answering(app)
            await pilot.press("space")  # entries paused: no new position while asking
            await until(lambda: not app.snap.entries_enabled, 10, "entries paused")
            await until(
                lambda: (
                    app.snap.positions and all(p.state.value == "open" for p in app.snap.positions)
                ),
                30,
                "open positions",
            )
            await answering(app)
            await pilot.press("q")
            screen = app.screen
            assert isinstance(screen, QuitEngineScreen)

            def follows() -> bool:
                shown = positions_title(app.remote.snapshot().positions)
                return screen.text().startswith(shown)

            await until(follows, 5, "the question naming the open positions")
            positions = app.remote.snapshot().positions
            count = len(positions)
            assert count and "Stop the engine too?" in screen.text()
            closed = positions[0]
            # closed from a shell's client while the question is shown
            shell = await connect(engine.socket, "test", events=False)
            shell.send(ClosePosition(closed.id))
            await shell.close()
            # it names what is open now (at 20x another may close by its own rule)
            await until(
                lambda: f"#{closed.id} " not in screen.text() and follows(),
                30,
                "the question to follow",
            )
            assert f"{count} position" not in screen.text()
            await pilot.press("n")
    finally:
        engine.stop()


async def test_each_key_writes_one_log_line_in_an_attached_console(
    runtime: Path, private_journal: Path
) -> None:
    """The same keys as in an in-process console (tests/tui/test_log_and_colours.py):
    the command goes to the engine and its events come back, never a second line."""
    engine = EngineProcess(runtime, private_journal, "--seed", "2", env=NOTHING_ENTERS)
    app = console(engine)
    answers: list[CommandAnswered] = []

    def answered(event: Event) -> None:
        if isinstance(event, CommandAnswered) and event.origin == app.remote.welcome.you:
            answers.append(event)

    try:
        async with app.run_test(size=SIZE) as pilot:
            app.remote.subscribe(answered)

            async def press(key: str) -> None:
                before = len(answers)
                await answering(app)
                await pilot.press(key)
                if key in SENDS_NOTHING:
                    return
                # the answer is the last frame the engine sends for a command; the
                # snapshot it sends right after shows what the command did
                await until(lambda: len(answers) > before, 10, f"the answer to {key}")
                seen = app.remote.snapshot()
                await until(lambda: app.remote.snapshot() is not seen, 5, "a snapshot")
                app.refresh_all()
                app.sync_proposals()
                await pilot.pause()

            await check_one_line_per_key(app, press)
    finally:
        engine.stop()


async def test_engine_death_reaches_every_console_and_one_restart_serves_all(
    quiet_engine: EngineProcess,
) -> None:
    other = RemoteSession.open(quiet_engine.socket)
    receiving = asyncio.create_task(other.run())
    app = console(quiet_engine)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: app.remote.other_consoles == 1, 5, "both consoles")
            quiet_engine.proc.send_signal(signal.SIGKILL)
            quiet_engine.proc.wait()
            await until(lambda: isinstance(app.screen, EngineLostScreen), 5, "this console")
            await until(lambda: other.link_problem is not None, 5, "the other console")
            await pilot.press("r")
            await until(lambda: not isinstance(app.screen, EngineLostScreen), 40, "restart")
            restarted = app.remote.welcome.pid
            assert restarted != quiet_engine.proc.pid
            # the other console's restart finds the engine running and attaches to it
            assert await other.restart_engine() is None
            assert other.welcome.pid == restarted and other.link_problem is None
            await until(lambda: app.remote.other_consoles == 1, 5, "both on the new engine")
            await answering(app)
            await pilot.press("q")  # beside the other console: only detaches
            await until(lambda: not app.is_running, 5, "the console to quit")
        assert not app.stop_engine
    finally:
        other.stop()
        await receiving
        stop_engine(Path(quiet_engine.runtime))
