"""One frozen settings object from the inputs, the environment, the YAML config and lc's TOML.

This is the only module that reads provider keys from the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import secrets
from .config_file import ConfigFile, read_config
from .errors import DumpModelsError
from .http_cache import HTTP_CACHE
from .inputs import DEFAULT_OUTPUT_DIR, STDOUT, FailOn, Inputs, how_to_turn_on
from .lc import lc_spec, read_lc_config
from .limits import DEFAULT_LIMITS, Limits
from .paths import workspace_path
from .providers import ProviderSpec, Target, builtin_registry
from .risk_policy import LifecycleSettings, RiskPolicy, UsageSettings
from .suggest import did_you_mean

DEFAULT_SERVER_URL = "https://github.com"


@dataclass(frozen=True)
class Settings:
    """Everything a run needs, decided once."""

    output_dir: Path
    targets: tuple[Target, ...] = ()
    concurrency: int = 8
    timeout: float = 30
    retries: int = 3
    max_removal_ratio: float = 0.5
    limits: Limits = DEFAULT_LIMITS
    force: bool = False
    fail_on: FailOn = "any"
    dry_run: bool = False
    report_json: Path | None = None
    report_md: Path | None = None
    step_summary: Path | None = None  # $GITHUB_STEP_SUMMARY when run inside GitHub Actions
    extra_specs: dict[str, ProviderSpec] = field(default_factory=dict)
    # Whose `<name>.json` publish may commit: the config's providers (every built-in when it
    # lists none) and lc's; a --providers subset of one run does not shrink it.
    owned_providers: tuple[str, ...] = ()
    # The config's risk:, lifecycle: and usage: blocks (docs/risk.md).
    risk: RiskPolicy = field(default_factory=RiskPolicy)
    lifecycle: LifecycleSettings = field(default_factory=LifecycleSettings)
    usage: UsageSettings = field(default_factory=UsageSettings)
    # Where the repository's files are shown (the in-use links): $GITHUB_SERVER_URL and
    # $GITHUB_REPOSITORY; without a repository the places are named, not linked.
    server_url: str = DEFAULT_SERVER_URL
    repository: str | None = None
    workspace: Path | None = None  # the checkout whose files usage: searches
    force_hint: str = "pass --force"  # how a guarded provider's reason says to write it anyway
    catalog: bool = False  # also write catalog.json from the output directory's dumps
    # Where the providers' HTTP validators are kept between runs (docs/scale.md); None: nowhere.
    http_cache: Path | None = None

    def spec_for(self, name: str) -> ProviderSpec | None:
        """The spec a provider's file is read with: this run's target, else the registry."""
        for target in self.targets:
            if target.name == name:
                return target.spec
        return self.extra_specs.get(name) or builtin_registry().get(name)


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


def server_url(environ: Mapping[str, str]) -> str:
    """GitHub's web address: ``$GITHUB_SERVER_URL`` (a GHES host), else github.com."""
    return (environ.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/")


def load_settings(
    inputs: Inputs,
    *,
    environ: Mapping[str, str] | None = None,
    workspace: Path | None = None,
    action: bool = False,
) -> Settings:
    """The settings of a run from its inputs, the environment (keys) and the config files,
    read once; paths are relative to ``workspace`` (default: the current directory). Raise
    :class:`DumpModelsError` (exit 2) on any problem, before any request. ``action``: the
    settings of the Action, whose hints name inputs rather than flags."""
    environ = os.environ if environ is None else environ
    workspace = Path.cwd() if workspace is None else workspace
    registry = builtin_registry()

    config = read_config(workspace, inputs.config)
    output_dir = _checked_output_dir(inputs.output_dir, config, workspace)
    report_json = _checked_report("--report-json", inputs.report_json, workspace)
    report_md = _checked_report("--report-md", inputs.report_md, workspace)

    listed = config.provider_specs(registry)
    if listed is None:
        # No list: every built-in that has a key, plus the keyless defaults (openrouter).
        specs = {
            name: spec
            for name, spec in registry.items()
            if spec.default or key_for(spec, environ)[0] is not None
        }
    else:
        specs = dict(listed)

    lc_keys: dict[str, str] = {}
    if inputs.lc_config:
        for name, table in read_lc_config(workspace / inputs.lc_config, inputs.lc_config).items():
            specs[name] = lc_spec(name, table, specs.get(name) or registry.get(name))
            if table.get("api_key"):
                lc_keys[name] = str(table["api_key"])
    owned = set(specs) | (set(registry) if listed is None else set())

    if inputs.providers:
        specs = {name: _chosen(name, specs, registry) for name in inputs.providers}

    targets = []
    for name, spec in specs.items():
        key, source = key_for(spec, environ)
        if key is None and name in lc_keys:
            key, source = lc_keys[name], "lc config"
        secrets.register(key)
        targets.append(Target(spec=spec, api_key=key, key_source=source))

    values = config.settings()
    if inputs.max_removal_ratio is not None:
        values["max_removal_ratio"] = inputs.max_removal_ratio

    return Settings(
        output_dir=output_dir,
        targets=tuple(targets),
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
        force=inputs.force,
        fail_on=inputs.fail_on,
        dry_run=inputs.dry_run,
        report_json=report_json,
        report_md=report_md,
        step_summary=(
            Path(environ["GITHUB_STEP_SUMMARY"])
            if environ.get("GITHUB_ACTIONS") == "true" and environ.get("GITHUB_STEP_SUMMARY")
            else None
        ),
        extra_specs={n: s for n, s in specs.items() if n not in registry},
        owned_providers=tuple(sorted(owned)),
        risk=config.section("risk"),
        lifecycle=config.section("lifecycle"),
        usage=config.section("usage"),
        server_url=server_url(environ),
        repository=environ.get("GITHUB_REPOSITORY") or None,
        workspace=workspace,
        force_hint=how_to_turn_on("force", action=action),
        catalog=inputs.catalog,
        http_cache=workspace / HTTP_CACHE,
    )


def _chosen(
    name: str, specs: Mapping[str, ProviderSpec], registry: Mapping[str, ProviderSpec]
) -> ProviderSpec:
    """A provider of ``--providers``: a configured one, else a built-in."""
    spec = specs.get(name) or registry.get(name)
    if spec is None:
        known = sorted(set(specs) | set(registry))
        raise DumpModelsError(
            f"--providers: unknown provider {name!r}{did_you_mean(name, known)}; "
            f"choose from: {', '.join(known)}"
        )
    return spec


# --- paths (README "The CLI", Paths): inside the workspace, outside .git -----------------


def _checked_output_dir(given: str | None, config: ConfigFile, workspace: Path) -> Path:
    """The input's output directory, else the config's, else models; checked."""
    value = given or config.output_dir or DEFAULT_OUTPUT_DIR
    path, problem = workspace_path(value, workspace, directory=True)
    if problem is None:
        return path
    fix = "use a directory inside the checkout and outside .git, such as models"
    if given:
        raise DumpModelsError(f"--output-dir (input output-dir) {value!r} {problem}; {fix}")
    raise config.where.error(f"output_dir {value!r} {problem}; {fix}", "output_dir")


def _checked_report(flag: str, value: str | None, workspace: Path) -> Path | None:
    if not value or value == STDOUT:  # the CLI prints that report
        return None
    path, problem = workspace_path(value, workspace, directory=False)
    if problem is not None:
        raise DumpModelsError(
            f"{flag} {value!r} {problem}; use a file inside the checkout and outside .git, "
            "or - for stdout"
        )
    return path
