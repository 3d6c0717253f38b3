"""Every bad input a user can hand the program gets one line on stderr and exit 2,
never a traceback: the cases of the table in docs/bad-input.md, run through the
program's own entry point."""

from __future__ import annotations

import json
import signal
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scalp_tui.cli import main
from scalp_tui.input_files import MAX_CONFIG_BYTES

DOC = Path(__file__).resolve().parents[2] / "docs" / "bad-input.md"
Setup = Callable[[Path], None]


def write(name: str, content: bytes | str | dict | list, mode: int = 0o600) -> Setup:
    def setup(tmp: Path) -> None:
        path = tmp / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content)
        else:
            path.write_text(json.dumps(content))
        path.chmod(mode)

    return setup


def config(data: dict | list | str | bytes) -> Setup:
    return write("c.json", data)


def foreign_database(tmp: Path) -> None:
    conn = sqlite3.connect(tmp / "other.sqlite")
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()


def folder(tmp: Path) -> None:
    (tmp / "dir").mkdir()


@dataclass(frozen=True)
class Case:
    name: str  # the row of the table in docs/bad-input.md
    argv: tuple[str, ...]  # {tmp} is the test's directory
    expect: str  # part of the one line printed
    setup: tuple[Setup, ...] = ()
    env: dict[str, str] = field(default_factory=dict)


CHECK = ("config", "check", "{tmp}/c.json")
HEADLESS = ("headless", "--config", "{tmp}/c.json", "--duration", "1")
NESTED = "[" * 100_000 + "]" * 100_000
PAIRLIST_ON_EXCHANGE = (*HEADLESS, "--exchange", "binanceusdm", "--pairlist")

