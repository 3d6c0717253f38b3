"""Configuration: defaults, the seed example, precedence, and every validation message."""

import json
from pathlib import Path

import pytest

from scalp_tui.config import (
    CONSENT_ANY,
    CONSENT_CONSOLE,
    CONSENT_HEADLESS,
    ConfigError,
    describe_config,
    implied_figures,
    load_config,
)

SEED_EXAMPLE = {
    "short_scalp_profit_buffer": 0.001,
    "short_scalp_timeout": 15,
    "short_scalp_min_volume": 1000,
    "short_scalp_min_spread": 0.0005,
    "short_scalp_profit_target": 0.005,
    "short_entry_signal_params": {"short_entry_condition_661_enable": True},
}


def write(tmp_path: Path, data: object, name: str = "c.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def problems(tmp_path: Path, data: object, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, data), env=env or {})
    return info.value.problems


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no configs/default.json here: built-in defaults
    s = load_config(env={}).settings
    assert (s.short_scalp_profit_buffer, s.short_scalp_timeout, s.short_scalp_min_volume) == (
        0.001,
        15,
        1000,
    )
    assert (s.short_scalp_min_spread, s.short_scalp_profit_target) == (0.0005, 0.005)
    assert s.short_entry_signal_params.short_entry_condition_661_enable is True
    assert (s.leverage, s.stake_amount, s.max_open_positions, s.max_daily_loss) == (3, 100, 3, 50)
    assert (s.stale_after_ms, s.confirm_timeout_s, s.max_slippage) == (3000, 10, 0.002)
    assert (s.taker_fee, s.maker_fee, s.short_scalp_book_depth) == (0.0005, 0.0002, 10)
    assert (s.short_scalp_imbalance_threshold, s.short_scalp_reversal_threshold) == (0.3, 0.3)
    assert (s.short_scalp_stop_loss, s.timeframe, s.timeframe_ms) == (0.015, "5m", 300_000)
    assert (s.mode, s.paper, s.exchange.id) == ("confirm", True, "simulated")


def test_shipped_default_file_matches_the_built_in_defaults(tmp_path: Path) -> None:
    shipped = load_config(Path("configs/default.json"), env={}).settings
    assert shipped == load_config(write(tmp_path, {}), env={}).settings


def test_seed_example_loads_unchanged(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, SEED_EXAMPLE), env={})
    assert loaded.settings.short_scalp_timeout == 15
    assert loaded.warnings == []


def test_precedence_cli_over_env_over_file_over_default(tmp_path: Path) -> None:
    path = write(tmp_path, {"leverage": 4, "stake_amount": 40, "max_open_positions": 2})
    env = {"SCALP_TUI_LEVERAGE": "5", "SCALP_TUI_STAKE_AMOUNT": "50"}
    s = load_config(path, overrides={"leverage": 6}, env=env).settings
    assert s.leverage == 6  # command line
    assert s.stake_amount == 50  # environment
    assert s.max_open_positions == 2  # file
    assert s.max_daily_loss == 50  # default


def test_env_nesting_with_double_underscore(tmp_path: Path) -> None:
    env = {
        "SCALP_TUI_EXCHANGE__ID": "okx",
        "SCALP_TUI_SHORT_ENTRY_SIGNAL_PARAMS__SHORT_ENTRY_CONDITION_661_ENABLE": "false",
        "SCALP_TUI_SYMBOLS": "BTC/USDT:USDT,ETH/USDT:USDT",
    }
    loaded = load_config(write(tmp_path, {}), env=env)
    assert loaded.settings.exchange.id == "okx"
    assert loaded.settings.symbols == ["BTC/USDT:USDT", "ETH/USDT:USDT"]
    assert not loaded.settings.short_entry_signal_params.short_entry_condition_661_enable
    assert loaded.warnings == [
        "short_entry_signal_params.short_entry_condition_661_enable is false: "
        "entry 661 will never fire"
    ]


