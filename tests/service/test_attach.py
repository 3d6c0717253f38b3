"""`scalp-tui attach`: the console as a client of the running engine. Several
consoles see the same state, a lost engine covers the screen and can be restarted,
and neither quitting nor killing a console stops the engine."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest
from engine_rig import PROGRAM, TRADING, EngineProcess, wait_for

from scalp_tui.config import load_config
from scalp_tui.engine.protocol import CommandAnswered, Event
from scalp_tui.service.remote import RemoteSession
from scalp_tui.tui.attached import AttachedApp
from scalp_tui.tui.screens.engine_lost import EngineLostScreen
from scalp_tui.tui.screens.quit_engine import LeaveEngineScreen

SIZE = (160, 48)


def attached(engine: EngineProcess) -> AttachedApp:
    session = RemoteSession.open(engine.socket)
    settings = load_config(None, overrides=session.welcome.settings, env={}).settings
    return AttachedApp(session, settings, keys=settings.keys)


async def until(condition, timeout_s: float, what: str) -> None:
    """Await `condition()` on the running loop, for at most `timeout_s`."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout_s:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def test_a_lost_engine_is_noticed_within_a_second_by_design() -> None:
    """Snapshots come every 50 ms; silence past SILENCE_S is a lost engine, and the
    console looks LINK_CHECK_HZ times a second: together well under a second."""
    from scalp_tui.service.remote import SILENCE_S
    from scalp_tui.service.server import SNAPSHOT_INTERVAL_S
    from scalp_tui.tui.attached import LINK_CHECK_HZ

    assert SNAPSHOT_INTERVAL_S * 4 <= SILENCE_S
    assert SILENCE_S + 1 / LINK_CHECK_HZ < 1.0


async def test_a_kill_switch_from_one_console_is_seen_by_another(engine: EngineProcess) -> None:
    other = RemoteSession.open(engine.socket)  # the second console, through the same surface
    answers: list[Event] = []
    other.subscribe(answers.append)
    receiving = asyncio.create_task(other.run())
    app = attached(engine)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: app.snap.positions, 60, "a position on the console")
            assert not other.snapshot().killed
            await pilot.press("ctrl+k")
            await until(lambda: other.snapshot().killed, 5, "the other console")
            await until(lambda: not other.snapshot().positions, 30, "flat")
            await until(lambda: app.snap.killed and not app.snap.positions, 2, "this console")
    finally:
        other.stop()
        await receiving
    # the answer names the console that asked
    kills = [a for a in answers if isinstance(a, CommandAnswered)]
    assert kills and kills[0].command == "EngageKillSwitch" and kills[0].ok
    assert kills[0].origin.startswith("console#")
    assert engine.status()["kill_switch"] == "engaged"


async def test_engine_death_covers_the_screen_and_restart_brings_it_back(
    engine: EngineProcess,
) -> None:
    app = attached(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        assert not isinstance(app.screen, EngineLostScreen)
        engine.proc.send_signal(signal.SIGKILL)
        engine.proc.wait()
        await until(lambda: isinstance(app.screen, EngineLostScreen), 5, "the engine-lost screen")
        assert "closed the connection" in app.screen.problem
        await pilot.press("r")
        await until(lambda: not isinstance(app.screen, EngineLostScreen), 40, "the restart")
        status = engine.status()
        assert status["pid"] != engine.proc.pid  # a new engine, the same journal
        await until(lambda: app.snap.ts_ms > 0 and app.remote.link_problem is None, 2, "data")
        os.kill(status["pid"], signal.SIGTERM)
        await until(lambda: isinstance(app.screen, EngineLostScreen), 5, "the stop")
        await pilot.press("q")
    wait_for(lambda: not engine.socket.exists(), 30, "the restarted engine to stop")


async def test_an_engine_that_stops_answering_is_shown_within_a_second(
    engine: EngineProcess,
) -> None:
    app = attached(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        engine.proc.send_signal(signal.SIGSTOP)
        try:
            await until(
                lambda: isinstance(app.screen, EngineLostScreen), 5, "the engine-lost screen"
            )
            assert "has not answered for" in app.screen.problem
        finally:
            engine.proc.send_signal(signal.SIGCONT)
        await until(lambda: not isinstance(app.screen, EngineLostScreen), 5, "answering again")
        await pilot.press("q")  # no positions needed: quit at once or after the question
        if isinstance(app.screen, LeaveEngineScreen):
            await pilot.press("y")


async def test_quitting_the_console_leaves_the_engine_running(engine: EngineProcess) -> None:
    app = attached(engine)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.snap.positions, 60, "a position")
        await pilot.press("q")
        assert isinstance(app.screen, LeaveEngineScreen)
        assert "Quit this console?" in app.screen.text()
        assert "The engine keeps running and keeps managing them" in app.screen.text()
        await pilot.press("y")
    assert engine.proc.poll() is None
    status = engine.status()
    assert status["positions"] and status["kill_switch"] == "off"


@pytest.mark.usefixtures("runtime")
def test_a_killed_console_leaves_positions_to_the_engine(runtime, private_journal, tmp_path):
    """kill -9 of a console while a position is open: the engine still exits it when
    its timeout comes (1 minute here: 3 s at 20x)."""
    config = tmp_path / "short.json"
    config.write_text('{"short_scalp_timeout": 1}')
    engine = EngineProcess(runtime, private_journal, *TRADING, "--config", str(config))
    try:
        console = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import asyncio, sys\n"
                "from pathlib import Path\n"
                "from scalp_tui.service.remote import RemoteSession\n"
                "s = RemoteSession.open(Path(sys.argv[1]))\n"
                "print('attached', flush=True)\n"
                "asyncio.run(s.run())\n",
                str(engine.socket),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert console.stdout is not None and console.stdout.readline() == "attached\n"
        opened = wait_for(lambda: engine.status()["positions"], 60, "a position")
        console.kill()
        console.wait()
        first = opened[0]["id"]
        wait_for(
            lambda: f"#{first} closed short_scalp_timeout" in engine.log.read_text(),
            30,
            "the timeout exit",
        )
        assert engine.proc.poll() is None
    finally:
        engine.stop()


def test_attach_without_an_engine_says_so_in_one_line(runtime) -> None:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    done = subprocess.run([*PROGRAM, "attach"], capture_output=True, text=True, env=env)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: no engine is running (nothing answers at {runtime}/scalp-tui/engine.sock); "
        "start one with: scalp-tui engine"
    ]


async def test_an_engine_answering_again_lifts_the_notice_once(engine: EngineProcess) -> None:
    """Two link checks can run before the notice's answer is handled (a loaded
    machine): the second must not dismiss it again, which popped the console's own
    screen and ended the console."""
    app = attached(engine)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.snap.ts_ms > 0, 5, "a snapshot")
        app.remote._lost = "the engine stalled"  # what the link says, set by hand here
        app.watch_link()
        await pilot.pause()
        assert isinstance(app.screen, EngineLostScreen)
        app.remote._lost = None
        app.watch_link()
        app.watch_link()  # before the notice's answer is handled
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, EngineLostScreen)
        assert "engine answering again" in app.log_pane.text()
        app.remote._lost = "the engine stalled again"
        app.watch_link()
        await pilot.pause()
        assert isinstance(app.screen, EngineLostScreen)  # shown again
        app.remote._lost = None
