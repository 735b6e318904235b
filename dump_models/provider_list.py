"""``dump-models providers``: every provider as the configuration makes it (the built-ins, the
config's overrides and custom providers, an lc config's), whether ``run`` fetches it, and
whether its key is set (never the key)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from .config import Settings, key_for, load_settings
from .config_file import read_config
from .inputs import Inputs
from .lc import read_lc_config
from .providers import ProviderSpec, builtin_registry


@dataclass(frozen=True)
class ProviderRow:
    """One provider as ``providers`` shows it."""

    name: str
    source: str  # "built-in", "config" or "lc config"
    changed_by_config: list[str]  # the config keys (or lc config) that change a built-in
    runs: bool  # `run` fetches it: it is configured and has a key, or needs none
    endpoint: str  # the base URL, as the config's `endpoint` means it
    models_path: str
    url: str
    auth: str
    key_variables: list[str]
    key: str  # "set", "missing" or "not needed"
    key_from: str | None  # the variable (or file) the key came from


def provider_rows(
    inputs: Inputs, *, environ: Mapping[str, str], workspace: Path
) -> list[ProviderRow]:
    """Every provider: the built-ins in registry order, then the config's and lc's own."""
    settings = load_settings(inputs, environ=environ, workspace=workspace)
    registry = builtin_registry()
    listed = read_config(workspace, inputs.config).data.get("providers") or {}
    from_lc = set()
    if inputs.lc_config:
        from_lc = set(read_lc_config(workspace / inputs.lc_config, inputs.lc_config))
    names = list(registry) + [n for n in settings.extra_specs if n not in registry]
    return [_row(name, settings, registry, listed, from_lc, environ) for name in names]


def _row(
    name: str,
    settings: Settings,
    registry: Mapping[str, ProviderSpec],
    listed: Mapping,
    from_lc: set[str],
    environ: Mapping[str, str],
) -> ProviderRow:
    spec = settings.spec_for(name) or registry[name]
    target = next((t for t in settings.targets if t.name == name), None)
    if target is not None:
        key, source = target.api_key, target.key_source
    else:
        key, source = key_for(spec, environ)
    changes = sorted(str(k) for k in (listed.get(name) or {})) if name in registry else []
    if name in registry and name in from_lc:
        changes.append("lc config")
    origin = "built-in" if name in registry else ("lc config" if name in from_lc else "config")
    return ProviderRow(
        name=name,
        source=origin,
        changed_by_config=changes,
        runs=target is not None and target.skip_reason is None,
        endpoint=spec.endpoint,
        models_path=spec.models_path,
        url=spec.url,
        auth=spec.auth,
        key_variables=list(spec.key_env),
        key="set" if key is not None else ("not needed" if spec.key_optional else "missing"),
        key_from=source if key is not None else None,
    )


def rows_json(rows: list[ProviderRow]) -> list[dict]:
    """The rows for ``--json``."""
    return [asdict(row) for row in rows]


def rows_table(rows: list[ProviderRow]) -> str:
    """The rows as aligned columns: name, endpoint, key, runs, source."""
    lines = [("name", "endpoint", "key", "runs", "source")]
    for row in rows:
        if row.key == "set":
            key = f"set ({row.key_from})"
        elif row.key == "missing":
            key = f"missing ({' or '.join(row.key_variables) or 'api_key_env'})"
        else:
            key = row.key
        source = row.source
        if row.changed_by_config:
            source += ", config: " + ", ".join(row.changed_by_config)
        lines.append((row.name, row.endpoint, key, "yes" if row.runs else "no", source))
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line[:4])) + "  " + line[4]
        for line in lines
    )
