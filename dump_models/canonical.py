"""Canonical form of a listing, volatile fields, the removal guard and atomic writes."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from .providers import ProviderSpec

# Top-level keys that only steer paging; they change with every page size and carry no data.
PAGING_KEYS = ("has_more", "first_id", "last_id", "next_page_token", "nextPageToken")
DAY = 86400.0


def listing_models(document: Any, list_key: str | None) -> list | None:
    """The model list of a listing document: under ``list_key``, or the document itself."""
    if list_key is None:
        return document if isinstance(document, list) else None
    if isinstance(document, dict):
        models = document.get(list_key)
        return models if isinstance(models, list) else None
    return None


def drop_paths(model: dict, paths: Iterable[str]) -> dict:
    """A copy of ``model`` without the fields at these dotted paths (missing paths are fine)."""
    result = dict(model)
    for path in paths:
        head, _, rest = path.partition(".")
        if head not in result:
            continue
        if not rest:
            del result[head]
        elif isinstance(result[head], dict):
            result[head] = drop_paths(result[head], [rest])
    return result


def _as_epoch(value: Any) -> float | None:
    """Seconds since the epoch if ``value`` looks like a timestamp (s, ms or ISO 8601)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if 1e9 <= value < 1e11:
            return float(value)
        if 1e12 <= value < 1e14:
            return value / 1000.0
        return None
    if isinstance(value, str) and 10 <= len(value) <= 40 and value[:2] in ("19", "20"):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def request_time_fields(models: list[dict], fetched_at: float) -> tuple[str, ...]:
    """Top-level model fields that hold the request time, not data.

    A field counts when, for most models that carry it, its value is a timestamp within a day
    of the fetch (Mistral stamps ``created`` with the time of the request).
    """
    hits: dict[str, int] = {}
    seen: dict[str, int] = {}
    for model in models:
        for key, value in model.items():
            epoch = _as_epoch(value)
            if epoch is None:
                continue
            seen[key] = seen.get(key, 0) + 1
            if abs(epoch - fetched_at) <= DAY:
                hits[key] = hits.get(key, 0) + 1
    return tuple(
        sorted(key for key, count in hits.items() if count * 2 > len(models) and seen[key] > 1)
    )


def _sorted_keys(value: Any, first: str | None = None) -> Any:
    if isinstance(value, dict):
        keys = sorted(value)
        if first in value:
            keys.remove(first)
            keys.insert(0, first)
        return {key: _sorted_keys(value[key]) for key in keys}
    if isinstance(value, list):
        return [_sorted_keys(item) for item in value]
    return value


def model_id(model: Any, id_field: str) -> str:
    """A model's id as a string ("" when it has none)."""
    if isinstance(model, dict):
        value = model.get(id_field)
        return "" if value is None else str(value)
    return ""


def canonical_document(
    spec: ProviderSpec, document: Any, *, fetched_at: float | None = None
) -> tuple[Any, tuple[str, ...]]:
    """The listing in canonical form, and the request-time fields that were dropped.

    Models sorted by id (the id field first in each model, other keys sorted), volatile and
    ignored fields removed, paging cursors dropped. ``document`` is not modified.
    """
    models = listing_models(document, spec.list_key) or []
    dropped: tuple[str, ...] = ()
    if fetched_at is not None:
        dropped = request_time_fields([m for m in models if isinstance(m, dict)], fetched_at)
    paths = tuple(spec.volatile_fields) + dropped
    cleaned = [drop_paths(m, paths) if isinstance(m, dict) else m for m in models]
    ids = [model_id(m, spec.id_field) for m in cleaned]
    if len(set(ids)) == len(ids):
        cleaned = [m for _, m in sorted(zip(ids, cleaned, strict=True), key=lambda p: p[0])]
    else:  # repeated ids: their content decides, so that the provider's order never shows
        cleaned.sort(key=lambda m: (model_id(m, spec.id_field), json.dumps(m, sort_keys=True)))
    cleaned = [_sorted_keys(m, spec.id_field) for m in cleaned]
    if spec.list_key is None:
        return cleaned, dropped
    top = {k: v for k, v in document.items() if k not in PAGING_KEYS and k != spec.list_key}
    links = top.get("links")
    if isinstance(links, dict) and set(links) <= {"next", "prev", "previous", "self"}:
        del top["links"]
    top = _sorted_keys(top)
    top[spec.list_key] = cleaned
    return top, dropped


def dumps(document: Any) -> str:
    """Two-space indented UTF-8 JSON with a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


class UnsafeWrite(OSError):
    """A write refused because the path is not a regular file (the message says what it is)."""


def non_regular(path: Path) -> str | None:
    """What ``path`` is when it exists and is not a regular file ("a symbolic link", "a FIFO",
    ...); None when it is absent or a regular file. A symlink is never looked through."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISREG(mode):
        return None
    kinds = (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((kind for test, kind in kinds if test(mode)), "not a regular file")


def _current_bytes(path: Path) -> tuple[bytes, int] | None:
    """The regular file's content and mode, read without following a symlink or blocking."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):  # swapped since it was checked
            raise UnsafeWrite(f"{path} is not a regular file; it is never replaced")
        return handle.read(), info.st_mode & 0o777


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` atomically (temporary file, then rename); False when it was already there.

    The target must be absent or a regular file: a symlink is neither followed nor replaced,
    and a FIFO, a device or a directory is never replaced by a plain file
    (:class:`UnsafeWrite`). The rename replaces the directory entry, so even a symlink put
    there meanwhile is replaced, not written through.
    """
    data = text.encode("utf-8")
    kind = non_regular(path)
    if kind is not None:
        raise UnsafeWrite(f"{path} is {kind}, not a regular file; it is never replaced")
    current = _current_bytes(path)
    if current is not None and current[0] == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, current[1] if current is not None else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def guard_reason(
    old_count: int | None, new_count: int, max_removal_ratio: float, removed: int
) -> str | None:
    """Why a new listing must not replace the old file, or None when it may."""
    if new_count == 0:
        before = f" (the previous file holds {old_count})" if old_count else ""
        return f"empty listing{before}; --force writes it"
    if old_count and removed / old_count > max_removal_ratio:
        return (
            f"{old_count} → {new_count} models: would remove {removed} of {old_count} "
            f"({removed / old_count:.0%} > {max_removal_ratio:.0%}); --force writes it"
        )
    return None
