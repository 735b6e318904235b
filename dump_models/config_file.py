"""The YAML config file: reading it with line numbers, checking it by tables, its defaults.

(Over 350 lines: every rule of the file and its message, kept together so they read as one.)
Every problem is one :class:`DumpModelsError` line naming the file, the line of the key when
the parser gives one, and the fix (docs: README "Configuration").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from .errors import DumpModelsError
from .inputs import DEFAULT_CONFIG
from .limits import DEFAULT_LIMITS
from .providers import (
    CI_VARIABLES,
    NAME_RE,
    PAGING_SCHEMES,
    TOOL_FILES,
    ProviderSpec,
    auth_problem,
    default_key_env,
    is_ci_variable,
)
from .risk_policy import parse_lifecycle, parse_policy, parse_usage
from .suggest import did_you_mean

# The blocks whose own module reads them (docs/risk.md): key -> its parser, given the mapping
# under the key (None when absent) and the file's Where for `file:line` errors.
SECTIONS: dict[str, Callable[[Any, Where], Any]] = {
    "risk": parse_policy,
    "lifecycle": parse_lifecycle,
    "usage": parse_usage,
}
TOP_KEYS = ("output_dir", "providers", "settings", *SECTIONS)
SETTINGS_DEFAULTS: dict[str, float | int] = {
    "concurrency": 8,
    "timeout": 30,
    "retries": 3,
    "max_removal_ratio": 0.5,
    **asdict(DEFAULT_LIMITS),
}


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# setting -> (its test, what it must be: the end of the error line)
SETTING_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "concurrency": (lambda v: _whole(v) and v >= 1, "a whole number ≥ 1"),
    "timeout": (lambda v: _number(v) and v > 0, "a finite number of seconds > 0"),
    "retries": (lambda v: _whole(v) and v >= 0, "a whole number ≥ 0"),
    "max_removal_ratio": (lambda v: _number(v) and 0 <= v <= 1, "a number between 0 and 1"),
    "max_response_bytes": (lambda v: _whole(v) and v >= 1, "a whole number of bytes ≥ 1"),
    "max_listing_bytes": (lambda v: _whole(v) and v >= 1, "a whole number of bytes ≥ 1"),
    "max_listing_values": (lambda v: _whole(v) and v >= 1, "a whole number ≥ 1"),
    "max_pages": (lambda v: _whole(v) and v >= 1, "a whole number ≥ 1"),
    "provider_timeout": (lambda v: _number(v) and v > 0, "a finite number of seconds > 0"),
}

# --- a provider entry: each key's check and the ProviderSpec field it sets ----------------

# RFC 9110 token (a header name) and what may not be in a header value (no line breaks).
HEADER_NAME_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
VARIABLE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # matched whole (fullmatch)
Check = Callable[[Any], "str | None"]  # why a value is not valid, or None
# How a valid value changes the spec's field: it replaces it, is added to the built-in's
# mapping (whose own entries stay), follows the built-in's paths, or becomes the only one.
How = Literal["set", "merge", "append", "only"]
_NON_EMPTY = "must be a non-empty string"
_NAMES_TO_TEXT = "must be a mapping of names to strings"


def _must(test: Callable[[Any], bool], hint: str) -> Check:
    """A check from a test and what a value must be (the end of the error line)."""
    return lambda value: None if test(value) else hint


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _names_to_text(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, (str, int, float)) for v in value.values())


def _endpoint_problem(value: Any) -> str | None:
    if not _text(value):
        return _NON_EMPTY
    return None if re.match(r"^https?://", value) else f"must be an http(s) URL, not {value!r}"


def _auth_problem(value: Any) -> str | None:
    problem = auth_problem(str(value))
    return f"is {value!r}: {problem}" if problem else None


def _headers_problem(value: Any) -> str | None:
    if not _names_to_text(value):
        return _NAMES_TO_TEXT
    for header, text in value.items():
        if not HEADER_NAME_RE.fullmatch(str(header)) or CONTROL_RE.search(str(text)):
            return (
                f"has {str(header)!r}: a header name is letters, digits and "
                "-_.!#$%&'*+^`|~, its value one line without control characters"
            )
    return None


# key -> (its check, the ProviderSpec field it sets, how); in the order the unknown-key
# error lists them. Every ProviderSpec field can be overridden.
PROVIDER_RULES: dict[str, tuple[Check, str, How]] = {
    "endpoint": (_endpoint_problem, "endpoint", "set"),
    "models_path": (_must(_text, _NON_EMPTY), "models_path", "set"),
    "auth": (_auth_problem, "auth", "set"),
    "headers": (_headers_problem, "headers", "merge"),
    "params": (_must(_names_to_text, _NAMES_TO_TEXT), "params", "merge"),
    "api_key_env": (
        _must(
            lambda v: isinstance(v, str) and bool(VARIABLE_RE.fullmatch(v)),
            "must be an environment variable name",
        ),
        "key_env",
        "only",
    ),
    "ignore_fields": (
        _must(
            lambda v: isinstance(v, list) and all(map(_text, v)),
            "must be a list of field names (dotted paths)",
        ),
        "volatile_fields",
        "append",
    ),
    "list_key": (
        _must(
            lambda v: v is None or isinstance(v, str),
            "must be a string, or null for a top-level array",
        ),
        "list_key",
        "set",
    ),
    "id_field": (_must(_text, _NON_EMPTY), "id_field", "set"),
    "paging": (
        _must(lambda v: v in PAGING_SCHEMES, f"must be one of {', '.join(PAGING_SCHEMES)}"),
        "paging",
        "set",
    ),
}
PROVIDER_KEYS = tuple(PROVIDER_RULES)


# --- the file ---------------------------------------------------------------------------


class Where:
    """Finds the line of a key path in a YAML document, for error messages."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        try:
            self.root = yaml.compose(text)
        except yaml.YAMLError:
            self.root = None

    def line(self, *keys: str) -> int | None:
        """The line of the last of ``keys`` that is there (None: not even the first)."""
        node, line = self.root, None
        for key in keys:
            if not isinstance(node, yaml.MappingNode):
                break
            for knode, vnode in node.value:
                if knode.value == key:
                    line, node = knode.start_mark.line + 1, vnode
                    break
            else:
                break
        return line

    def error(self, message: str, *keys: str) -> DumpModelsError:
        """``<file>:<line>: <message>``, the line being that of ``keys`` when known."""
        line = self.line(*keys)
        where = f"{self.path}:{line}" if line else self.path
        return DumpModelsError(f"{where}: {message}")


