"""One normalized record per model, computed once per listing (pure).

A ``ModelRecord`` holds what the report, and anything else reading listings, compares across
providers: the model's id and display name, the normalized fields (``normalize.py``'s tables),
the raw model, and the raw values that could not be normalized.  ``None`` always means
unknown, never 0 or false.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dump_models.canonical import drop_paths
from dump_models.json_values import lookup
from dump_models.normalize import mapping_for, name_paths


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """One model of one provider's listing, normalized.

    Prices are USD per 1M tokens, exact; limits are tokens; modalities are sorted words.
    ``unreadable`` maps a normalized field to the raw value that was there but could not be
    read (a price of ``"1E+999999"``): the field itself is then ``None``.
    """

    provider: str
    id: str
    name: str | None
    input_price: Decimal | None = None
    output_price: Decimal | None = None
    cache_read_price: Decimal | None = None
    cache_write_price: Decimal | None = None
    context_length: int | None = None
    max_output_tokens: int | None = None
    input_modalities: tuple[str, ...] | None = None
    output_modalities: tuple[str, ...] | None = None
    tools: bool | None = None
    vision: bool | None = None
    reasoning: bool | None = None
    deprecation_date: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    unreadable: dict[str, Any] = field(default_factory=dict)


def display_name(model: dict, provider: str = "", id_field: str = "id") -> str | None:
    """The model's display name: the first non-empty text at ``provider``'s name paths
    (``name``, ``display_name``, ``displayName``; Venice's ``model_spec.name``), never its
    id field."""
    return _first_text(model, name_paths(provider, id_field))


def _first_text(model: dict, paths: tuple[tuple[str, ...], ...]) -> str | None:
    for keys in paths:
        value = lookup(model, keys)
        if isinstance(value, str) and value:
            return value
    return None


def models_by_id(
    models: Iterable[Any], *, id_field: str = "id", ignore_fields: Iterable[str] = ()
) -> dict[str, dict]:
    """One listing's models by id (the id as text: ``1`` and ``"1"`` are one id).

    Entries that are not objects or have no id (null or absent) cannot be compared and are
    left out; an id listed twice keeps its last model.  The dotted paths in ``ignore_fields``
    are dropped from each model (a copy).
    """
    ignore = tuple(ignore_fields)
    by_id: dict[str, dict] = {}
    for model in models:
        if not isinstance(model, dict) or model.get(id_field) is None:
            continue
        if ignore:
            model = drop_paths(model, ignore)
        by_id[str(model[id_field])] = model
    return by_id


def record_of(provider: str, model_id: str, model: dict, *, id_field: str = "id") -> ModelRecord:
    """The record of one model of ``provider``'s listing (its ids in ``id_field``)."""
    values, unreadable = mapping_for(provider).read(model)
    name = display_name(model, provider, id_field)
    return ModelRecord(provider, model_id, name, raw=model, unreadable=unreadable, **values)


def records_of(
    provider: str, models: Iterable[Any], *, id_field: str = "id", ignore_fields: Iterable[str] = ()
) -> dict[str, ModelRecord]:
    """The records of one listing by id, each computed once (ids and fields as
    :func:`models_by_id` reads them)."""
    by_id = models_by_id(models, id_field=id_field, ignore_fields=ignore_fields)
    read, paths = mapping_for(provider).read, name_paths(provider, id_field)  # once a listing
    records = {}
    for model_id, model in by_id.items():
        values, unreadable = read(model)
        name = _first_text(model, paths)
        records[model_id] = ModelRecord(
            provider, model_id, name, raw=model, unreadable=unreadable, **values
        )
    return records
