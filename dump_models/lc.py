"""Providers from the lc CLI's ``config.toml`` (``--lc-config``): ``[providers.NAME]`` tables.

A name that matches a built-in keeps the built-in's shape handling; a key found there is
used like an environment key and registered for redaction at once.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import secrets
from .config_file import check_name
from .errors import DumpModelsError
from .providers import ProviderSpec, default_key_env, is_ci_variable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


def read_lc_config(path: Path, shown: str) -> dict[str, dict[str, Any]]:
    """lc's ``config.toml``: ``[providers.NAME]`` tables (endpoint, api_key, models_path, ...);
    ``shown`` names the file in errors."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise DumpModelsError(
            f"{shown}: cannot read lc config ({exc.strerror}); pass an existing file to --lc-config"
        ) from None
    except UnicodeDecodeError as exc:
        raise DumpModelsError(
            f"{shown}: not UTF-8 text (byte {exc.start}); save the lc config as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = f":{match.group(1)}" if match else ""
        reason = re.sub(r"\s*\(at line.*\)$", "", str(exc))
        raise DumpModelsError(
            f"{shown}{line}: malformed TOML ({reason}); fix the syntax at that line"
        ) from None
    providers = data.get("providers", {})
    if not isinstance(providers, dict):
        raise DumpModelsError(f"{shown}: [providers] must be a table of [providers.NAME] tables")
    result: dict[str, dict[str, Any]] = {}
    for name, table in providers.items():
        check_name(name, shown, f"rename [providers.{json.dumps(name)}]")
        if not isinstance(table, dict):
            raise DumpModelsError(f"{shown}: [providers.{name}] must be a table")
        if "api_key" in table:
            secrets.register(str(table["api_key"]))
        for key in ("endpoint", "models_path", "api_key"):
            if key in table and not isinstance(table[key], str):
                raise DumpModelsError(f"{shown}: [providers.{name}] {key} must be a string")
        if "headers" in table and not isinstance(table["headers"], dict):
            raise DumpModelsError(f"{shown}: [providers.{name}] headers must be a table")
        result[name] = table
    return result


def lc_spec(name: str, table: Mapping[str, Any], base: ProviderSpec | None) -> ProviderSpec:
    """The spec of an lc provider: ``base`` (the configured or built-in one of that name)
    with lc's endpoint, models path and headers, or a custom provider."""
    changes: dict[str, Any] = {}
    if "endpoint" in table:
        changes["endpoint"] = table["endpoint"]
    if "models_path" in table:
        changes["models_path"] = table["models_path"]
    if "headers" in table:
        changes["headers"] = {
            **(base.headers if base else {}),
            **{str(k): str(v) for k, v in table["headers"].items()},
        }
    if base is not None:
        return replace(base, **changes)
    if "endpoint" not in changes:
        raise DumpModelsError(
            f'lc config: [providers.{name}] has no endpoint; add endpoint = "https://…/v1"'
        )
    # lc has no api_key_env: a name whose variable would be a CI one reads lc's key only.
    variable = default_key_env(name)
    key_env = () if is_ci_variable(variable) else (variable,)
    return ProviderSpec(name=name, builtin=False, key_env=key_env, **changes)
