"""`scalp-tui config check` as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path


def check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scalp_tui.cli", "config", "check", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_three_wrong_values_print_three_lines_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"leverage": 500, "short_scalp_timeout": -5, "mode": "yolo"}))
    result = check(str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3, result.stderr
    assert all(line.startswith(f"error: {bad}: ") for line in lines)
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_effective_configuration_masks_secrets(tmp_path: Path) -> None:
    env = {"SCALP_TUI_API_KEY": "AKIA-do-not-print", "SCALP_TUI_API_SECRET": "s3cr3t!", "PATH": ""}
    result = check("configs/default.json", env=env)
    assert result.returncode == 0, result.stderr
    assert "api_key = ********" in result.stdout
    assert "AKIA-do-not-print" not in result.stdout + result.stderr
    assert "s3cr3t!" not in result.stdout + result.stderr
    assert "target needs a 0.2998% price drop" in result.stdout


def test_every_command_has_help() -> None:
    for args in ([], ["run"], ["headless"], ["config"], ["config", "check"]):
        result = subprocess.run(
            [sys.executable, "-m", "scalp_tui.cli", *args, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0 and "Usage" in result.stdout, args


def test_unknown_console_action_in_keys_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "keys.json"
    config.write_text(json.dumps({"keys": {"toggle_mod": "m"}}))
    result = subprocess.run(
        [sys.executable, "-m", "scalp_tui.cli", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "keys.toggle_mod: unknown console action" in result.stderr
    assert "Traceback" not in result.stderr