@pytest.mark.parametrize(
    ("data", "line"),
    [
        ({"short_scalp_profit_buffer": 0}, "short_scalp_profit_buffer = 0: must be greater than 0"),
        ({"short_scalp_timeout": -5}, "short_scalp_timeout = -5: must be greater than 0"),
        ({"short_scalp_min_volume": 0}, "short_scalp_min_volume = 0: must be greater than 0"),
        ({"leverage": 500}, "leverage = 500: must be at most 125"),
        ({"short_scalp_min_spread": 0.5}, "short_scalp_min_spread = 0.5: must be less than 0.05"),
        ({"max_slippage": -0.1}, "max_slippage = -0.1: must be at least 0"),
        ({"short_scalp_book_depth": 2.5}, "short_scalp_book_depth = 2.5: must be an integer"),
        (
            {"timeframe": "7m"},
            "timeframe = \"7m\": must be one of '1m', '3m', '5m', '15m', '30m' or '1h'",
        ),
        ({"mode": "yolo"}, "mode = \"yolo\": must be one of 'auto' or 'confirm'"),
        ({"symbols": ["BTCUSDT"]}, "is not a linear perpetual symbol like BTC/USDT:USDT"),
        ({"symbols": []}, "symbols = []: must not be empty"),
        ({"exchange": {"ws_url": "http://x"}}, 'exchange.ws_url = "http://x": must be a ws://'),
        (
            {"short_scalp_stop_los": 0.01},
            "short_scalp_stop_los: unknown key (did you mean short_scalp_stop_loss?)",
        ),
        ({"exchange": {"idd": "okx"}}, "exchange.idd: unknown key (did you mean id?)"),
    ],
)
def test_each_validation_message_names_the_key_and_file(
    tmp_path: Path, data: dict, line: str
) -> None:
    (problem,) = problems(tmp_path, data)
    assert problem.startswith(f"{tmp_path / 'c.json'}: ")
    assert line in problem


def test_three_wrong_values_give_three_lines(tmp_path: Path) -> None:
    lines = problems(tmp_path, {"leverage": 0, "short_scalp_timeout": 0, "taker_fee": 1})
    assert len(lines) == 3


def test_invalid_json_gives_the_position(tmp_path: Path) -> None:
    (line,) = problems(tmp_path, '{"leverage": 3,\n "mode" "auto"}')
    assert line == f"{tmp_path / 'c.json'}: line 2 column 9: invalid JSON (Expecting ':' delimiter)"


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.json", env={})
    assert info.value.problems == [f"{tmp_path / 'nope.json'}: config file not found"]


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    lines = problems(tmp_path, {}, env={"SCALP_TUI_LEVERAGE": "abc"})
    assert lines == ["environment SCALP_TUI_LEVERAGE = abc: must be an integer"]


def test_secret_in_config_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    (line,) = problems(tmp_path, {"api_secret": "hunter2-very-secret"})
    assert "api_secret must not be in the config file" in line
    assert "hunter2" not in line


def test_secrets_from_env_and_file_are_masked_everywhere(tmp_path: Path) -> None:
    secrets = write(tmp_path, {"api_secret": "s3cr3t-from-file"}, "secrets.json")
    secrets.chmod(0o600)
    loaded = load_config(
        write(tmp_path, {}),
        env={"SCALP_TUI_API_KEY": "k3y-from-env"},
        secrets_file=secrets,
    )
    s = loaded.settings
    assert s.api_key.get_secret_value() == "k3y-from-env"
    assert s.api_secret.get_secret_value() == "s3cr3t-from-file"
    assert s.has_credentials
    shown = describe_config(loaded) + repr(s) + str(s)
    assert "k3y-from-env" not in shown and "s3cr3t-from-file" not in shown
    assert "api_key = ********" in describe_config(loaded)
    assert "api_password = (not set)" in describe_config(loaded)


def test_implied_figures_for_the_defaults(tmp_path: Path) -> None:
    s = load_config(write(tmp_path, {}), env={}).settings
    figures = implied_figures(s)
    # the ratio's margin is net of the entry fee: P/E = (1 - f)*(1 - r/L)/(1 + f)
    # target: 1 - 0.9995*(1 - 0.006/3)/1.0005 = 1 - 0.997500.../1.0005 = 0.0029975
    assert figures["target_price_drop"] == pytest.approx(0.0029975, abs=1e-7)
    # stop: 0.9995*(1 + 0.015/3)/1.0005 - 1 = 0.0039955
    assert figures["stop_price_rise"] == pytest.approx(0.0039955, abs=1e-7)


