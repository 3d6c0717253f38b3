"""`scalp-tui serve`: the console in a real headless Chromium, attached to the running
engine (never a second one), showing live prices; a request without the printed
key is refused; without an engine, one line and exit 2."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from engine_rig import PROGRAM, EngineProcess, wait_for
from headless_chromium import CHROMIUM, HeadlessChromium

PRICE = re.compile(rb"\d\d,\d\d\d\.\d")  # BTC on the ladder, e.g. 61,879.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Serving:
    def __init__(self, engine: EngineProcess, tmp_path: Path) -> None:
        self.out = tmp_path / "serve.log"
        with self.out.open("w") as out:
            self.proc = subprocess.Popen(
                [*PROGRAM, "serve", "--port", str(free_port())],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=engine.env,
            )
        self.url = wait_for(self._url, 30, "serve to print its URL")

    def _url(self) -> str | None:
        if self.proc.poll() is not None:
            raise AssertionError(f"serve exited {self.proc.returncode}: {self.out.read_text()}")
        found = re.search(
            r"serving the console at (http://127\.0\.0\.1:\d+/\?key=\S+)", self.out.read_text()
        )
        return found.group(1) if found else None

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_the_browser_shows_the_console_of_the_one_engine(engine: EngineProcess, tmp_path) -> None:
    pid = engine.status()["pid"]
    serving = Serving(engine, tmp_path)
    try:
        seen = asyncio.run(_browse(serving.url, tmp_path / "profile"))
        assert b"order book" in seen["early"] and b"positions" in seen["early"]
        # live: prices keep arriving after the first screen
        assert PRICE.search(seen["later"]), "no price drawn after the first screen"
        assert seen["canvases"] > 0  # the terminal was drawn in the page
        assert engine.status()["pid"] == pid  # the same engine, still running
        bare = serving.url.split("?")[0]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bare, timeout=10)
        assert refused.value.code == 403
    finally:
        serving.stop()
    assert "Traceback" not in serving.out.read_text()


async def _browse(url: str, profile: Path) -> dict[str, object]:
    browser = HeadlessChromium(profile)
    try:
        await browser.open(url)
        for _ in range(300):  # the page, its websocket, a console process: ~2-5 s
            await asyncio.sleep(0.1)
            await browser.evaluate("1")  # collects the page's websocket frames meanwhile
            early = browser.websocket_bytes()
            if b"order book" in early and PRICE.search(early):
                break
        for _ in range(50):
            await asyncio.sleep(0.1)
            await browser.evaluate("1")
            later = browser.websocket_bytes()[len(early) :]
            if PRICE.search(later):
                break
        canvases = await browser.evaluate("document.querySelectorAll('canvas').length")
        return {"early": early, "later": later, "canvases": canvases}
    finally:
        await browser.close()


def test_serve_without_an_engine_is_one_line(runtime) -> None:
    import os

    done = subprocess.run(
        [*PROGRAM, "serve", "--port", str(free_port())],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: no engine is running (nothing answers at {runtime}/scalp-tui/engine.sock); "
        "start one with: scalp-tui engine (or scalp-tui, and leave it running)"
    ]
