"""Fan-out on GitHub Actions (docs/scale.md): the matrix of providers, and the reports the
shards (one ``dump-models run`` each) leave for the job that publishes.

``plan`` is what ``dump-models plan --json`` prints for ``strategy.matrix``; ``shard_reports``
reads a directory of ``--report-json`` files back into reports, with a failure for each
planned provider whose shard sent none, so that the pull request names it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, get_args

from . import canonical
from .errors import DumpModelsError
from .providers import Target
from .results import ProviderReport, Status

MISSING = "its shard sent no report (its job failed before the upload, or the artifact is missing)"
_STATUSES = get_args(Status)


def plan(targets: Sequence[Target]) -> dict[str, list[dict[str, str]]]:
    """``{"include": [{"provider": name, "key_env": variable}]}``: each provider a run would
    fetch, with the variable its key is read from (the first it reads; "" when it needs no
    key)."""
    rows = []
    for target in targets:
        spec = target.spec
        key_env = spec.key_env[0] if spec.key_env and spec.auth != "none" else ""
        rows.append({"provider": target.name, "key_env": key_env})
    return {"include": rows}


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _count(value: Any) -> bool:
    return value is None or (type(value) is int and value >= 0)


def report_of(name: str, value: Any) -> ProviderReport | None:
    """The report of one provider from a ``--report-json`` file (docs/report.md), if that is
    what ``value`` is."""
    if not isinstance(value, dict) or value.get("status") not in _STATUSES:
        return None
    error, changed = value.get("error"), value.get("changed", {})
    if not (
        (error is None or isinstance(error, str))
        and _count(value.get("models_before"))
        and _count(value.get("models_after"))
        and _texts(value.get("added", []))
        and _texts(value.get("removed", []))
        and isinstance(changed, dict)
        and all(isinstance(fields, dict) for fields in changed.values())
    ):
        return None
    return ProviderReport(
        name=name,
        status=value["status"],
        error=error,
        models_before=value.get("models_before"),
        models_after=value.get("models_after"),
        added=list(value.get("added", [])),
        removed=list(value.get("removed", [])),
        changed=changed,
    )


def _file_reports(path: Path) -> dict[str, ProviderReport] | str:
    """The reports in one file, or why it holds none."""
    data = canonical.regular_bytes(path)
    if data is None:
        return "is not a regular file"
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        document = None
    providers = document.get("providers") if isinstance(document, dict) else None
    if not isinstance(providers, dict):
        return "is not a report of dump-models run"
    found = {name: report_of(name, value) for name, value in providers.items()}
    if any(report is None for report in found.values()):
        return "is not a report of dump-models run"
    return {name: report for name, report in found.items() if report is not None}


def shard_reports(
    directory: Path, shown: str, planned: Sequence[str], warn: Callable[[str], None]
) -> list[ProviderReport]:
    """Every provider's report from the ``*.json`` files in ``directory`` (``shown`` as the
    user gave it), and a failure for each ``planned`` provider that none of them reports.

    A file that is no report is named in a warning (its shard counts as missing); a missing
    directory, or two files that report one provider differently, raise
    :class:`DumpModelsError`.
    """
    if not directory.exists():
        raise DumpModelsError(f"--reports {shown!r}: no such directory")
    if canonical.non_regular(directory) != "a directory":
        raise DumpModelsError(f"--reports {shown!r} is not a directory")
    reports: dict[str, ProviderReport] = {}
    source: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        where = f"{shown.rstrip('/')}/{path.name}"
        found = _file_reports(path)
        if isinstance(found, str):
            warn(f"{where} {found}")
            continue
        for name, report in found.items():
            if name in reports and reports[name] != report:
                raise DumpModelsError(
                    f"{name} is reported twice, differently ({source[name]}, {where}): "
                    "keep one report per provider in --reports"
                )
            reports[name], source[name] = report, where
    for name in planned:
        if name not in reports:
            reports[name] = ProviderReport(name=name, status="failed", error=MISSING)
    return [reports[name] for name in sorted(reports)]
