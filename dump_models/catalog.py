"""The catalog: every dump of an output directory as normalized records (docs/catalog.md).

``read_catalog`` reads the ``<provider>.json`` files of a directory (``dumps.read_dump``, the
one dump reader) into one ``ModelRecord`` per model, sorted by provider and id; the same id
under two providers is two records. ``catalog_document`` is the JSON of ``dump-models
catalog`` and of ``catalog.json`` (its schema: ``dump_models/schemas/catalog.schema.json``).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import decimals
from .console import json_with_items
from .dumps import NotADump, provider_files, read_dump
from .errors import DumpModelsError
from .providers import ProviderSpec, builtin_registry
from .records import ModelRecord, records_of

CATALOG_VERSION = 1
Warn = Callable[[str], None]


@dataclass(frozen=True)
class Catalog:
    """The records of a directory's dumps, sorted by provider then id; the providers whose
    dumps were read, and every provider with a file there (in name order)."""

    records: list[ModelRecord]
    providers: tuple[str, ...]
    files: tuple[str, ...] = ()


@contextmanager
def no_collection() -> Iterator[None]:
    """The cycle collector off (as it was after): while a catalog is read and shown, every
    record stays alive and none can form a cycle, and the collector would walk the growing
    heap again and again (it more than doubles the time of a large directory)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def read_catalog(
    directory: Path,
    *,
    specs: Mapping[str, ProviderSpec] | None = None,
    providers: Iterable[str] | None = None,
    warn: Warn = lambda line: None,
) -> Catalog:
    """Every dump in ``directory`` (only ``providers``' when given) as records.

    A file is read with its provider's spec (``specs``, else the built-in registry; a file
    no spec describes as ``diff`` reads it). A ``.json`` file that is not a dump is skipped
    with one ``warn`` line; the tool's own files (``catalog.json``) are no dumps and are
    skipped silently. Raises ``DumpModelsError`` when ``directory`` is no directory.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DumpModelsError(f"{directory}: no such directory; pass --dir, the dumps' directory")
    known = builtin_registry() if specs is None else {**builtin_registry(), **specs}
    every = provider_files(directory)
    files = every
    if providers is not None:
        wanted = set(providers)
        files = {name: path for name, path in every.items() if name in wanted}
    records: list[ModelRecord] = []
    read: list[str] = []
    with no_collection():
        for name, path in files.items():
            try:
                models, id_field = read_dump(path.read_bytes(), known.get(name), thorough=False)
            except OSError as exc:
                warn(f"{path}: skipped: cannot read it: {exc.strerror or exc}")
                continue
            except NotADump as exc:
                warn(f"{path}: skipped: {exc}")
                continue
            read.append(name)
            records.extend(records_of(name, models, id_field=id_field).values())
        records.sort(key=lambda record: (record.provider, record.id))
    return Catalog(records, tuple(read), tuple(every))


@lru_cache(maxsize=8192)
def _price(price: Decimal) -> str:
    return decimals.text(price)  # a listing repeats a few prices across many models


def record_json(record: ModelRecord) -> dict[str, Any]:
    """A record as JSON: ``provider``, ``id``, ``name`` and the normalized fields in their
    order; prices as decimal strings (USD per 1M tokens), modalities as lists, ``null`` for
    unknown. The raw model is left out (it is in the dump)."""
    r = record
    return {
        "provider": r.provider,
        "id": r.id,
        "name": r.name,
        "input_price": None if r.input_price is None else _price(r.input_price),
        "output_price": None if r.output_price is None else _price(r.output_price),
        "cache_read_price": None if r.cache_read_price is None else _price(r.cache_read_price),
        "cache_write_price": None if r.cache_write_price is None else _price(r.cache_write_price),
        "context_length": r.context_length,
        "max_output_tokens": r.max_output_tokens,
        "input_modalities": None if r.input_modalities is None else list(r.input_modalities),
        "output_modalities": None if r.output_modalities is None else list(r.output_modalities),
        "tools": r.tools,
        "vision": r.vision,
        "reasoning": r.reasoning,
        "deprecation_date": r.deprecation_date,
    }


def catalog_document(catalog: Catalog) -> dict[str, Any]:
    """``dump-models catalog``'s document: ``{"version": 1, "providers": [...], "models":
    [...]}``, models in the catalog's order."""
    return {
        "version": CATALOG_VERSION,
        "providers": list(catalog.providers),
        "models": [record_json(record) for record in catalog.records],
    }


def catalog_text(catalog: Catalog) -> str:
    """The catalog document as the file holds it and stdout shows it: UTF-8 JSON, one model a
    line (a change to a model is a change to its line), a final newline, safe in a workflow
    log (``console.json_with_items``)."""
    return json_with_items(catalog_document(catalog), "models") + "\n"
