"""`scalp-tui backtest`, the real command, on the simulated market."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def scalp_tui(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scalp_tui.cli", "backtest", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


TOTALS = {
    "trades",
    "wins",
    "win_rate",
    "pnl",
    "fees",
    "max_drawdown",
    "expectancy",
    "breakeven_win_rate",
    "exits",
    "recorded_s",
    "wall_s",
    "open_at_end",
}
TRADE = {
    "source",
    "position_id",
    "symbol",
    "entry_ms",
    "exit_ms",
    "entry_price",
    "exit_price",
    "qty",
    "reason",
    "profit_ratio",
    "pnl",
    "fees",
}


def test_json_is_one_object_with_totals_sources_and_trades(tmp_path) -> None:
    trades_csv = tmp_path / "trades.csv"
    result = scalp_tui(
        "sim:1:180", "--symbol", "BTC/USDT:USDT", "--json", "--trades-out", str(trades_csv)
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar, no plot
    data = json.loads(result.stdout)  # the whole of stdout is one object
    assert set(data["totals"]) == TOTALS
    totals = data["totals"]
    assert totals["trades"] == len(data["trades"]) >= 1
    assert totals["recorded_s"] == 180.0
    assert totals["breakeven_win_rate"] == round(0.015 / 0.021, 8)
    assert sum(totals["exits"].values()) == totals["trades"]
    assert [(s["source"], s["symbols"]) for s in data["sources"]] == [
        ("sim:1:180", ["BTC/USDT:USDT"])
    ]
    for t in data["trades"]:
        assert set(t) == TRADE and t["symbol"] == "BTC/USDT:USDT"
    assert len(trades_csv.read_text().splitlines()) == totals["trades"] + 1  # with a header


def test_text_lists_each_trade_and_the_totals(tmp_path) -> None:
    signals = tmp_path / "signals.jsonl"
    result = scalp_tui("sim:1:120", "-s", "BTC/USDT:USDT", "--signals-out", str(signals))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "== sim:1:120:" in out and "== totals" in out
    assert "break-even 71.4% = stop / (target + buffer + stop)" in out
    assert "max drawdown" in out and "expectancy" in out and "exits:" in out
    assert "┌" not in out  # stdout is not a terminal: no plots
    first = json.loads(signals.read_text().splitlines()[0])
    assert first["symbol"] == "BTC/USDT:USDT"


def test_a_sweep_prints_a_ranked_table_and_json() -> None:
    grid = ("sim:1:120", "-s", "BTC/USDT:USDT", "--sweep", "short_scalp_reversal_threshold=0.2,0.6")
    table = scalp_tui(*grid)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.strip().splitlines()
    assert lines[0].split()[:2] == ["rank", "short_scalp_reversal_threshold"]
    assert [line.split()[0] for line in lines[1:]] == ["1", "2"]
    data = json.loads(scalp_tui(*grid, "--json").stdout)
    assert [row["rank"] for row in data["sweep"]] == [1, 2]
    assert data["sweep"][0]["totals"]["pnl"] >= data["sweep"][1]["totals"]["pnl"]
    assert data["keys"] == ["short_scalp_reversal_threshold"]


def test_mistakes_are_one_line_and_exit_2(tmp_path) -> None:
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("hello\n")
    cases = [
        (["sim:1:60", "--sweep", "nope=1"], "--sweep nope: unknown key"),
        (["sim:1:60", "--sweep", "leverage=x"], "must be an integer"),
        (["sim:x"], "expected sim[:SEED[:SECONDS]]"),
        ([str(tmp_path / "missing.jsonl.gz")], "missing.jsonl.gz"),
        ([str(garbage)], "garbage.txt"),
        (["sim:1:60", "--jobs", "2"], "--jobs and --ray run the grid of a --sweep"),
        (["sim:1:60", "--sweep", "leverage=2", "--trades-out", "x.csv"], "single run"),
    ]
    for args, says in cases:
        result = scalp_tui(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stderr.count("\n") == 1, (args, result.stderr)
        assert says in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


RECORDING = (
    Path(__file__).resolve().parents[2].parent
    / "shared/data/binance-usdm-btcusdt-20240808.jsonl.gz"
)
needs_recording = pytest.mark.skipif(not RECORDING.exists(), reason=f"{RECORDING} is absent")


@needs_recording
def test_the_real_recording_prints_totals(tmp_path) -> None:
    signals = tmp_path / "signals.jsonl"
    # 1 m candles and a volume floor a minute of this market clears: it trades
    env = {"SCALP_TUI_TIMEFRAME": "1m", "SCALP_TUI_SHORT_SCALP_MIN_VOLUME": "100"}
    result = scalp_tui(str(RECORDING), "--json", "--signals-out", str(signals), env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    totals = data["totals"]
    assert set(totals) == TOTALS
    assert totals["recorded_s"] == pytest.approx(344.7, abs=0.5)  # 23:54:15 to 23:59:59
    assert totals["trades"] == len(data["trades"]) >= 1
    source = data["sources"][0]
    assert source["symbols"] == ["BTC/USDT:USDT"]
    lines = signals.read_text().splitlines()
    assert len(lines) == source["book_updates"] > 6000  # one per applied depth frame
    first, last = json.loads(lines[0]), json.loads(lines[-1])
    assert first["update_id"] == 5123107852948  # the REST snapshot's lastUpdateId
    assert last["update_id"] > first["update_id"]
    assert last["volume"] is not None and last["imbalance_avg"] is not None


@needs_recording
def test_a_recording_without_a_whole_candle_says_why_it_never_traded() -> None:
    # 5.7 minutes starting mid-candle: the first 5 m candle is partial, the next one
    # has not closed when the recording ends
    result = scalp_tui(str(RECORDING), "--json", env={"SCALP_TUI_TIMEFRAME": "5m"})
    assert result.returncode == 0, result.stderr
    source = json.loads(result.stdout)["sources"][0]
    assert source["totals"]["trades"] == 0
    assert any("no whole 5m candle closed" in note for note in source["notes"])


@needs_recording
def test_a_recording_replayed_under_another_symbol_says_so_first() -> None:
    renamed = scalp_tui(str(RECORDING), "--json", "--symbol", "ETH/USDT:USDT")
    assert renamed.returncode == 0, renamed.stderr
    (source,) = json.loads(renamed.stdout)["sources"]
    assert source["symbols"] == ["ETH/USDT:USDT"]
    assert source["notes"][0] == "recording: BTC/USDT:USDT replayed as ETH/USDT:USDT (--symbol)"
    same = scalp_tui(str(RECORDING), "--json", "--symbol", "BTC/USDT:USDT")
    (source,) = json.loads(same.stdout)["sources"]
    assert not any("replayed as" in note for note in source["notes"])
