"""Validation errors of the configuration as one line each, naming the key and the
source of its value (the file, the environment variable, the command line)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError


def describe_errors(
    exc: ValidationError,
    origin: Mapping[tuple[str, ...], str],
    default_label: str,
    suggest: Callable[[tuple[str, ...]], str],
    secret_keys: tuple[str, ...] = (),
) -> list[str]:
    """One line per pydantic error, naming the key and where its value came from. The
    value of a secret key is never shown, whatever shape or source it came in."""
    lines = []
    for err in exc.errors():
        loc = tuple(str(p) for p in err["loc"] if not isinstance(p, int))
        key = ".".join(loc)
        where = origin.get(loc) or origin.get(loc[:1]) or default_label
        if err["type"] == "extra_forbidden":
            lines.append(f"{where}: {key}: unknown key{suggest(loc)}")
            continue
        value = err.get("input")
        if loc[:1] and loc[0] in secret_keys:
            lines.append(f"{where}: {key}: {message(err)} (value not shown)")
            continue
        if where.startswith("environment "):  # the variable already names the key
            lines.append(f"{where} = {value}: {message(err)}")
            continue
        shown = json.dumps(value) if isinstance(value, (int, float, str, bool, list)) else value
        lines.append(f"{where}: {key} = {shown}: {message(err)}")
    return lines


def message(err: Mapping[str, Any]) -> str:
    """What is wrong with the value, in words (pydantic's own as the last resort)."""
    ctx = err.get("ctx") or {}
    kind = err["type"]
    bounds = {
        "greater_than": "must be greater than {gt}",
        "greater_than_equal": "must be at least {ge}",
        "less_than": "must be less than {lt}",
        "less_than_equal": "must be at most {le}",
    }
    if kind in bounds:
        return bounds[kind].format(**{k: _number(v) for k, v in ctx.items()})
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be an integer"
    if kind in ("float_parsing", "float_type"):
        return "must be a number"
    if kind == "finite_number":
        return "must be a finite number"
    if kind == "too_long":
        return f"has too many items (at most {ctx.get('max_length')})"
    if kind in ("string_too_long",):
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind == "too_short":
        return "must not be empty"
    if kind in ("string_type",):
        return "must be a string"
    if kind in ("list_type", "model_type", "dict_type", "model_attributes_type"):
        return "has the wrong type" + (" (expected a list)" if kind == "list_type" else "")
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return str(err["msg"])


def _number(value: float) -> str:
    """A bound as written in the docs: 10000000, not 1e+07."""
    if float(value).is_integer() and abs(value) < 1e16:
        return str(int(value))
    return f"{value:g}"
