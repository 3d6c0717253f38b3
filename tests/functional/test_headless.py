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
    confirm = ("headless", "--mode", "confirm", "--duration", "300", "--speed", "0", "--json")
    result = scalp_tui(*confirm)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["entries"] == 0
    assert "proposal" in result.stdout and "rejected (by the user)" in result.stdout
    accepted = scalp_tui(*confirm, "--accept")
    assert json.loads(accepted.stdout.strip().splitlines()[-1])["entries"] >= 1


def test_same_seed_same_result(tmp_path) -> None:
    # separate journals: a shared one would hand the first run's open positions on
    args = ("headless", "--duration", "600", "--speed", "0", "--mode", "auto", "--json")
    journal = ("--seed", "7", "--journal")
    first = scalp_tui(*args, *journal, str(tmp_path / "a")).stdout.strip().splitlines()[-1]
    second = scalp_tui(*args, *journal, str(tmp_path / "b")).stdout.strip().splitlines()[-1]
    assert first == second


def test_a_symbol_the_simulated_market_cannot_have_is_one_clear_line_and_exit_code_2() -> None:
    # any linear perpetual can be simulated; a spot pair cannot
    result = scalp_tui("headless", "--duration", "1", "--symbol", "DOGE/USDT")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "DOGE/USDT" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_default_headless_command_trades_in_ten_simulated_minutes() -> None:
    """The issue's acceptance command, at full speed instead of 60x."""
    result = scalp_tui("headless", "--duration", "600", "--speed", "0", "--seed", "1", "--json")
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["entries"] >= 2
    assert set(summary) >= {
        "entries",
        "exits",
        "trades",
        "win_rate",
        "pnl",
        "fees",
        "book_updates",
        "open_positions",
    }
    closed_lines = [line for line in result.stdout.splitlines() if " closed short_scalp_" in line]
    assert len(closed_lines) == sum(summary["exits"].values())


def test_trades_lists_the_history_of_several_runs(tmp_path) -> None:
    import os

    journal = tmp_path / "journal.sqlite"
    env = {
        **os.environ,
        "SCALP_TUI_JOURNAL": str(journal),
        "SCALP_TUI_API_SECRET": "never-in-the-journal-7731",
    }
    run = [
        sys.executable,
        "-m",
        "scalp_tui.cli",
        "headless",
        "--duration",
        "60",
        "--speed",
        "0",
        "--json",
    ]
    first = json.loads(
        subprocess.run(run, capture_output=True, text=True, env=env, timeout=120)
        .stdout.strip()
        .splitlines()[-1]
    )
    second = json.loads(
        subprocess.run([*run, "--seed", "5"], capture_output=True, text=True, env=env, timeout=120)
        .stdout.strip()
        .splitlines()[-1]
    )
    listed = subprocess.run(
        [sys.executable, "-m", "scalp_tui.cli", "trades", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    history = json.loads(listed.stdout)
    assert history["totals"]["trades"] == first["trades"] + second["trades"] > 0
    for part in tmp_path.glob("journal.sqlite*"):  # the database, its WAL and index
        assert b"never-in-the-journal-7731" not in part.read_bytes()


def test_a_latched_kill_switch_survives_a_restart_until_reset(tmp_path) -> None:
    import os

    env = {**os.environ, "SCALP_TUI_JOURNAL": str(tmp_path / "journal.sqlite")}
    cli = [sys.executable, "-m", "scalp_tui.cli"]
    run = [*cli, "headless", "--duration", "120", "--speed", "0", "--json"]
    from rig import make_rig

    from scalp_tui.engine.protocol import EngageKillSwitch
    from scalp_tui.store.journal import Journal

    journal = Journal(tmp_path / "journal.sqlite", session="before")
    rig = make_rig()
    rig.engine.subscribe(journal)
    rig.engine.execute(EngageKillSwitch())
    journal.close()

    latched = subprocess.run(run, capture_output=True, text=True, env=env, timeout=120)
    assert json.loads(latched.stdout.strip().splitlines()[-1])["entries"] == 0
    assert "latched before this start" in latched.stdout
    reset = subprocess.run([*cli, "reset-kill-switch"], capture_output=True, text=True, env=env)
    assert reset.returncode == 0 and "kill switch reset" in reset.stdout
    trading = subprocess.run(run, capture_output=True, text=True, env=env, timeout=120)
    assert json.loads(trading.stdout.strip().splitlines()[-1])["entries"] > 0


@pytest.mark.parametrize(
    ("venue", "reason"), [("bitmart", "not in ccxt.pro"), ("bitvavo", "cannot short")]
)
def test_a_venue_that_cannot_run_is_refused_with_one_line_and_exit_2(
    tmp_path, venue, reason
) -> None:
    result = scalp_tui(
        "headless", "--exchange", venue, "--duration", "1", "--journal", str(tmp_path / "j")
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and reason in lines[0], result.stderr


def test_headless_watches_a_hundred_simulated_symbols(tmp_path) -> None:
    result = scalp_tui(
        "headless", "--sim-symbols", "100", "--duration", "60", "--speed", "0", "--seed", "2",
        "--json", "--journal", str(tmp_path / "journal.sqlite"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    # ~19 book updates a second per symbol, as recorded on Binance: all 100 are fed
    assert summary["book_updates"] > 100 * 60 * 15
    assert summary["sim_seconds"] == pytest.approx(60, abs=1)


def test_sim_symbols_with_a_symbol_is_one_clear_line() -> None:
    result = scalp_tui("headless", "--sim-symbols", "5", "--symbol", "BTC/USDT:USDT")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --sim-symbols is for the simulated market alone: no --symbol/--exchange"
    ]


def test_the_engine_does_not_stall_when_its_output_is_not_read(tmp_path) -> None:
    """stdout into a pipe nobody reads (a terminal paused with ctrl+s, a reader that
    stopped): the run goes on to its end; the lines that could not wait are dropped."""
    import fcntl
    import os

    read_fd, write_fd = os.pipe()
    fcntl.fcntl(write_fd, 1031, 4096)  # F_SETPIPE_SZ: 4 kB, about 40 lines
    command = [sys.executable, "-m", "scalp_tui.cli", "headless", "--duration", "900"]
    command += ["--speed", "0", "--seed", "1", "--mode", "auto"]
    command += ["--journal", str(tmp_path / "journal.sqlite")]
    with subprocess.Popen(command, stdout=write_fd, stderr=subprocess.PIPE, text=True) as proc:
        os.close(write_fd)
        try:
            _, err = proc.communicate(timeout=90)  # stdout is never read
        finally:
            proc.kill()
    os.close(read_fd)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "Fatal Python error" not in err
    # the same trades as the same run with its output read (times aside: a run opens
    # at the current candle's start)
    read = subprocess.run(
        [*command[:-1], str(tmp_path / "read.sqlite")], capture_output=True, timeout=90
    )
    assert read.returncode == 0

    def trades(journal: str) -> list[list[str]]:
        listed = scalp_tui("trades", "--journal", str(tmp_path / journal))
        assert listed.returncode == 0, listed.stderr
        return [line.split()[2:] for line in listed.stdout.strip().splitlines()[2:]]

    assert len(trades("journal.sqlite")) >= 3
    assert trades("journal.sqlite") == trades("read.sqlite")
