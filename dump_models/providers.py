"""The provider registry: built-in providers as data (``providers.yml``); a run's targets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

AUTH_STYLES = ("bearer", "anthropic", "gemini", "none")
AUTH_PREFIXES = ("header:", "query:")
PAGING_SCHEMES = ("none", "anthropic", "gemini", "cohere", "links_next")
NAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")  # matched whole (fullmatch): it becomes a file name
# The tool's own files in an output directory beside the dumps (docs/history.md,
# docs/catalog.md): the catalog, the change log and the feeds' directory. No reader takes them
# for a provider's listing, and no provider may be named after one.
CATALOG_FILE = "catalog.json"
LOG_FILE = "changes.jsonl"
FEEDS_DIRECTORY = "feeds"
TOOL_FILES = frozenset({CATALOG_FILE, LOG_FILE})

ANTHROPIC_VERSION = "2023-06-01"


@dataclass(frozen=True)
class ProviderSpec:
    """Everything needed to fetch and read one provider's model listing."""

    name: str
    endpoint: str
    models_path: str = "/models"
    key_env: tuple[str, ...] = ()
    key_optional: bool = False
    default: bool = False
    auth: str = "bearer"
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    list_key: str | None = "data"
    id_field: str = "id"
    paging: str = "none"
    volatile_fields: tuple[str, ...] = ()
    builtin: bool = True

    @property
    def url(self) -> str:
        """The listing's URL: endpoint joined with the models path."""
        return self.endpoint.rstrip("/") + "/" + self.models_path.lstrip("/")


@dataclass(frozen=True)
class Target:
    """A provider to fetch in this run, with its key (never printed: ``repr=False``)."""

    spec: ProviderSpec
    api_key: str | None = field(default=None, repr=False)
    key_source: str | None = None  # the variable (or file) the key came from

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def skip_reason(self) -> str | None:
        """Why this target is not fetched, or None when it is."""
        if self.api_key is None and not self.spec.key_optional:
            names = " or ".join(self.spec.key_env) or "an api_key_env"
            return f"no key (set {names})"
        return None


# Variables a CI runner sets or reads: the workflow's token, the action's inputs, the runner's
# own state. A provider's key is never read from one: an `api_key_env: INPUT_TOKEN` would send
# the GitHub token to whatever endpoint the provider has.
CI_VARIABLES = "GITHUB_*, GH_TOKEN, GH_ENTERPRISE_TOKEN, INPUT_*, ACTIONS_*, RUNNER_*"
_CI_PREFIXES = ("GITHUB_", "INPUT_", "ACTIONS_", "RUNNER_")
_CI_NAMES = ("GH_TOKEN", "GH_ENTERPRISE_TOKEN")
NOT_CI = ("GITHUB_MODELS_TOKEN",)  # the github provider's own key: a secret of the user's


def is_ci_variable(name: str) -> bool:
    """Whether ``name`` is a CI variable (:data:`CI_VARIABLES`), in any case (Windows)."""
    upper = name.upper()
    if upper in NOT_CI:
        return False
    return upper in _CI_NAMES or upper.startswith(_CI_PREFIXES)


def default_key_env(name: str) -> str:
    """``<NAME>_API_KEY`` with every character outside A-Z0-9 turned into ``_``."""
    return re.sub(r"[^A-Z0-9]", "_", name.upper()) + "_API_KEY"


def spec_from_mapping(name: str, data: dict[str, Any], *, builtin: bool) -> ProviderSpec:
    """Build a spec from a registry/config mapping (already validated)."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("key_env", "volatile_fields"):
            values[key] = tuple(value or ())
        elif key in ("headers", "params"):
            values[key] = {str(k): str(v) for k, v in (value or {}).items()}
        else:
            values[key] = value
    values.setdefault("key_env", (default_key_env(name),))
    return ProviderSpec(name=name, builtin=builtin, **values)


@lru_cache(maxsize=1)
def builtin_registry() -> dict[str, ProviderSpec]:
    """The built-in providers, by name, in registry order."""
    text = resources.files("dump_models").joinpath("providers.yml").read_text("utf-8")
    raw = yaml.safe_load(text)
    return {name: spec_from_mapping(name, data or {}, builtin=True) for name, data in raw.items()}


def auth_problem(auth: str) -> str | None:
    """Why an auth style is not valid, or None."""
    if auth in AUTH_STYLES:
        return None
    for prefix in AUTH_PREFIXES:
        if auth.startswith(prefix) and re.fullmatch(r"[A-Za-z0-9_.-]+", auth[len(prefix) :]):
            return None
    return "auth must be bearer, none, anthropic, gemini, header:<Header-Name> or query:<param>"


def is_tool_file(name: str) -> bool:
    """Whether ``name`` (relative to the output directory, ``/`` between parts) is one of the
    tool's own files, never a dump: the catalog, the change log, anything under ``feeds/``."""
    directory, slash, _ = name.partition("/")
    return name in TOOL_FILES or bool(slash) and directory == FEEDS_DIRECTORY