CASES = [
    # the configuration file
    Case("binary config file", CHECK, "is not UTF-8 text", (config(b"\xff\xfe\x00\x81" * 64),)),
    Case("deeply nested JSON", CHECK, "nested too deeply", (config(NESTED),)),
    Case("/dev/zero as config", ("config", "check", "/dev/zero"), "not a regular file"),
    Case(
        "a directory as config", ("config", "check", "{tmp}/dir"), "not a regular file", (folder,)
    ),
    Case(
        "config larger than 1 MiB",
        CHECK,
        "larger than 1024 KiB",
        (config(b"{}" + b" " * MAX_CONFIG_BYTES),),
    ),
    Case("missing config file", ("config", "check", "{tmp}/none.json"), "config file not found"),
    Case("invalid JSON", CHECK, "line 1 column 14: invalid JSON", (config('{"leverage": }'),)),
    Case("JSON that is not an object", CHECK, "must hold a JSON object", (config([1, 2]),)),
    Case(
        "stake_amount Infinity",
        CHECK,
        "stake_amount = Infinity: must be a finite number",
        (config('{"stake_amount": Infinity}'),),
    ),
    Case(
        "stake_amount 1e308",
        CHECK,
        "stake_amount = 1e+308: must be at most 10000000",
        (config({"stake_amount": 1e308, "leverage": 125}),),
    ),
    Case(
        "stake_amount 1e999 (read as infinity)",
        CHECK,
        "stake_amount = Infinity: must be a finite number",
        (config('{"stake_amount": 1e999}'),),
    ),
    Case(
        "leverage true",
        CHECK,
        "leverage = true: must be a number, not true or false",
        (config({"leverage": True}),),
    ),
    Case(
        "max_open_positions false",
        CHECK,
        "max_open_positions = false: must be a number, not true or false",
        (config({"max_open_positions": False}),),
    ),
    Case(
        "max_daily_loss Infinity",
        CHECK,
        "max_daily_loss = Infinity: must be a finite number",
        (config('{"max_daily_loss": Infinity}'),),
    ),
    Case(
        "short_scalp_min_volume Infinity",
        CHECK,
        "short_scalp_min_volume = Infinity: must be a finite number",
        (config('{"short_scalp_min_volume": Infinity}'),),
    ),
    Case(
        "profit target NaN",
        CHECK,
        "short_scalp_profit_target = NaN: must be a finite number",
        (config('{"short_scalp_profit_target": NaN}'),),
    ),
    Case(
        "leverage 500", CHECK, "leverage = 500: must be at most 125", (config({"leverage": 500}),)
    ),
    Case("leverage 2.5", CHECK, "leverage = 2.5: must be an integer", (config({"leverage": 2.5}),)),
    Case("mode yolo", CHECK, 'mode = "yolo": must be one of', (config({"mode": "yolo"}),)),
    Case("timeframe 7m", CHECK, 'timeframe = "7m": must be one of', (config({"timeframe": "7m"}),)),
    Case("no symbols", CHECK, "symbols = []: must not be empty", (config({"symbols": []}),)),
    Case(
        "a spot symbol",
        CHECK,
        "'BTCUSDT' is not a linear perpetual symbol",
        (config({"symbols": ["BTCUSDT"]}),),
    ),
    Case(
        "misspelt key",
        CHECK,
        "short_scalp_stop_los: unknown key (did you mean short_scalp_stop_loss?)",
        (config({"short_scalp_stop_los": 0.01}),),
    ),
    Case(
        "exchange as a string",
        CHECK,
        'exchange = "okx": has the wrong type',
        (config({"exchange": "okx"}),),
    ),
    Case(
        "ws_url not a WebSocket URL",
        CHECK,
        'exchange.ws_url = "http://x": must be a ws://',
        (config({"exchange": {"ws_url": "http://x"}}),),
    ),
    Case(
        "unsupported exchange id",
        CHECK,
        "exchange.id: exchange 'bogusex' is not supported",
        (config({"exchange": {"id": "bogusex"}}),),
    ),
    Case(
        "unknown console action in keys",
        CHECK,
        "keys.toggle_mod: unknown console action",
        (config({"keys": {"toggle_mod": "m"}}),),
    ),
    Case(
        "a key bound to a number",
        CHECK,
        "keys.kill = 5: must be a string",
        (config({"keys": {"kill": 5}}),),
    ),
    Case("paper false in the file", CHECK, "paper = false is refused", (config({"paper": False}),)),
    Case(
        "api_key in the config file",
        CHECK,
        "api_key must not be in the config file",
        (config({"api_key": "AK-in-file"}),),
    ),
    # the secrets file
    Case(
        "secrets file readable by others",
        ("config", "check", "--secrets", "{tmp}/s.json"),
        "secrets file is open to group or others (mode 0644); run: chmod 600",
        (write("s.json", {"api_key": "k", "api_secret": "s"}, 0o644),),
    ),
    Case(
        "unknown key in the secrets file",
        ("config", "check", "--secrets", "{tmp}/s.json"),
        "api_token: unknown key (expected one of api_key, api_secret, api_password, engine_token)",
        (write("s.json", {"api_token": "x"}),),
    ),
    Case(
        "/dev/zero as secrets file",
        ("config", "check", "--secrets", "/dev/zero"),
        "/dev/zero: secrets file is not a regular file",
    ),
    Case(
        "SCALP_TUI_SECRETS_FILE missing",
        ("config", "check"),
        "secrets file not found",
        env={"SCALP_TUI_SECRETS_FILE": "/nonexistent/s.json"},
    ),
    # the environment
    Case(
        "SCALP_TUI_LEVERAGE=abc",
        ("config", "check"),
        "environment SCALP_TUI_LEVERAGE = abc: must be an integer",
        env={"SCALP_TUI_LEVERAGE": "abc"},
    ),
    Case(
        "SCALP_TUI_STAKE_AMOUNT=inf",
        ("config", "check"),
        "environment SCALP_TUI_STAKE_AMOUNT = inf: must be a finite number",
        env={"SCALP_TUI_STAKE_AMOUNT": "inf"},
    ),
    Case(
        "SCALP_TUI_LEVERAG=3",
        ("config", "check"),
        "environment SCALP_TUI_LEVERAG: leverag: unknown key (did you mean leverage?)",
        env={"SCALP_TUI_LEVERAG": "3"},
    ),
    Case(
        "SCALP_TUI_EXCHANGE=okx",
        ("config", "check"),
        "environment SCALP_TUI_EXCHANGE: not valid JSON for exchange",
        env={"SCALP_TUI_EXCHANGE": "okx"},
    ),
    Case(
        "SCALP_TUI_PAPER=false",
        ("config", "check"),
        "environment SCALP_TUI_PAPER: paper = false is refused",
        env={"SCALP_TUI_PAPER": "false"},
    ),
    Case(
        "SCALP_TUI_API_KEY__X=<value>",
        ("config", "check"),
        "environment SCALP_TUI_API_KEY__X: api_key__x: unknown key",
        env={"SCALP_TUI_API_KEY__X": "AK-nested"},
    ),
    # the command line
    Case("--duration inf", ("headless", "--duration", "inf"), "--duration inf: must be a number"),
    Case("--duration 1e308", ("headless", "--duration", "1e308"), "--duration 1e+308: must be"),
    Case("--duration -1", ("headless", "--duration", "-1"), "--duration -1: must be a number"),
    Case("--duration abc", ("headless", "--duration", "abc"), "Invalid value for '--duration'"),
    Case("--speed nan", ("headless", "--speed", "nan"), "--speed nan: must be a number"),
    Case("--mode yolo", ("headless", "--mode", "yolo"), "--mode 'yolo': must be 'auto'"),
    Case("an unknown option", ("headless", "--bogus"), "No such option: --bogus"),
    Case("an unknown command", ("bogus",), "No such command 'bogus'"),
    Case(
        "--symbol not a perpetual",
        ("headless", "--symbol", "BTCUSDT", "--duration", "1"),
        'command line: symbols = ["BTCUSDT"]',
    ),
    Case("--live on the simulated market", ("headless", "--live"), "--live needs --exchange"),
    Case("trades --since x", ("trades", "--since", "x"), "--since 'x': expected a date"),
    Case(
        "record on an unsupported exchange",
        ("record", "--exchange", "bogus", "--out", "{tmp}/rec"),
        "record --exchange bogus: not supported",
    ),
    # pairlist and blacklist files (checked before any connection)
    Case(
        "--pairlist /dev/zero",
        (*PAIRLIST_ON_EXCHANGE, "/dev/zero"),
        "/dev/zero: the file is not a regular file",
        (config({}),),
    ),
    Case(
        "binary --pairlist",
        (*PAIRLIST_ON_EXCHANGE, "{tmp}/p.json"),
        "is not UTF-8 text",
        (config({}), write("p.json", b"\xff\xfe" * 50)),
    ),
    Case(
        "deeply nested --pairlist",
        (*PAIRLIST_ON_EXCHANGE, "{tmp}/p.json"),
        "the file is nested too deeply",
        (config({}), write("p.json", NESTED)),
    ),
    Case(
        "--pairlist step with a bad number",
        (*PAIRLIST_ON_EXCHANGE, "{tmp}/p.json"),
        "pairlists[1].number_assets = 'many': must be a number",
        (
            config({}),
            write("p.json", {"pairlists": [{"method": "VolumePairList", "number_assets": "many"}]}),
        ),
    ),
    Case(
        "--blacklist with a bad regex",
        (*HEADLESS, "--exchange", "binanceusdm", "--blacklist", "{tmp}/b.json"),
        "bad blacklist regex '(['",
        (config({}), write("b.json", {"exchange": {"pair_blacklist": ["(["]}})),
    ),
    # the journal
    Case(
        "--journal another program's database",
        ("trades", "--journal", "{tmp}/other.sqlite"),
        "not a scalp-tui journal; left untouched",
        (foreign_database,),
    ),
    Case(
        "--journal a text file",
        ("reset-kill-switch", "--journal", "{tmp}/c.json"),
        "not a journal or corrupt (not an SQLite database); left untouched",
        (config("not a database\n" * 20),),
    ),
    Case(
        "--journal /dev/null",
        ("reset-kill-switch", "--journal", "/dev/null"),
        "/dev/null: not a regular file; left untouched",
    ),
    Case(
        "--journal in a read-only directory",
        (*HEADLESS, "--journal", "/sys/journal.sqlite"),
        "/sys/journal.sqlite.lock: cannot create the lock file (Permission denied)",
        (config({}),),
    ),
]


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(__import__("os").environ):
        if name.upper().startswith("SCALP_TUI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SCALP_TUI_JOURNAL", str(tmp_path / "journal.sqlite"))
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_one_line_and_exit_2(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    for setup in case.setup:
        setup(tmp_path)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in case.argv]
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capfd.readouterr()
    lines = err.strip().splitlines()
    assert info.value.code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and case.expect in lines[0], lines[0]
    assert "Traceback" not in out + err
    assert not any(value in out + err for value in case.env.values() if "AK-" in value)


def test_every_case_is_in_the_documented_table() -> None:
    table = DOC.read_text()
    assert len(CASES) >= 40
    for case in CASES:
        assert f"| {case.name} |" in table, case.name
        assert case.expect.replace("|", "\\|") in table, case.expect


def test_no_lock_file_is_left_beside_a_refused_journal(tmp_path: Path) -> None:
    foreign_database(tmp_path)
    with pytest.raises(SystemExit):
        main(["reset-kill-switch", "--journal", str(tmp_path / "other.sqlite")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite"]
