"""`paper: false` outside the command line is refused by every command that reads the
configuration, with one line naming the way real orders are asked for."""

import json
import os
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "scalp_tui.cli"]
CREDENTIALS = {"SCALP_TUI_API_KEY": "k", "SCALP_TUI_API_SECRET": "s"}


def scalp_tui(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **CREDENTIALS, **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_config_check_reports_paper_false_naming_both_ways(tmp_path: Path) -> None:
    config = tmp_path / "live.json"
    config.write_text(json.dumps({"paper": False}))
    result = scalp_tui("config", "check", str(config))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {config}: paper = false is refused: real orders go out only with "
        "`scalp-tui headless --live` or by typing LIVE in the console"
    ]


def test_headless_refuses_paper_false_from_the_environment(tmp_path: Path) -> None:
    result = scalp_tui("headless", "--duration", "1", "--speed", "0", env={"SCALP_TUI_PAPER": "0"})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: environment SCALP_TUI_PAPER: paper = false is refused: "
        "real orders go out only with `scalp-tui headless --live`"
    ]
    assert "Traceback" not in result.stderr and result.stdout == ""
