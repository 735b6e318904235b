"""One frozen settings object from arguments, the environment, the YAML config and lc's TOML.

This is the only module that reads provider keys from the environment.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import canonical, secrets
from .errors import DumpModelsError
from .limits import DEFAULT_LIMITS, Limits
from .providers import (
    CI_VARIABLES,
    NAME_RE,
    PAGING_SCHEMES,
    ProviderSpec,
    Target,
    auth_problem,
    builtin_registry,
    default_key_env,
    is_ci_variable,
    override,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_CONFIG = ".github/dump-models.yml"
DEFAULT_OUTPUT_DIR = "models"
FAIL_ON = ("any", "all", "never")
TOP_KEYS = ("output_dir", "providers", "settings")
# Fields of a provider entry in the YAML config; every ProviderSpec field can be overridden.
PROVIDER_KEYS = (
    "endpoint",
    "models_path",
    "auth",
    "headers",
    "params",
    "api_key_env",
    "ignore_fields",
    "list_key",
    "id_field",
    "paging",
)
# RFC 9110 token (a header name) and what may not be in a header value (no line breaks).
HEADER_NAME_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
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


@dataclass(frozen=True)
class Settings:
    """Everything a run needs, decided once."""

    output_dir: Path
    targets: tuple[Target, ...] = ()
    config_path: Path | None = None
    concurrency: int = 8
    timeout: float = 30
    retries: int = 3
    max_removal_ratio: float = 0.5
    limits: Limits = DEFAULT_LIMITS
    force: bool = False
    fail_on: str = "any"
    dry_run: bool = False
    report_json: Path | None = None
    report_md: Path | None = None
    step_summary: Path | None = None  # $GITHUB_STEP_SUMMARY when run inside GitHub Actions
    extra_specs: dict[str, ProviderSpec] = field(default_factory=dict)
    # Whose `<name>.json` publish may commit: the config's providers (every built-in when it
    # lists none) and lc's; a --providers subset of one run does not shrink it.
    owned_providers: tuple[str, ...] = ()

    def spec_for(self, name: str) -> ProviderSpec | None:
        """The spec a provider's file is read with: this run's target, else the registry."""
        for target in self.targets:
            if target.name == name:
                return target.spec
        return self.extra_specs.get(name) or builtin_registry().get(name)


# --- YAML with line numbers -------------------------------------------------------------


class _Where:
    """Finds the line of a key path in a YAML document, for error messages."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        try:
            self.root = yaml.compose(text)
        except yaml.YAMLError:
            self.root = None

    def line(self, *keys: str) -> int | None:
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
        line = self.line(*keys)
        where = f"{self.path}:{line}" if line else self.path
        return DumpModelsError(f"{where}: {message}")


def _read_yaml(path: Path, shown: str) -> tuple[Any, _Where]:
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
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DumpModelsError(
            f"{shown}{line}: malformed YAML ({problem}); fix the syntax at that line"
        ) from None
    return data, _Where(shown, text)


def _check_keys(where: _Where, data: Mapping, allowed: tuple[str, ...], *path: str) -> None:
    for key in data:
        if key not in allowed:
            what = "in " + ".".join(path) if path else "at the top level"
            raise where.error(
                f"unknown key {key!r} {what}; expected one of: {', '.join(allowed)}",
                *path,
                str(key),
            )


def _check_name(name: Any, where_line: str, how: str) -> str:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name) or ".." in name:
        raise DumpModelsError(
            f"{where_line}: provider name {name!r} is not valid: it becomes a file name, so use "
            f"lower-case letters, digits, '.', '_' and '-' only, starting with a letter or digit "
            f"({how})"
        )
    return name


