"""``dump-models diff OLD NEW``: read two dumps (files or directories) and compare them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dump_models.canonical import load_json, unstorable_reason
from dump_models.diff import compare_listings
from dump_models.errors import DumpModelsError
from dump_models.providers import builtin_registry
from dump_models.results import ProviderReport

_HINT = "pass a models/<provider>.json file or a directory of them"


def _load(path: Path) -> Any:
    try:
        return load_json(path.read_bytes())
    except json.JSONDecodeError as exc:
        message = f"{path}: not valid JSON (line {exc.lineno}): {exc.msg}; {_HINT}"
        raise DumpModelsError(message) from None
    except UnicodeDecodeError as exc:
        raise DumpModelsError(f"{path}: not valid JSON (line 1): {exc.reason}; {_HINT}") from None
    except ValueError as exc:
        raise DumpModelsError(f"{path}: not a dump: it {exc}; {_HINT}") from None
    except OSError as exc:
        raise DumpModelsError(f"{path}: cannot read: {exc.strerror or exc}; {_HINT}") from None


def _models(name: str, path: Path, document: Any) -> list[dict]:
    """The model list inside a listing document: top level, the spec's list key, data/models."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        spec = builtin_registry().get(name)
        keys = [spec.list_key] if spec and spec.list_key else []
        for key in keys + ["data", "models"]:
            if isinstance(document.get(key), list):
                return document[key]
    raise DumpModelsError(f"{path}: no model list (a top-level array, data or models); {_HINT}")


def _files(path: Path) -> dict[str, Path]:
    if not path.exists():
        raise DumpModelsError(f"{path}: no such file or directory; {_HINT}") from None
    if path.is_dir():
        return {child.stem: child for child in sorted(path.glob("*.json")) if child.is_file()}
    return {path.stem: path}


def _listing(name: str, path: Path | None) -> list[dict] | None:
    if path is None:
        return None
    document = _load(path)
    models = _models(name, path, document)
    # What a run would refuse to store, diff refuses to read: nothing recursive meets it.
    problem = unstorable_reason(document, models)
    if problem:
        raise DumpModelsError(f"{path}: not a dump: {problem}; {_HINT}")
    return models


def compare_paths(old: Path, new: Path) -> list[ProviderReport]:
    """Compare two dumps, each a directory of ``<provider>.json`` or a single file.

    The provider is the file stem; a file only in OLD is all removed, one only in NEW is
    ``new``. Two single files are compared whatever their names (as NEW's provider); a
    single file against a directory is compared with the directory's file of that name.
    """
    old_files, new_files = _files(Path(old)), _files(Path(new))
    if not Path(old).is_dir() and not Path(new).is_dir():
        old_files = {name: Path(old) for name in new_files}
    elif not Path(old).is_dir():
        new_files = {name: path for name, path in new_files.items() if name in old_files}
    elif not Path(new).is_dir():
        old_files = {name: path for name, path in old_files.items() if name in new_files}

    reports = []
    registry = builtin_registry()
    for name in sorted(old_files.keys() | new_files.keys()):
        before = _listing(name, old_files.get(name))
        after = _listing(name, new_files.get(name))
        spec = registry.get(name)
        if spec is not None:
            id_field, ignore = spec.id_field, spec.volatile_fields
        else:
            sample = [m for m in (after or before or []) if isinstance(m, dict)]
            has_id = not sample or any("id" in m for m in sample)
            id_field, ignore = ("id" if has_id else "name"), ()
        if before is not None and after is None:
            after = []  # gone from NEW: every model removed
        reports.append(
            compare_listings(name, before, after, id_field=id_field, ignore_fields=ignore)
        )
    return reports