@dataclass(frozen=True)
class ConfigFile:
    """The YAML config as read, its top level checked; ``where`` finds the line of a key."""

    data: Mapping[str, Any]
    where: Where

    @property
    def output_dir(self) -> str | None:
        """``output_dir`` as written, or None when it is not set."""
        return self.data.get("output_dir") or None

    def provider_specs(
        self, registry: Mapping[str, ProviderSpec]
    ) -> dict[str, ProviderSpec] | None:
        """Each listed provider's spec (a built-in's with the entry's changes, or a custom
        one); None when the config lists no providers."""
        listed = self.data.get("providers")
        if listed is None:
            return None
        where = self.where
        if not isinstance(listed, dict):
            raise where.error(
                "providers must be a mapping of provider names to settings ({} for defaults)",
                "providers",
            )
        specs: dict[str, ProviderSpec] = {}
        for name, entry in listed.items():
            line = where.line("providers", str(name))
            check_name(name, f"{where.path}:{line}" if line else where.path, "rename it")
            if entry is None:
                entry = {}
            if not isinstance(entry, dict):
                raise where.error(
                    f"provider {name!r} must map to settings ({{}} for the defaults)",
                    "providers",
                    name,
                )
            specs[name] = _provider_spec(name, entry, where, registry)
        return specs

    def section(self, key: str) -> Any:
        """The block ``key`` of :data:`SECTIONS`, read by its module (its defaults when it is
        absent)."""
        return SECTIONS[key](self.data.get(key), self.where)

    def settings(self) -> dict[str, float | int]:
        """The ``settings:`` values, checked, over :data:`SETTINGS_DEFAULTS`."""
        data, where = self.data.get("settings"), self.where
        if data is None:
            return dict(SETTINGS_DEFAULTS)
        if not isinstance(data, dict):
            raise where.error("settings must be a mapping", "settings")
        _check_keys(where, data, tuple(SETTINGS_DEFAULTS), "settings")
        for key, value in data.items():
            # Every setting is a number, and a finite one (YAML reads .inf and .nan as floats).
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            if numeric and not math.isfinite(value):
                raise where.error(
                    f"settings.{key} is {value!r}; it must be a finite number", "settings", key
                )
            valid, hint = SETTING_RULES[key]
            if not valid(value):
                raise where.error(
                    f"settings.{key} is {value!r}; it must be {hint}", "settings", key
                )
        return {**SETTINGS_DEFAULTS, **data}


def read_config(workspace: Path, given: str | None) -> ConfigFile:
    """The config ``given`` (relative to the workspace; it must exist), else the default
    file when there is one, else an empty config."""
    data: Any = None
    where = Where(DEFAULT_CONFIG, "")
    if given:
        data, where = _read_yaml(workspace / given, given)
    elif (workspace / DEFAULT_CONFIG).is_file():
        data, where = _read_yaml(workspace / DEFAULT_CONFIG, DEFAULT_CONFIG)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise where.error(f"the config must be a mapping with {', '.join(TOP_KEYS)}")
    _check_keys(where, data, TOP_KEYS)
    if data.get("output_dir") and not isinstance(data["output_dir"], str):
        raise where.error("output_dir must be a path string", "output_dir")
    return ConfigFile(data, where)


