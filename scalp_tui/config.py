"""Configuration: defaults < JSON file < environment < command-line flags.

Every problem becomes one line naming the key and where the value came from; a
misspelt key is an error (a risk setting must never be ignored silently). Secrets
come only from the environment or a separate secrets file and are never shown.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from scalp_tui.config_errors import describe_errors
from scalp_tui.engine.candles import TIMEFRAME_MS

DEFAULT_CONFIG = Path("configs/default.json")
_PERP_SYMBOL = re.compile(r"^[A-Z0-9]+/[A-Z0-9]+:[A-Z0-9]+$")
ENV_PREFIX = "SCALP_TUI_"
# variables with our prefix that name files rather than settings
NOT_SETTINGS = {f"{ENV_PREFIX}SECRETS_FILE", f"{ENV_PREFIX}JOURNAL"}
SECRET_KEYS = ("api_key", "api_secret", "api_password")
# Real orders need the trader's consent at the moment of starting: `--live` on the
# headless command line, or LIVE typed in the console. A `paper: false` read from a
# file or the environment is not that (it may have been written long ago, or be
# inherited from a shell), so it is refused with the way that is, for the command run.
CONSENT_HEADLESS = "real orders go out only with `scalp-tui headless --live`"
CONSENT_CONSOLE = "real orders go out only after pressing p in the console and typing LIVE"
CONSENT_ANY = (
    "real orders go out only with `scalp-tui headless --live` or by typing LIVE in the console"
)


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class EntrySignalParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    short_entry_condition_661_enable: bool = True


class ExchangeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field("simulated", min_length=1)
    sandbox: bool = False
    rest_url: str | None = None
    ws_url: str | None = None

    @field_validator("rest_url")
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return v

    @field_validator("ws_url")
    @classmethod
    def _ws(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("ws://", "wss://")):
            raise ValueError("must be a ws:// or wss:// URL")
        return v


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    short_scalp_profit_buffer: float = Field(0.001, gt=0, lt=0.1)
    short_scalp_timeout: float = Field(15, gt=0, le=1440)
    short_scalp_min_volume: float = Field(1000, gt=0)
    short_scalp_min_spread: float = Field(0.0005, gt=0, lt=0.05)
    short_scalp_profit_target: float = Field(0.005, gt=0, lt=1)
    short_entry_signal_params: EntrySignalParams = Field(default_factory=EntrySignalParams)
    short_scalp_book_depth: int = Field(10, ge=1, le=100)
    short_scalp_imbalance_threshold: float = Field(0.3, gt=0, lt=1)
    # seconds of time-weighted mean behind the imbalance the rules compare; 0: instantaneous
    short_scalp_imbalance_window_s: float = Field(10, ge=0, le=600)
    short_scalp_reversal_threshold: float = Field(0.3, gt=0, lt=1)
    short_scalp_stop_loss: float = Field(0.015, gt=0, lt=1)
    leverage: int = Field(3, ge=1, le=125)
    stake_amount: float = Field(100, gt=0)
    max_open_positions: int = Field(3, ge=1, le=50)
    max_daily_loss: float = Field(50, gt=0)
    stale_after_ms: int = Field(3000, ge=100, le=600_000)
    confirm_timeout_s: float = Field(10, ge=1, le=600)
    # a proposal whose entry conditions stop holding is withdrawn after this long
    confirm_grace_s: float = Field(2, ge=0, le=60)
    proposal_cooldown_s: float = Field(15, ge=0, le=3600)
    max_slippage: float = Field(0.002, ge=0, le=0.05)
    taker_fee: float = Field(0.0005, ge=0, le=0.01)
    maker_fee: float = Field(0.0002, ge=-0.001, le=0.01)
    timeframe: Literal["1m", "3m", "5m", "15m", "30m", "1h"] = "5m"
    symbols: list[str] = Field(
        default_factory=lambda: ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"],
        min_length=1,
    )
    mode: Literal["auto", "confirm"] = "confirm"
    # false is refused when read from a file or the environment: see CONSENT_*
    paper: bool = True
    entry_order_type: Literal["market", "limit"] = "market"
    entry_limit_timeout_s: float = Field(30, gt=0, le=3600)
    kill_switch_max_attempts: int = Field(5, ge=1, le=20)
    kill_switch_backoff_s: float = Field(0.5, gt=0, le=10)
    # orders an earlier run left working on the exchange, found at the next start
    restart_open_orders: Literal["cancel", "reattach"] = "cancel"
    # a reduce-only stop resting at the venue at the stop price after every live entry
    # fill: it protects the short while this program is not running
    stoploss_on_exchange: bool = True
    exchange: ExchangeSettings = Field(default_factory=ExchangeSettings)
    # console key overrides: action id -> key(s), e.g. {"toggle_mode": "m"}
    keys: dict[str, str] = Field(default_factory=dict)
    api_key: SecretStr | None = None
    api_secret: SecretStr | None = None
    api_password: SecretStr | None = None

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, v: list[str]) -> list[str]:
        for symbol in v:
            if not _PERP_SYMBOL.match(symbol):
                raise ValueError(f"{symbol!r} is not a linear perpetual symbol like BTC/USDT:USDT")
        if len(set(v)) != len(v):
            raise ValueError("symbols must not repeat")
        return v

    @property
    def timeframe_ms(self) -> int:
        return TIMEFRAME_MS[self.timeframe]

    @property
    def has_credentials(self) -> bool:
        return self.api_key is not None and self.api_secret is not None

    @classmethod
    def settings_customise_sources(  # type: ignore[override]
        cls, settings_cls: Any, init_settings: Any, *args: Any, **kwargs: Any
    ) -> tuple[Any, ...]:
        # Layers are merged by `load_config` so each problem can name its source;
        # pydantic-settings only validates the merged result.
        return (init_settings,)


NON_SECRET_KEYS = tuple(k for k in Settings.model_fields if k not in SECRET_KEYS)


@dataclass
class LoadedConfig:
    settings: Settings
    source: Path | None
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- layers


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: {what} not found"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read {what} ({exc.strerror})"]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            [f"{path}: line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg})"]
        ) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: must hold a JSON object of settings"])
    return data


def _env_layer(env: Mapping[str, str]) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    """Settings from SCALP_TUI_* variables, and which variable set each key."""
    data: dict[str, Any] = {}
    origin: dict[tuple[str, ...], str] = {}
    for name, raw in env.items():
        if not name.upper().startswith(ENV_PREFIX) or name.upper() in NOT_SETTINGS:
            continue
        path = tuple(part.lower() for part in name[len(ENV_PREFIX) :].split("__"))
        value: Any = raw
        if path == ("symbols",):
            value = _parse_list(raw)
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[path[-1]] = value
            origin[path] = name
    return data, origin


def _parse_list(raw: str) -> Any:
    raw = raw.strip()
    if raw.startswith("["):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return [s.strip() for s in raw.split(",") if s.strip()]


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _paths(data: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for key, value in data.items():
        path = (*prefix, key)
        out.append(path)
        if isinstance(value, Mapping):
            out.extend(_paths(value, path))
    return out


# ---------------------------------------------------------------------------- loading


def load_config(
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    secrets_file: Path | None = None,
    consent: str = CONSENT_ANY,
) -> LoadedConfig:
    """The merged configuration; `consent` says how real orders are asked for, in
    the refusal of a `paper: false` (it differs between the console and headless)."""
    env = os.environ if env is None else env
    problems: list[str] = []

    source: Path | None = None
    file_data: dict[str, Any] = {}
    if config_file is not None:
        source = Path(config_file)
        file_data = _read_json(source, "config file")
    elif DEFAULT_CONFIG.is_file():
        source = DEFAULT_CONFIG
        file_data = _read_json(source, "config file")
    file_label = str(source) if source else "defaults"

    for key in SECRET_KEYS:
        if key in file_data:
            problems.append(
                f"{file_label}: {key} must not be in the config file; set "
                f"{ENV_PREFIX}{key.upper()} or use a secrets file"
            )
            del file_data[key]

    env_data, env_origin = _env_layer(env)
    secrets_path = secrets_file or (
        Path(env[f"{ENV_PREFIX}SECRETS_FILE"]) if env.get(f"{ENV_PREFIX}SECRETS_FILE") else None
    )
    secret_data: dict[str, Any] = {}
    if secrets_path is not None:
        raw = _read_json(secrets_path, "secrets file")
        for key, value in raw.items():
            if key not in SECRET_KEYS:
                problems.append(
                    f"{secrets_path}: {key}: unknown key (expected one of {', '.join(SECRET_KEYS)})"
                )
            elif not isinstance(value, str) or not value:
                problems.append(f"{secrets_path}: {key}: must be a non-empty string")
            else:
                secret_data[key] = value

    cli_data = dict(overrides or {})
    origin: dict[tuple[str, ...], str] = {}
    for path in _paths(file_data):
        origin[path] = file_label
    for path in _paths(secret_data):
        origin[path] = str(secrets_path)
    for path, name in env_origin.items():
        origin[path] = f"environment {name}"
    for path in _paths(cli_data):
        origin[path] = "command line"

    merged = _merge(_merge(_merge(file_data, secret_data), env_data), cli_data)
    refusal = _paper_refusal(merged, origin, file_label, consent)
    if refusal is not None:
        problems.append(refusal)
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        problems.extend(describe_errors(exc, origin, file_label, _suggest))
        settings = None
    if problems:
        raise ConfigError(problems)
    assert settings is not None

    warnings = []
    if not settings.short_entry_signal_params.short_entry_condition_661_enable:
        warnings.append(
            "short_entry_signal_params.short_entry_condition_661_enable is false: "
            "entry 661 will never fire"
        )
    return LoadedConfig(settings, source, warnings)


def _paper_refusal(
    merged: Mapping[str, Any], origin: Mapping[tuple[str, ...], str], label: str, consent: str
) -> str | None:
    """One line when the merged settings ask for real orders (`paper` false)."""
    try:
        paper = TypeAdapter(bool).validate_python(merged.get("paper", True))
    except ValidationError:
        return None  # not a boolean at all: reported with the other values
    if paper:
        return None
    return f"{origin.get(('paper',), label)}: paper = false is refused: {consent}"


def _suggest(loc: tuple[str, ...]) -> str:
    if len(loc) == 1:
        known = list(NON_SECRET_KEYS)
    elif loc[0] == "exchange":
        known = list(ExchangeSettings.model_fields)
    elif loc[0] == "short_entry_signal_params":
        known = list(EntrySignalParams.model_fields)
    else:
        known = []
    match = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.6)
    return f" (did you mean {match[0]}?)" if match else ""


# ---------------------------------------------------------------------------- display


def implied_figures(settings: Settings) -> dict[str, float]:
    """Price moves the target and the stop need (taker fees in and out)."""
    lev = settings.leverage
    fee = settings.taker_fee
    target = settings.short_scalp_profit_target + settings.short_scalp_profit_buffer

    def ratio_price(pr: float) -> float:
        # profit_ratio = pnl / (q*E*(1 - f_in) / L), solved for P/E (no funding yet)
        return (1 - fee) * (1 - pr / lev) / (1 + fee)

    return {
        "target_price_drop": 1 - ratio_price(target),
        "stop_price_rise": ratio_price(-settings.short_scalp_stop_loss) - 1,
    }


def describe_config(loaded: LoadedConfig) -> str:
    s = loaded.settings
    lines = [f"# effective configuration (file: {loaded.source or 'none, built-in defaults'})"]
    for key in Settings.model_fields:
        value = getattr(s, key)
        if key in SECRET_KEYS:
            lines.append(f"{key} = {'********' if value is not None else '(not set)'}")
        elif isinstance(value, BaseModel):
            for sub, sub_value in value.model_dump().items():
                lines.append(f"{key}.{sub} = {json.dumps(sub_value)}")
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    figures = implied_figures(s)
    lines.append(
        f"# implied: target needs a {figures['target_price_drop']:.4%} price drop, "
        f"stop triggers on a {figures['stop_price_rise']:.4%} rise "
        f"(leverage {s.leverage}x, taker fee {s.taker_fee:g} in and out)"
    )
    return "\n".join(lines)


def default_file_contents() -> dict[str, Any]:
    """Every non-secret setting at its default, as written to configs/default.json."""
    return Settings().model_dump(exclude=set(SECRET_KEYS))
