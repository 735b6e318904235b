"""Old listing, new listing -> what changed, model by model and field by field (pure)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from dump_models import decimals
from dump_models.canonical import drop_paths
from dump_models.normalize import (
    NORMALIZED_FIELDS,
    feeding_paths,
    normalize_model,
    same_meaning,
    unreadable,
)
from dump_models.results import ProviderReport

_MISSING = object()


def _index(models: list[dict], id_field: str, ignore: tuple[str, ...]) -> dict[str, dict]:
    # A duplicated id keeps its last entry; entries without an id cannot be compared.
    by_id: dict[str, dict] = {}
    for model in models:
        if not isinstance(model, dict) or model.get(id_field) is None:
            continue
        if ignore:
            model = drop_paths(model, ignore)
        by_id[str(model[id_field])] = model
    return by_id


def _canonical(model: dict) -> str:
    # json.dumps tells 1 from 1.0 from true, which == does not.
    return json.dumps(model, sort_keys=True, ensure_ascii=False)


def _display_name(model: dict) -> str | None:
    for key in ("name", "display_name", "displayName"):
        value = model.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _same(old: Any, new: Any) -> bool:
    if type(old) is not type(new) or old != new:
        return False
    # == takes [1] for [1.0] and {"a": 1} for {"a": true}; the files do not.
    return not isinstance(old, (dict, list)) or _canonical(old) == _canonical(new)


def _raw_changes(
    old: Any, new: Any, path: str, prefixes: dict, out: dict[str, tuple[Any, Any]]
) -> None:
    """Collect changed leaves: dicts are recursed, lists and scalars compared whole.

    A subtree added or removed whole is one change at its path, unless normalized fields are
    read inside it (``pricing``): then its leaves are compared one by one.
    """
    old_dict, new_dict = isinstance(old, dict), isinstance(new, dict)
    if (old_dict and new_dict) or ((old_dict or new_dict) and path in prefixes):
        old_map = old if old_dict else {}
        new_map = new if new_dict else {}
        found = len(out)
        for key in old_map.keys() | new_map.keys():
            a, b = old_map.get(key, _MISSING), new_map.get(key, _MISSING)
            if not _same(a, b):
                _raw_changes(a, b, f"{path}.{key}" if path else key, prefixes, out)
        if len(out) == found and not (old_dict and new_dict):
            out[path] = (old, new)  # an empty object added or removed, or a type change
        return
    out[path] = (old, new)


def _differing(old: Any, new: Any, path: str, out: dict[str, tuple[Any, Any]]) -> None:
    """The safety net's plain diff: dicts recursed, anything else compared as canonical JSON."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old.keys() | new.keys():
            _differing(
                old.get(key, _MISSING),
                new.get(key, _MISSING),
                f"{path}.{key}" if path else key,
                out,
            )
    elif old is _MISSING or new is _MISSING or _canonical(old) != _canonical(new):
        out[path] = (old, new)


def _json_value(value: Any) -> Any:
    if value is _MISSING:
        return None
    if isinstance(value, Decimal):
        return decimals.text(value)
    return value


def _unreadable(provider: str, path: str, old: Any, new: Any) -> bool:
    """Either side is a value normalization cannot read ("1E+999999", "lots"): the raw change
    is then shown as well, since the normalized field alone would only say "gone"."""
    return any(v is not _MISSING and unreadable(provider, path, v) for v in (old, new))


def _fed(path: str, feeding: dict[str, tuple[str, ...]], below: dict[str, set[str]]) -> set[str]:
    """The normalized fields a raw change at ``path`` can move: those read at the path or an
    ancestor of it, and (for a subtree added or removed whole) those read inside it."""
    names = set(below.get(path, ()))
    while True:
        names.update(feeding.get(path, ()))
        path, dot, _ = path.rpartition(".")
        if not dot:
            return names


def _model_changes(
    provider: str,
    old: dict,
    new: dict,
    feeding: dict[str, tuple[str, ...]],
    below: dict[str, set[str]],
) -> dict[str, dict]:
    """One model's changes: normalized fields that moved, then raw paths sorted.

    A raw change is reported under the normalized fields it feeds when one of them moved;
    when none did (a lossy transform: ``supported_parameters`` gaining a word that is not
    ``tools``), under its own path, unless it only changed how an exact value is written
    (``same_meaning``: a price with the same value, a list in another order).
    """
    raw: dict[str, tuple[Any, Any]] = {}
    _raw_changes(old, new, "", below, raw)
    fed = {path: _fed(path, feeding, below) for path in raw}
    changes: dict[str, dict] = {}
    moved: set[str] = set()
    if any(fed.values()):
        before, after = normalize_model(provider, old), normalize_model(provider, new)
        for name in NORMALIZED_FIELDS:
            a, b = before.get(name, _MISSING), after.get(name, _MISSING)
            if not _same(a, b):
                changes[name] = {"old": _json_value(a), "new": _json_value(b)}
                moved.add(name)
    for path in sorted(raw):
        a, b = raw[path]
        names = fed[path]
        if names and not _unreadable(provider, path, a, b):
            if names & moved or same_meaning(provider, path, a, b):
                continue
        changes[path] = {"old": _json_value(a), "new": _json_value(b)}
    if not changes and _canonical(old) != _canonical(new):
        # Safety net: the model changed but nothing above says how.  Report every raw path
        # that differs, bar changes of representation, rather than let the change vanish.
        differing: dict[str, tuple[Any, Any]] = {}
        _differing(old, new, "", differing)
        for path in sorted(differing):
            a, b = differing[path]
            if not same_meaning(provider, path, a, b):
                changes[path] = {"old": _json_value(a), "new": _json_value(b)}
    return changes


def compare_listings(
    name: str,
    old_models: list[dict] | None,
    new_models: list[dict] | None,
    *,
    id_field: str = "id",
    ignore_fields: Iterable[str] = (),
) -> ProviderReport:
    """Compare two listings of one provider by model id; ``old_models`` None means a new file.

    Changes to fields that feed a normalized field are reported under the normalized name
    (prices as strings, USD per 1M tokens) when it moved; other changes, and changes the
    normalized fields do not show, under their dotted path. Paths in ``ignore_fields`` are
    never reported.
    """
    ignore = tuple(ignore_fields)
    old = _index(old_models, id_field, ignore) if old_models is not None else None
    new = _index(new_models or [], id_field, ignore)
    report = ProviderReport(
        name=name,
        status="unchanged",
        models_before=None if old is None else len(old),
        models_after=len(new) if new_models is not None or old is not None else None,
    )
    if old is None:
        report.added = sorted(new)
        report.status = "new" if new_models is not None else "unchanged"
    else:
        report.added = sorted(new.keys() - old.keys())
        report.removed = sorted(old.keys() - new.keys())
        feeding = feeding_paths(name)
        below: dict[str, set[str]] = {}  # path prefix -> the normalized fields read inside
        for path, names in feeding.items():
            for n in range(1, path.count(".") + 1):
                below.setdefault(path.rsplit(".", n)[0], set()).update(names)
        for model_id in sorted(old.keys() & new.keys()):
            before, after = old[model_id], new[model_id]
            if before is after or before == after and _canonical(before) == _canonical(after):
                continue
            changes = _model_changes(name, before, after, feeding, below)
            if changes:
                report.changed[model_id] = changes
        if report.added or report.removed or report.changed:
            report.status = "changed"
    for model_id in report.added + list(report.changed):
        display = _display_name(new[model_id])
        if display:
            report.names[model_id] = display
    for model_id in report.removed:
        display = _display_name(old[model_id])  # type: ignore[index]
        if display:
            report.names[model_id] = display
    return report
