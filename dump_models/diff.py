"""Old listing, new listing -> what changed, model by model and field by field (pure).

Two versions of a model are compared by their raw paths and, when a raw change feeds a
normalized field, by their records (``records.py``), each computed once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from dump_models import decimals
from dump_models.json_values import MISSING, same
from dump_models.normalize import NORMALIZED_FIELDS, mapping_for
from dump_models.records import display_name, models_by_id, record_of
from dump_models.results import DriftKind, ProviderReport, SchemaDrift

RawChanges = dict[str, tuple[Any, Any]]  # raw dotted path -> (old, new); MISSING: no key


def _raw_changes(
    old: Any, new: Any, path: str, inside: dict, out: dict[str, tuple[Any, Any]]
) -> None:
    """Collect changed leaves: dicts are recursed, lists and scalars compared whole.

    A subtree added or removed whole is one change at its path, unless normalized fields are
    read inside it (``pricing``): then its leaves are compared one by one.
    """
    old_dict, new_dict = isinstance(old, dict), isinstance(new, dict)
    if (old_dict and new_dict) or ((old_dict or new_dict) and path in inside):
        old_map = old if old_dict else {}
        new_map = new if new_dict else {}
        found = len(out)
        for key in old_map.keys() | new_map.keys():
            a, b = old_map.get(key, MISSING), new_map.get(key, MISSING)
            if not same(a, b):
                _raw_changes(a, b, f"{path}.{key}" if path else key, inside, out)
        if len(out) == found and not (old_dict and new_dict):
            out[path] = (old, new)  # an empty object added or removed, or a type change
        return
    out[path] = (old, new)


def _json_value(value: Any) -> Any:
    if value is MISSING:
        return None
    if isinstance(value, Decimal):
        return decimals.text(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _model_changes(
    provider: str, model_id: str, old: dict, new: dict
) -> tuple[dict[str, dict], RawChanges]:
    """One model's changes: normalized fields that moved, then raw paths sorted.

    A raw change is reported under the normalized fields it feeds when one of them moved;
    when none did (a lossy transform: ``supported_parameters`` gaining a word that is not
    ``tools``), under its own path, unless it only changed how an exact value is written
    (``same_meaning``: a price with the same value, a list in another order).  Every raw
    path that differs in the files is one of these.  The two records are built only when a
    raw change feeds a normalized field.
    """
    mapping = mapping_for(provider)
    raw: RawChanges = {}
    _raw_changes(old, new, "", mapping.inside, raw)
    fed = {path: mapping.fed(path) for path in raw}
    changes: dict[str, dict] = {}
    moved: set[str] = set()
    if any(fed.values()):
        before, after = record_of(provider, model_id, old), record_of(provider, model_id, new)
        for name in NORMALIZED_FIELDS:
            a, b = getattr(before, name), getattr(after, name)
            if not same(a, b):
                changes[name] = {"old": _json_value(a), "new": _json_value(b)}
                moved.add(name)
    for path in sorted(raw):
        a, b = raw[path]
        names = fed[path]
        if names and not any(v is not MISSING and mapping.unreadable(path, v) for v in (a, b)):
            if names & moved or mapping.same_meaning(path, a, b):
                continue
        changes[path] = {"old": _json_value(a), "new": _json_value(b)}
    return changes, raw


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


class _Drift:
    """Counts, over the models in both listings, the raw fields that appeared, disappeared or
    changed their JSON type (null aside: a value coming or going is no new schema)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, DriftKind]] = Counter()
        self.types: Counter[tuple[str, str, str]] = Counter()  # (path, old type, new type)

    def add(self, raw: RawChanges) -> None:
        for path, (old, new) in raw.items():
            if old is MISSING and new is not MISSING:
                self.counts[path, "appeared"] += 1
            elif new is MISSING and old is not MISSING:
                self.counts[path, "disappeared"] += 1
            elif old is not None and new is not None:
                before, after = _json_type(old), _json_type(new)
                if before != after:
                    self.counts[path, "type"] += 1
                    self.types[path, before, after] += 1

    def most(self, of: int) -> list[SchemaDrift]:
        """What happened to more than half of the ``of`` models (and to two at least)."""
        found = []
        for (path, kind), models in self.counts.items():
            if models * 2 <= of or models < 2:
                continue
            old_type = new_type = None
            if kind == "type":
                _, old_type, new_type = max(
                    (key for key in self.types if key[0] == path), key=self.types.__getitem__
                )
            found.append(SchemaDrift(path, kind, models, of, old_type, new_type))
        return sorted(found, key=lambda d: (-d.models, d.path, d.kind))


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
    old = None
    if old_models is not None:
        old = models_by_id(old_models, id_field=id_field, ignore_fields=ignore)
    new = models_by_id(new_models or [], id_field=id_field, ignore_fields=ignore)
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
        both = sorted(old.keys() & new.keys())
        drift = _Drift()
        for model_id in both:
            before, after = old[model_id], new[model_id]
            if before is after or same(before, after):
                continue
            changes, raw = _model_changes(name, model_id, before, after)
            drift.add(raw)
            if changes:
                report.changed[model_id] = changes
                _mark_absent(report, model_id, changes, raw)
        report.drift = drift.most(len(both))
        if report.added or report.removed or report.changed:
            report.status = "changed"
    for model_id in report.added:
        report.added_records[model_id] = replace(record_of(name, model_id, new[model_id]), raw={})
    for model_id in report.added + list(report.changed):
        shown = display_name(new[model_id], name, id_field)
        if shown:
            report.names[model_id] = shown
    gone = old or {}
    for model_id in report.removed:
        shown = display_name(gone[model_id], name, id_field)
        if shown:
            report.names[model_id] = shown
    return report


def _mark_absent(report: ProviderReport, model_id: str, changes: dict, raw: RawChanges) -> None:
    """Note which side had no key where the other had null: both read null in the change."""
    for path, (old, new) in raw.items():
        if (old is MISSING and new is None or old is None and new is MISSING) and path in changes:
            report.absent.setdefault(model_id, {})[path] = "old" if old is MISSING else "new"