def _provider_spec(
    name: str, entry: Mapping, where: _Where, base: ProviderSpec | None
) -> ProviderSpec:
    """A provider's spec: the built-in one with the entry's overrides, or a custom one."""
    _check_keys(where, entry, PROVIDER_KEYS, "providers", name)

    def bad(key: str, message: str) -> DumpModelsError:
        return where.error(f"provider {name!r}: {key} {message}", "providers", name, key)

    changes: dict[str, Any] = {}
    for key in ("endpoint", "models_path", "id_field"):
        if key in entry:
            if not isinstance(entry[key], str) or not entry[key]:
                raise bad(key, "must be a non-empty string")
            changes[key] = entry[key]
    if "endpoint" in changes and not re.match(r"^https?://", changes["endpoint"]):
        raise bad("endpoint", f"must be an http(s) URL, not {changes['endpoint']!r}")
    if "list_key" in entry:
        if entry["list_key"] is not None and not isinstance(entry["list_key"], str):
            raise bad("list_key", "must be a string, or null for a top-level array")
        changes["list_key"] = entry["list_key"]
    if "auth" in entry:
        problem = auth_problem(str(entry["auth"]))
        if problem:
            raise bad("auth", f"is {entry['auth']!r}: {problem}")
        changes["auth"] = str(entry["auth"])
    if "paging" in entry:
        if entry["paging"] not in PAGING_SCHEMES:
            raise bad("paging", f"must be one of {', '.join(PAGING_SCHEMES)}")
        changes["paging"] = entry["paging"]
    for key in ("headers", "params"):
        if key in entry:
            value = entry[key]
            if not isinstance(value, dict) or not all(
                isinstance(v, (str, int, float)) for v in value.values()
            ):
                raise bad(key, "must be a mapping of names to strings")
            if key == "headers":
                for header, text in value.items():
                    if not HEADER_NAME_RE.fullmatch(str(header)) or CONTROL_RE.search(str(text)):
                        raise bad(
                            key,
                            f"has {str(header)!r}: a header name is letters, digits and "
                            "-_.!#$%&'*+^`|~, its value one line without control characters",
                        )
            changes[key] = {
                **(getattr(base, key) if base else {}),  # a built-in's own stay
                **{str(k): str(v) for k, v in value.items()},
            }
    if "api_key_env" in entry:
        value = entry["api_key_env"]
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise bad("api_key_env", "must be an environment variable name")
        if is_ci_variable(value):
            own = next((v for v in (base.key_env if base else ()) if not is_ci_variable(v)), None)
            raise bad(
                "api_key_env",
                f"{value} is a CI variable ({CI_VARIABLES}), never a provider's key; store the "
                f"key in a secret of its own and name its variable, e.g. "
                f"api_key_env: {own or _own_key_env(name)}",
            )
        changes["key_env"] = (value,)
    if "ignore_fields" in entry:
        value = entry["ignore_fields"]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise bad("ignore_fields", "must be a list of field names (dotted paths)")
        changes["volatile_fields"] = (base.volatile_fields if base else ()) + tuple(value)

    if base is not None:
        if changes.get("auth") == "none":  # a built-in made keyless (a local proxy, say)
            changes["key_optional"] = True
        return override(base, **changes)
    if "endpoint" not in changes:
        raise where.error(
            f"custom provider {name!r} has no endpoint; add 'endpoint: https://…/v1' "
            f"(or use a built-in name: see 'dump-models providers')",
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
    auth = changes.get("auth", "bearer")
    return ProviderSpec(
        name=name,
        builtin=False,
        key_env=changes.pop("key_env", (default_key_env(name),)),
        key_optional=auth == "none",
        **changes,
    )


def _own_key_env(name: str) -> str:
    """A key variable for ``name`` outside the CI namespaces (for error messages)."""
    variable = default_key_env(name)
    return f"MY_{variable}" if is_ci_variable(variable) else variable


def _settings_values(data: Any, where: _Where) -> dict[str, Any]:
    if data is None:
        return {}
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
            raise where.error(f"settings.{key} is {value!r}; it must be {hint}", "settings", key)
    return dict(data)


# --- paths (docs/output.md): inside the workspace, outside .git ------------------------


def workspace_path(value: str, workspace: Path, *, directory: bool) -> tuple[Path, str | None]:
    """Where ``value`` (relative to the workspace, or absolute) really leads, as the workspace
    joined with a relative path, and the reason it may not be written to (None when it may).

    Symlinks are followed to find where it leads, which must be inside the workspace and
    outside any ``.git``. A directory must not be the workspace itself (everything would be
    the tool's to commit); a file that exists must be a regular file, not a symlink.
    """
    given = workspace / value
    if not directory:
        kind = canonical.non_regular(given)
        if kind is not None:
            return given, f"is {kind}, not a regular file; it is never replaced"
    root = workspace.resolve()
    try:
        target = given.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        return given, f"cannot be resolved ({exc})"
    try:
        inside = target.relative_to(root)
    except ValueError:
        return given, f"leads outside the workspace {root} (to {target})"
    if any(part.casefold() == ".git" for part in inside.parts):
        return given, f"leads into .git ({target})"
    if directory and not inside.parts:
        return given, "is the workspace itself; use a subdirectory such as models"
    if directory and target.exists() and not target.is_dir():
        return given, f"is {canonical.non_regular(target) or 'a file'}, not a directory"
    return workspace / inside, None


def _checked_output_dir(value: str, workspace: Path, where: _Where | None) -> Path:
    path, problem = workspace_path(value, workspace, directory=True)
    if problem is None:
        return path
    fix = "use a directory inside the checkout and outside .git, such as models"
    if where is not None:
        raise where.error(f"output_dir {value!r} {problem}; {fix}", "output_dir")
    raise DumpModelsError(f"--output-dir (input output-dir) {value!r} {problem}; {fix}")


def _checked_report(flag: str, value: str | None, workspace: Path) -> Path | None:
    if not value:
        return None
    path, problem = workspace_path(value, workspace, directory=False)
    if problem is not None:
        raise DumpModelsError(
            f"{flag} {value!r} {problem}; use a file inside the checkout and outside .git, "
            "or - for stdout"
        )
    return path


def read_lc_config(path: Path, shown: str | None = None) -> dict[str, dict[str, Any]]:
    """lc's ``config.toml``: ``[providers.NAME]`` tables (endpoint, api_key, models_path, ...)."""
    shown = shown or str(path)
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
        _check_name(name, shown, f"rename [providers.{json.dumps(name)}]")
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


def _lc_spec(name: str, table: Mapping[str, Any], base: ProviderSpec | None) -> ProviderSpec:
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
        return override(base, **changes)
    if "endpoint" not in changes:
        raise DumpModelsError(
            f'lc config: [providers.{name}] has no endpoint; add endpoint = "https://…/v1"'
        )
    # lc has no api_key_env: a name whose variable would be a CI one reads lc's key only.
    variable = default_key_env(name)
    key_env = () if is_ci_variable(variable) else (variable,)
    return ProviderSpec(name=name, builtin=False, key_env=key_env, **changes)


def key_for(
    spec: ProviderSpec, environ: Mapping[str, str] | None = None
) -> tuple[str | None, str | None]:
    """A provider's key from the environment, and the variable it came from."""
    environ = os.environ if environ is None else environ
    for variable in spec.key_env:
        value = environ.get(variable, "").strip()
        if value:
            return value, variable
    return None, None


def load_settings(
    *,
    config: str | None = None,
    lc_config: str | None = None,
    providers: str | None = None,
    output_dir: str | None = None,
    report_json: str | None = None,
    report_md: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    fail_on: str = "any",
    max_removal_ratio: float | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Read the configuration once; raise :class:`DumpModelsError` (exit 2) on any problem."""
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else Path(cwd)
    registry = builtin_registry()
    if fail_on not in FAIL_ON:
        raise DumpModelsError(f"--fail-on is {fail_on!r}; use one of: {', '.join(FAIL_ON)}")

    config_path: Path | None = None
    data: Any = None
    where = _Where(DEFAULT_CONFIG, "")
    if config:
        config_path = cwd / config
        data, where = _read_yaml(config_path, config)
    elif (cwd / DEFAULT_CONFIG).is_file():
        config_path = cwd / DEFAULT_CONFIG
        data, where = _read_yaml(config_path, DEFAULT_CONFIG)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise where.error("the config must be a mapping with output_dir, providers, settings")
    _check_keys(where, data, TOP_KEYS)

    out = output_dir or data.get("output_dir") or DEFAULT_OUTPUT_DIR
    if not isinstance(out, str):
        raise where.error("output_dir must be a path string", "output_dir")
    out_dir = _checked_output_dir(out, cwd, None if output_dir else where)
    report_json_path = _checked_report("--report-json", report_json, cwd)
    report_md_path = _checked_report("--report-md", report_md, cwd)

    specs: dict[str, ProviderSpec] = {}
    listed = data.get("providers")
    if listed is not None:
        if not isinstance(listed, dict):
            raise where.error(
                "providers must be a mapping of provider names to settings ({} for defaults)",
                "providers",
            )
        for name, entry in listed.items():
            line = where.line("providers", str(name))
            _check_name(name, f"{where.path}:{line}" if line else where.path, "rename it")
            if entry is None:
                entry = {}
            if not isinstance(entry, dict):
                raise where.error(
                    f"provider {name!r} must map to settings ({{}} for the defaults)",
                    "providers",
                    name,
                )
            specs[name] = _provider_spec(name, entry, where, registry.get(name))

    if listed is None:
        # No list: every built-in that has a key, plus the keyless defaults (openrouter).
        specs = {
            name: spec
            for name, spec in registry.items()
            if spec.default or key_for(spec, environ)[0] is not None
        }

    lc_keys: dict[str, str] = {}
    if lc_config:
        for name, table in read_lc_config(cwd / lc_config, lc_config).items():
            base = specs.get(name) or registry.get(name)
            specs[name] = _lc_spec(name, table, base)
            if table.get("api_key"):
                lc_keys[name] = str(table["api_key"])
    owned = set(specs) | (set(registry) if listed is None else set())

    if providers:
        wanted = [p.strip() for p in providers.split(",") if p.strip()]
        chosen: dict[str, ProviderSpec] = {}
        for name in wanted:
            spec = specs.get(name) or registry.get(name)
            if spec is None:
                known = ", ".join(sorted(set(specs) | set(registry)))
                raise DumpModelsError(
                    f"--providers: unknown provider {name!r}; choose from: {known}"
                )
            chosen[name] = spec
        specs = chosen

    targets = []
    for name, spec in specs.items():
        key, source = key_for(spec, environ)
        if key is None and name in lc_keys:
            key, source = lc_keys[name], "lc config"
        secrets.register(key)
        targets.append(Target(spec=spec, api_key=key, key_source=source))

    values = {**SETTINGS_DEFAULTS, **_settings_values(data.get("settings"), where)}
    if max_removal_ratio is not None:
        if not (math.isfinite(max_removal_ratio) and 0 <= max_removal_ratio <= 1):
            raise DumpModelsError(
                f"max-removal-ratio is {max_removal_ratio}; use a number between 0 and 1"
            )
        values["max_removal_ratio"] = max_removal_ratio

    return Settings(
        output_dir=out_dir,
        targets=tuple(targets),
        config_path=config_path,
        concurrency=int(values["concurrency"]),
        timeout=float(values["timeout"]),
        retries=int(values["retries"]),
        max_removal_ratio=float(values["max_removal_ratio"]),
        limits=Limits(
            max_response_bytes=int(values["max_response_bytes"]),
            max_listing_bytes=int(values["max_listing_bytes"]),
            max_listing_values=int(values["max_listing_values"]),
            max_pages=int(values["max_pages"]),
            provider_timeout=float(values["provider_timeout"]),
        ),
        force=force,
        fail_on=fail_on,
        dry_run=dry_run,
        report_json=report_json_path,
        report_md=report_md_path,
        step_summary=(
            Path(environ["GITHUB_STEP_SUMMARY"])
            if environ.get("GITHUB_ACTIONS") == "true" and environ.get("GITHUB_STEP_SUMMARY")
            else None
        ),
        extra_specs={n: s for n, s in specs.items() if n not in registry},
        owned_providers=tuple(sorted(owned)),
    )


PUBLISH_MODES = ("pull-request", "push", "none")


def workspace_dir(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The checkout to publish from: ``$GITHUB_WORKSPACE``, else the current directory."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("GITHUB_WORKSPACE") or (cwd or Path.cwd()))


# A part of a branch name: what `git check-ref-format --branch` accepts, narrowed to a safe
# alphabet (no part starting with '.' or '-', no '..', no '.lock' or '.' at its end).
_BRANCH_PART = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_-])?")


def valid_branch(name: str) -> bool:
    """Whether ``name`` is a branch name the tool may push to or compare against."""
    return all(
        _BRANCH_PART.fullmatch(part) and ".." not in part and not part.endswith(".lock")
        for part in name.split("/")
    )


def _split_list(value: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in re.split(r"[,\n]", value or "") if item.strip())


def load_publish_options(
    *,
    publish: str | None = None,
    base: str | None = None,
    branch: str | None = None,
    title: str | None = None,
    commit_message: str | None = None,
    author: str | None = None,
    labels: str | None = None,
    reviewers: str | None = None,
    draft: bool = False,
    sign_commits: bool = False,
    dry_run: bool = False,
    output_dir: str | None = None,
    providers: tuple[str, ...] | None = None,
    token: str | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
):
    """The options of ``publish`` from arguments and the GitHub Actions environment."""
    from .publish import PublishOptions

    environ = os.environ if environ is None else environ
    mode = publish or "pull-request"
    if mode not in PUBLISH_MODES:
        raise DumpModelsError(f"--publish is {mode!r}; use one of: {', '.join(PUBLISH_MODES)}")
    workspace = workspace_dir(environ, cwd)
    token = token or environ.get("GITHUB_TOKEN") or environ.get("GH_TOKEN") or None
    secrets.register(token)
    for flag, name in (("--branch", branch), ("--base", base)):
        if name and not valid_branch(name):
            raise DumpModelsError(
                f"{flag} (input {flag[2:]}) {name!r} is not a valid branch name; use parts of "
                "letters, digits, '.', '_' and '-' joined by '/', such as dump-models/update"
            )
    extra = {"author": author} if author else {}  # else PublishOptions' bot default
    return PublishOptions(
        **extra,
        workspace=workspace,
        output_dir=output_dir or DEFAULT_OUTPUT_DIR,
        mode=mode,
        base=base or None,
        branch=branch or "dump-models/update",
        title=title or None,
        commit_message=commit_message or None,
        labels=_split_list(labels),
        reviewers=_split_list(reviewers),
        draft=draft,
        sign_commits=sign_commits,
        dry_run=dry_run,
        providers=providers,
        token=token,
        api_url=(environ.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
        graphql_url=(environ.get("GITHUB_GRAPHQL_URL") or "").rstrip("/") or None,
        server_url=(environ.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
        repository=environ.get("GITHUB_REPOSITORY") or None,
    )