# Real orders need consent given at the moment (--live, or LIVE typed in the console):
# `paper: false` read from a file or the environment is refused, naming that way.


def test_paper_false_in_the_file_is_refused_naming_the_way_to_live(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, {"paper": False}), env={}, consent=CONSENT_HEADLESS)
    assert info.value.problems == [
        f"{tmp_path / 'c.json'}: paper = false is refused: "
        "real orders go out only with `scalp-tui headless --live`"
    ]


@pytest.mark.parametrize("value", ["false", "0", "no", "off", "False"])
def test_paper_false_in_the_environment_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, {}), env={"SCALP_TUI_PAPER": value}, consent=CONSENT_CONSOLE)
    assert info.value.problems == [
        "environment SCALP_TUI_PAPER: paper = false is refused: "
        "real orders go out only after pressing p in the console and typing LIVE"
    ]


def test_paper_false_is_one_line_among_the_other_problems(tmp_path: Path) -> None:
    lines = problems(tmp_path, {"paper": False, "leverage": 500})
    assert len(lines) == 2
    assert any(line.endswith("paper = false is refused: " + CONSENT_ANY) for line in lines)
    assert "--live" in CONSENT_ANY and "typing LIVE" in CONSENT_ANY
    # true is fine wherever it is set; a value that is no boolean stays a type error
    assert load_config(write(tmp_path, {"paper": True}), env={"SCALP_TUI_PAPER": "1"}).settings
    (line,) = problems(tmp_path, {"paper": "sometimes"})
    assert line == f'{tmp_path / "c.json"}: paper = "sometimes": must be true or false'


def test_engine_parameters_come_from_the_settings_by_name(tmp_path: Path) -> None:
    """Every engine parameter is set by exactly one setting, and a value set in the
    file reaches the engine."""
    from dataclasses import fields

    from scalp_tui.engine.params import EngineParams

    s = load_config(write(tmp_path, {"leverage": 7, "short_scalp_min_spread": 0.001}), env={})
    values = s.settings.engine_values()
    assert sorted(values) == sorted(f.name for f in fields(EngineParams))
    params = EngineParams.from_settings(s.settings)
    assert (params.leverage, params.min_spread, params.timeout_minutes) == (7, 0.001, 15)
    assert EngineParams.from_settings(load_config(write(tmp_path, {}), env={}).settings) == (
        EngineParams()
    )


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"SCALP_TUI_MAX_DAILY_LOSS": "Infinity"}, "MAX_DAILY_LOSS = Infinity: must be a finite"),
        ({"SCALP_TUI_KEYS": "[1"}, "environment SCALP_TUI_KEYS: not valid JSON for keys"),
        ({"SCALP_TUI_API_KEY__X": "hidden-1"}, "SCALP_TUI_API_KEY__X: api_key__x: unknown key"),
        ({"SCALP_TUI_EXCHANGE__IDD": "okx"}, "exchange.idd: unknown key (did you mean id?)"),
    ],
)
def test_environment_problems_name_the_variable(
    tmp_path: Path, env: dict[str, str], line: str
) -> None:
    (problem,) = problems(tmp_path, {}, env=env)
    assert line in problem and "hidden-1" not in problem


def test_nested_and_json_environment_values_are_read(tmp_path: Path) -> None:
    env = {"SCALP_TUI_KEYS__KILL": "k", "SCALP_TUI_SYMBOLS": '["ETH/USDT:USDT"]'}
    s = load_config(write(tmp_path, {}), env=env).settings
    assert s.keys == {"kill": "k"} and s.symbols == ["ETH/USDT:USDT"]
    # the variables naming files are not settings
    env = {"SCALP_TUI_JOURNAL": str(tmp_path / "j.sqlite")}
    assert load_config(write(tmp_path, {}), env=env).settings.leverage == 3


def test_a_secret_of_the_wrong_shape_is_refused_without_its_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, {}), env={}, overrides={"api_key": {"k": "hidden-2"}})
    (line,) = info.value.problems
    assert line.startswith("command line: api_key:") and "hidden-2" not in line
