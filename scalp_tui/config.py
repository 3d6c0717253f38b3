"""Configuration: defaults < JSON file < secrets file < environment < command line,
composed by pydantic-settings (the sources are in `config_sources`).

Every problem becomes one line naming the key and where the value came from; a
misspelt key is an error (a risk setting must never be ignored silently). Every
number is finite and bounded. Secrets come only from the environment or a separate
secrets file and are never shown.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from scalp_tui.config_errors import describe_errors
from scalp_tui.config_sources import (
    ENV_PREFIX,
    SECRET_KEYS,
    Environment,
    SecretsFile,
    SettingsFile,
    SourceProblem,
    key_paths,
)
from scalp_tui.engine.candles import TIMEFRAME_MS
from scalp_tui.engine.params import EngineParams
from scalp_tui.input_files import InputFileError

DEFAULT_CONFIG = Path("configs/default.json")
_PERP_SYMBOL = re.compile(r"^[A-Z0-9]+/[A-Z0-9]+:[A-Z0-9]+$")
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


def _not_a_boolean(value: Any) -> Any:
    # pydantic reads true as 1: a leverage of `true` must not become 1x
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


def _symbol_list(value: Any) -> Any:
    """SCALP_TUI_SYMBOLS: a JSON list or comma-separated symbols."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return value
    return [part.strip() for part in text.split(",") if part.strip()]


Number = Annotated[float, BeforeValidator(_not_a_boolean)]
Integer = Annotated[int, BeforeValidator(_not_a_boolean)]
_ENGINE_DEFAULTS = {f.name: f.default for f in fields(EngineParams)}


def engine(name: str, **bounds: Any) -> Any:
    """A setting the engine reads as `EngineParams.<name>`: its default is the
    engine's, and `Settings.engine_values` passes it on."""
    return Field(_ENGINE_DEFAULTS[name], json_schema_extra={"engine": name}, **bounds)


class EntrySignalParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    short_entry_condition_661_enable: bool = engine("entry_enabled")


class ExchangeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field("simulated", min_length=1, max_length=64)
    sandbox: bool = False
    rest_url: str | None = Field(None, max_length=2048)
    ws_url: str | None = Field(None, max_length=2048)

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


# Upper bounds where the rules have none of their own: large enough for any account,
# small enough that stake x leverage / price stays an ordinary float.
MAX_AMOUNT = 10_000_000  # quote currency: stake, daily loss
MAX_VOLUME = 1e15  # base units per candle


class Settings(BaseSettings):
    # every number finite: Infinity would switch a limit off, or overflow on the
    # first entry
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
        allow_inf_nan=False,
    )

    short_scalp_profit_buffer: Number = engine("profit_buffer", gt=0, lt=0.1)
    short_scalp_timeout: Number = engine("timeout_minutes", gt=0, le=1440)
    short_scalp_min_volume: Number = engine("min_volume", gt=0, le=MAX_VOLUME)
    short_scalp_min_spread: Number = engine("min_spread", gt=0, lt=0.05)
    short_scalp_profit_target: Number = engine("profit_target", gt=0, lt=1)
    short_entry_signal_params: EntrySignalParams = Field(default_factory=EntrySignalParams)
    short_scalp_book_depth: Integer = engine("book_depth", ge=1, le=100)
    short_scalp_imbalance_threshold: Number = engine("imbalance_threshold", gt=0, lt=1)
    # seconds of time-weighted mean behind the imbalance the rules compare; 0: instantaneous
    short_scalp_imbalance_window_s: Number = engine("imbalance_window_s", ge=0, le=600)
    short_scalp_reversal_threshold: Number = engine("reversal_threshold", gt=0, lt=1)
    short_scalp_stop_loss: Number = engine("stop_loss", gt=0, lt=1)
    leverage: Integer = engine("leverage", ge=1, le=125)
    stake_amount: Number = engine("stake_amount", gt=0, le=MAX_AMOUNT)
    max_open_positions: Integer = engine("max_open_positions", ge=1, le=50)
    max_daily_loss: Number = engine("max_daily_loss", gt=0, le=MAX_AMOUNT)
    stale_after_ms: Integer = engine("stale_after_ms", ge=100, le=600_000)
    confirm_timeout_s: Number = engine("confirm_timeout_s", ge=1, le=600)
    # a proposal whose entry conditions stop holding is withdrawn after this long
    confirm_grace_s: Number = engine("confirm_grace_s", ge=0, le=60)
    proposal_cooldown_s: Number = engine("proposal_cooldown_s", ge=0, le=3600)
    max_slippage: Number = engine("max_slippage", ge=0, le=0.05)
    taker_fee: Number = engine("taker_fee", ge=0, le=0.01)
    maker_fee: Number = engine("maker_fee", ge=-0.001, le=0.01)
    timeframe: Literal["1m", "3m", "5m", "15m", "30m", "1h"] = engine("timeframe")
    symbols: Annotated[list[str], NoDecode, BeforeValidator(_symbol_list)] = Field(
        default_factory=lambda: ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"],
        min_length=1,
        max_length=200,
    )
    mode: Literal["auto", "confirm"] = engine("mode")
    # false is refused when read from a file or the environment: see CONSENT_*
    paper: bool = engine("paper")
    entry_order_type: Literal["market", "limit"] = engine("entry_order_type")
    entry_limit_timeout_s: Number = engine("entry_limit_timeout_s", gt=0, le=3600)
    kill_switch_max_attempts: Integer = engine("kill_switch_max_attempts", ge=1, le=20)
    kill_switch_backoff_s: Number = engine("kill_switch_backoff_s", gt=0, le=10)
    # orders an earlier run left working on the exchange, found at the next start
    restart_open_orders: Literal["cancel", "reattach"] = "cancel"
    # a reduce-only stop resting at the venue at the stop price after every live entry
    # fill: it protects the short while this program is not running
    stoploss_on_exchange: bool = engine("stoploss_on_exchange")
    exchange: ExchangeSettings = Field(default_factory=ExchangeSettings)
    # the maintenance margin rate of the console's liquidation estimate (unset: the
    # exchange's first-tier rate where known, else 0.005, shown as an estimate)
    maintenance_margin_rate: Number | None = engine("maintenance_margin_rate", ge=0, le=0.5)
    # ticks a position's target or stop moves per key press in the console (+/-, >/<)
    level_step_ticks: Integer = Field(1, ge=1, le=100_000)
    # how far an attached console lowers its own CPU priority (nice) below the
    # engine's, so its drawing never delays an order on a busy machine; 0: not at all
    console_nice: Integer = Field(10, ge=0, le=19)
    # console key overrides: action id -> key(s), e.g. {"toggle_mode": "m"}
    keys: dict[str, str] = Field(default_factory=dict, max_length=200)
    api_key: SecretStr | None = None
    api_secret: SecretStr | None = None
    api_password: SecretStr | None = None
    # what a client must give the engine's TCP endpoint (scalp-tui engine --tcp PORT)
    engine_token: SecretStr | None = None

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, v: list[str]) -> list[str]:
        for symbol in v:
            if len(symbol) > 64 or not _PERP_SYMBOL.match(symbol):
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

    def engine_values(self) -> dict[str, Any]:
        """The settings the engine reads, by their `EngineParams` names."""
        return dict(_engine_items(self))

    @classmethod
    def settings_customise_sources(  # type: ignore[override]
        cls, settings_cls: Any, init_settings: Any, *args: Any, **kwargs: Any
    ) -> tuple[Any, ...]:
        # `load_config` names the file, secrets file and environment of this load;
        # built directly, settings are the defaults and the arguments given
        layers = _LAYERS.get()
        return (init_settings, *layers) if layers else (init_settings,)


