"""Where settings come from, as pydantic-settings sources: the JSON file, the
secrets file, the environment (`SCALP_TUI_*`, `__` for nesting) and the command
line, highest last. Each source also says which keys it set, so a problem names
the file, the variable or the command line its value came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, JsonConfigSettingsSource

from scalp_tui.input_files import (
    MAX_CONFIG_BYTES,
    MAX_SECRETS_BYTES,
    check_private,
    read_json_object,
)

ENV_PREFIX = "SCALP_TUI_"
# variables with our prefix that name files rather than settings
NOT_SETTINGS = {f"{ENV_PREFIX}SECRETS_FILE", f"{ENV_PREFIX}JOURNAL"}
SECRET_KEYS = ("api_key", "api_secret", "api_password", "engine_token")


class SourceProblem(Exception):
    """A source that cannot be read at all: one line."""


def key_paths(data: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for key, value in data.items():
        path = (*prefix, str(key))
        out.append(path)
        if isinstance(value, Mapping):
            out.extend(key_paths(value, path))
    return out


class SettingsFile(JsonConfigSettingsSource):
    """A JSON file of settings, read bounded (`input_files`); unlike the library's
    source, a file named but missing is an error, not an empty layer."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        super().__init__(settings_cls, json_file=path)
        self.label = str(path)

    def _read_files(self, files: Any, deep_merge: bool = False) -> dict[str, Any]:
        return self._read_file(self.path)

    def _read_file(self, path: Any) -> dict[str, Any]:
        data = read_json_object(Path(path), "config file", MAX_CONFIG_BYTES)
        for key in SECRET_KEYS:
            if key in data:
                self.problems.append(
                    f"{path}: {key} must not be in the config file; set "
                    f"{ENV_PREFIX}{key.upper()} or use a secrets file"
                )
                del data[key]
        return data

    def origins(self) -> dict[tuple[str, ...], str]:
        return dict.fromkeys(key_paths(self.init_kwargs), self.label)


class SecretsFile(SettingsFile):
    """The API credentials, from a file only its owner may read (ssh's rule)."""

    def _read_file(self, path: Any) -> dict[str, Any]:
        raw = read_json_object(Path(path), "secrets file", MAX_SECRETS_BYTES)
        check_private(Path(path), "secrets file")  # after: a device is no secrets file
        data = {}
        for key, value in raw.items():
            if key not in SECRET_KEYS:
                self.problems.append(
                    f"{path}: {key}: unknown key (expected one of {', '.join(SECRET_KEYS)})"
                )
            elif not isinstance(value, str) or not value:
                self.problems.append(f"{path}: {key}: must be a non-empty string")
            else:
                data[key] = value
        return data


class Environment(EnvSettingsSource):
    """`SCALP_TUI_*` variables from the given mapping; a variable with our prefix that
    names no setting is reported as an unknown key (a misspelt risk setting must
    not be ignored)."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self.given = {
            name: value
            for name, value in env.items()
            if name.upper().startswith(ENV_PREFIX) and name.upper() not in NOT_SETTINGS
        }
        super().__init__(settings_cls)
        self.found: dict[str, Any] = {}

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name.lower(): value for name, value in self.given.items()}

    def prepare_field_value(
        self, field_name: str, field: FieldInfo, value: Any, value_is_complex: bool
    ) -> Any:
        try:
            return super().prepare_field_value(field_name, field, value, value_is_complex)
        except ValueError:
            name = f"{ENV_PREFIX}{field_name.upper()}"
            raise SourceProblem(f"environment {name}: not valid JSON for {field_name}") from None

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        fields = self.settings_cls.model_fields
        for name, value in self.given.items():
            key = name[len(ENV_PREFIX) :].lower()
            top = key.split("__")[0]
            if top not in fields or ("__" in key and not self.field_is_complex(fields[top])):
                data[key] = value  # refused by the model as an unknown key
        self.found = data
        return data

    def origins(self) -> dict[tuple[str, ...], str]:
        return {
            path: f"environment {ENV_PREFIX}{'__'.join(path).upper()}"
            for path in key_paths(self.found or self())
        }
