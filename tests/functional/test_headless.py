"""The real `scalp-tui` command, end to end, on the simulated market."""

import json
import subprocess
import sys

import pytest


def scalp_tui(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scalp_tui.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_headless_auto_trades_a_whole_cycle_at_full_speed() -> None:
    result = scalp_tui(
        "headless",
        "--duration",
        "1800",
        "--speed",
        "0",
        "--seed",
        "1",
        "--mode",
        "auto",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["entries"] >= 1
    assert summary["trades"] >= 1
    assert sum(summary["exits"].values()) == summary["trades"]
    assert summary["book_updates"] > 10_000
    assert summary["sim_seconds"] == pytest.approx(1800, abs=1)
    assert any(" ENTRY " in line for line in lines)
    reasons = [r for r in summary["exits"] if r.startswith("short_scalp_")]
    assert reasons, summary["exits"]
    assert any(f"closed {reasons[0]}" in line for line in lines)


def test_headless_confirm_mode_rejects_proposals_unless_told() -> None:
    result = scalp_tui("headless", "--duration", "300", "--speed", "0", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["entries"] == 0
    assert "proposal" in result.stdout and "rejected (by the user)" in result.stdout
    accepted = scalp_tui("headless", "--duration", "300", "--speed", "0", "--accept", "--json")
    assert json.loads(accepted.stdout.strip().splitlines()[-1])["entries"] >= 1


def test_same_seed_same_result() -> None:
    args = ("headless", "--duration", "600", "--speed", "0", "--mode", "auto", "--json")
    first = scalp_tui(*args, "--seed", "7").stdout.strip().splitlines()[-1]
    second = scalp_tui(*args, "--seed", "7").stdout.strip().splitlines()[-1]
    assert first == second


def test_unknown_symbol_is_one_clear_line_and_exit_code_2() -> None:
    result = scalp_tui("headless", "--duration", "1", "--symbol", "DOGE/USDT:USDT")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "DOGE/USDT:USDT" in result.stderr