def _engine_items(model: BaseModel) -> Iterator[tuple[str, Any]]:
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        extra = info.json_schema_extra
        if isinstance(extra, dict) and "engine" in extra:
            yield str(extra["engine"]), value
        elif isinstance(value, BaseModel):
            yield from _engine_items(value)


_LAYERS: ContextVar[tuple[Any, ...]] = ContextVar("settings_layers", default=())
NON_SECRET_KEYS = tuple(k for k in Settings.model_fields if k not in SECRET_KEYS)


@dataclass
class LoadedConfig:
    settings: Settings
    source: Path | None
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- loading


@contextmanager
def _layers(*sources: Any) -> Iterator[None]:
    token = _LAYERS.set(sources)
    try:
        yield
    finally:
        _LAYERS.reset(token)


def load_config(
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    secrets_file: Path | None = None,
    consent: str = CONSENT_ANY,
) -> LoadedConfig:
    """The merged configuration: defaults < file < secrets file < environment <
    `overrides` (the command line). `consent` says how real orders are asked for, in
    the refusal of a `paper: false` (it differs between the console and headless)."""
    env = os.environ if env is None else env
    source = Path(config_file) if config_file is not None else None
    if source is None and DEFAULT_CONFIG.is_file():
        source = DEFAULT_CONFIG
    file_label = str(source) if source else "defaults"
    secrets_path = secrets_file or (
        Path(env[f"{ENV_PREFIX}SECRETS_FILE"]) if env.get(f"{ENV_PREFIX}SECRETS_FILE") else None
    )
    try:
        layers = [Environment(Settings, env)]
        if secrets_path is not None:
            layers.append(SecretsFile(Settings, secrets_path))
        if source is not None:
            layers.append(SettingsFile(Settings, source))
    except InputFileError as exc:
        raise ConfigError([str(exc)]) from None
    cli_data = dict(overrides or {})

    problems = [line for layer in reversed(layers) for line in getattr(layer, "problems", [])]
    origin: dict[tuple[str, ...], str] = {}
    try:
        for layer in reversed(layers):  # lowest first: a higher layer names the key last
            origin.update(layer.origins())
    except SourceProblem as exc:
        raise ConfigError([*problems, str(exc)]) from None
    origin.update(dict.fromkeys(key_paths(cli_data), "command line"))
    refusal = _paper_refusal(layers, cli_data, origin, file_label, consent)
    if refusal is not None:
        problems.append(refusal)
    settings = None
    try:
        with _layers(*layers):
            settings = Settings(**cli_data)
    except ValidationError as exc:
        problems.extend(describe_errors(exc, origin, file_label, _suggest, SECRET_KEYS))
    except SourceProblem as exc:
        problems.append(str(exc))
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
    layers: list[Any],
    cli_data: Mapping[str, Any],
    origin: Mapping[tuple[str, ...], str],
    label: str,
    consent: str,
) -> str | None:
    """One line when the highest source that sets `paper` asks for real orders."""
    values = [cli_data] + [layer() for layer in layers]
    chosen = next((v["paper"] for v in values if "paper" in v), True)
    try:
        paper = TypeAdapter(bool).validate_python(chosen)
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