def _read_yaml(path: Path, shown: str) -> tuple[Any, Where]:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise DumpModelsError(
            f"{shown}: cannot read config ({exc.strerror}); "
            "pass an existing file to --config (input `config`)"
        ) from None
    except UnicodeDecodeError as exc:
        raise DumpModelsError(
            f"{shown}: not UTF-8 text (byte {exc.start}); save the config as UTF-8"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DumpModelsError(_yaml_problem(shown, exc)) from None
    return data, Where(shown, text)


def _yaml_problem(shown: str, exc: yaml.YAMLError) -> str:
    """One line for broken YAML, at the line where the broken construct starts (an unclosed
    ``[`` or quote), which is where to look, and where the parser gave up."""
    end = getattr(exc, "problem_mark", None)
    start = getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None) or ""
    what = re.sub(r"^while (parsing|scanning) ", "", context)
    if end is not None and start is not None and what and start.line < end.line:
        return (
            f"{shown}:{start.line + 1}: malformed YAML: {what} starts here and is broken at "
            f"line {end.line + 1} ({problem}); fix the syntax from line {start.line + 1}"
        )
    line = f":{end.line + 1}" if end is not None else ""
    return f"{shown}{line}: malformed YAML ({problem}); fix the syntax at that line"


def _check_keys(where: Where, data: Mapping, allowed: tuple[str, ...], *path: str) -> None:
    for key in data:
        if key not in allowed:
            what = "in " + ".".join(path) if path else "at the top level"
            raise where.error(
                f"unknown key {key!r} {what}{did_you_mean(key, allowed)}; "
                f"expected one of: {', '.join(allowed)}",
                *path,
                str(key),
            )


def check_name(name: Any, where_line: str, how: str) -> str:
    """A provider name, which becomes a file name; else one error line (``how``: the fix)."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name) or ".." in name:
        raise DumpModelsError(
            f"{where_line}: provider name {name!r} is not valid: it becomes a file name, so use "
            f"lower-case letters, digits, '.', '_' and '-' only, starting with a letter or digit "
            f"({how})"
        )
    if f"{name}.json" in TOOL_FILES:
        raise DumpModelsError(
            f"{where_line}: provider name {name!r} is not valid: {name}.json is the tool's own "
            f"file in the output directory ({how})"
        )
    return name


def _provider_spec(
    name: str, entry: Mapping, where: Where, registry: Mapping[str, ProviderSpec]
) -> ProviderSpec:
    """A provider's spec: the built-in one with the entry's changes, or a custom one."""
    base = registry.get(name)
    _check_keys(where, entry, PROVIDER_KEYS, "providers", name)
    changes: dict[str, Any] = {}
    for key, (check, field, how) in PROVIDER_RULES.items():
        if key not in entry:
            continue
        value = entry[key]
        problem = check(value)
        if problem:
            raise where.error(f"provider {name!r}: {key} {problem}", "providers", name, key)
        if how == "merge":
            value = {
                **(getattr(base, field) if base else {}),
                **{str(k): str(v) for k, v in value.items()},
            }
        elif how == "append":
            value = (getattr(base, field) if base else ()) + tuple(value)
        elif how == "only":
            value = (value,)
        changes[field] = value

    variable = entry.get("api_key_env")
    if variable is not None and is_ci_variable(variable):
        own = next((v for v in (base.key_env if base else ()) if not is_ci_variable(v)), None)
        raise where.error(
            f"provider {name!r}: api_key_env {variable} is a CI variable ({CI_VARIABLES}), "
            f"never a provider's key; store the key in a secret of its own and name its "
            f"variable, e.g. api_key_env: {own or _own_key_env(name)}",
            "providers",
            name,
            "api_key_env",
        )
    if base is not None:
        if changes.get("auth") == "none":  # a built-in made keyless (a local proxy, say)
            changes["key_optional"] = True
        return replace(base, **changes)
    if "endpoint" not in changes:
        raise where.error(
            f"custom provider {name!r} has no endpoint{did_you_mean(name, registry)}; "
            f"add 'endpoint: https://…/v1' (or use a built-in name: see 'dump-models providers')",
            "providers",
            name,
        )
    if "key_env" not in changes and is_ci_variable(default_key_env(name)):
        raise where.error(
            f"provider {name!r}: its key variable would be {default_key_env(name)}, a CI "
            f"variable ({CI_VARIABLES}); set api_key_env to a variable of your own, e.g. "
            f"api_key_env: {_own_key_env(name)}",
            "providers",
            name,
        )
    return ProviderSpec(
        name=name,
        builtin=False,
        key_env=changes.pop("key_env", (default_key_env(name),)),
        key_optional=changes.get("auth", "bearer") == "none",
        **changes,
    )


def _own_key_env(name: str) -> str:
    """A key variable for ``name`` outside the CI namespaces (for error messages)."""
    variable = default_key_env(name)
    return f"MY_{variable}" if is_ci_variable(variable) else variable
