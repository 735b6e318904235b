# Over 350 lines: what a listing must be to be stored and how its file is read and written
# safely are one contract (docs/scale.md, README "What a dump looks like").
"""Canonical form of a listing, volatile fields, the removal guard and atomic writes."""

from __future__ import annotations

import json
import math
import os
import stat
import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from . import indented
from .providers import ProviderSpec

# Top-level keys that only steer paging; they change with every page size and carry no data.
PAGING_KEYS = ("has_more", "first_id", "last_id", "next_page_token", "nextPageToken")
DAY = 86400.0
# Levels of objects and arrays a model may nest, the model itself being level 1 (real models
# use five or six).  Deeper is refused before anything recursive (sorting, diffing, json.dumps)
# sees it; the rest of a listing document is held to the same limit.
MAX_NESTING = 64
_ID_HINT = "set id_field for this provider in the config to"


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


def _text_problem(text: str) -> bool:
    # isascii() is a flag check: only non-ASCII text pays for the encoding attempt.
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _path_of(entry: tuple | None) -> str:
    keys: list[str] = []
    while entry is not None:
        entry, key = entry
        keys.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return "".join(reversed(keys)).lstrip(".") or "(the value itself)"


def _value_problem(value: Any, skip: Any = None) -> str | None:
    """Why ``value`` cannot be stored as strict UTF-8 JSON within ``MAX_NESTING``, or None.

    Iterative, so that no depth can exhaust the stack; ``skip`` (the model list, checked
    model by model) is passed over.
    """
    # Only containers go on the stack, with their depth and where they are: ``where`` links
    # to the parent's, so a path is built only for the one value that is reported.
    if not isinstance(value, (dict, list)):
        return _scalar_problem(value, None)
    stack: list[tuple[Any, int, tuple | None]] = [(value, 1, None)]
    while stack:
        item, depth, where = stack.pop()
        if item is skip:
            continue
        if depth > MAX_NESTING:
            return f"nests objects and arrays deeper than {MAX_NESTING} levels"
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in pairs:
            # The key first: a path shown in a reason must itself be valid text.
            if isinstance(key, str) and _text_problem(key):
                return f"text that is not valid Unicode at {_path_of(where)} (a key)"
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1, (where, key)))
            elif isinstance(child, (float, str)):
                problem = _scalar_problem(child, (where, key))
                if problem:
                    return problem
    return None


def _scalar_problem(value: Any, where: tuple | None) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        name = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return f"{name} at {_path_of(where)}; a dump is strict JSON, which has no NaN or Infinity"
    if isinstance(value, str) and _text_problem(value):
        return f"text that is not valid Unicode (a lone surrogate) at {_path_of(where)}"
    return None


def _shown_id(model: Any, index: int, id_field: str = "id") -> str:
    ident = model.get(id_field) if isinstance(model, dict) else None
    if isinstance(ident, (str, int, float)) and not isinstance(ident, bool) and ident != "":
        text = str(ident)
        if not _text_problem(text):
            return f'model "{text[:80]}"' if len(text) <= 80 else f'model "{text[:79]}\u2026"'
    return f"model at index {index}"


def unstorable_reason(document: Any, models: list | None, id_field: str = "id") -> str | None:
    """Why a listing cannot be stored safely, in one line, or None when it can.

    Refused: numbers strict JSON cannot hold (``NaN``, ``Infinity``: Python's json reads them,
    and ``1e999`` becomes infinity), text that is not valid Unicode (a lone surrogate from a
    ``\\ud800`` escape), and nesting deeper than ``MAX_NESTING`` levels below the model list.
    ``models`` is the document's model list (the document itself for a top-level array).
    """
    for index, model in enumerate(models or ()):
        problem = _value_problem(model)
        if problem is not None:
            where = _shown_id(model, index, id_field)
            return f"{where} {problem}" if problem.startswith("nests") else f"{where}: {problem}"
    if document is models:
        return None
    problem = _value_problem(document, skip=models)
    return None if problem is None else f"the listing's top level: {problem}"


def _usable_id(value: Any) -> bool:
    if isinstance(value, bool) or value == "":
        return False
    return isinstance(value, (str, int, float))


def id_problem(models: list, id_field: str) -> str | None:
    """Why these models cannot be told apart by ``id_field``, in one line, or None.

    A model that cannot be named cannot be compared, so the removal guard could not protect
    it: every model needs a usable id (a non-empty string or a number), and models sharing an
    id must be the same model (a repeat, as paging overlaps give).
    """
    unnamed = [m for m in models if not isinstance(m, dict) or not _usable_id(m.get(id_field))]
    if unnamed:
        absent = all(not isinstance(m, dict) or id_field not in m for m in unnamed)
        what = (
            f'no "{id_field}" field' if absent else f'no usable "{id_field}" (a string or a number)'
        )
        return (
            f"{len(unnamed)} of {len(models)} models have {what}; "
            f"{_ID_HINT} the field that names its models"
        )
    by_id: dict[str, list[dict]] = {}
    for model in models:
        by_id.setdefault(model_id(model, id_field), []).append(model)
    repeated = []
    for ident, group in by_id.items():
        if len(group) > 1:
            versions = {json.dumps(m, sort_keys=True, ensure_ascii=False) for m in group}
            if len(versions) > 1:
                repeated.append((ident, len(versions)))
    if not repeated:
        return None
    shown = ", ".join(f'"{ident[:80]}" ({count} models)' for ident, count in repeated[:3])
    more = f" and {len(repeated) - 3} more" if len(repeated) > 3 else ""
    return (
        f"ids repeat with different models: {shown}{more}; "
        f"{_ID_HINT} a field that tells its models apart"
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
    """Two-space indented UTF-8 JSON with a final newline; strict (no NaN or Infinity)."""
    return indented.dumps(document) + "\n"


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


def regular_bytes(path: Path) -> bytes | None:
    """The content of ``path`` when it is a regular file; None when it is absent, or anything
    else (a symlink is not looked through, a FIFO is not waited on), or cannot be read."""
    try:
        current = _current_bytes(path)
    except OSError:  # a symlink (O_NOFOLLOW), unreadable, swapped for something else
        return None
    return None if current is None else current[0]


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
    """Why a new listing must not replace the old file, or None when it may (the front end
    adds how to write it anyway: ``Settings.force_hint``)."""
    if new_count == 0:
        return "empty listing" + (f" (the previous file holds {old_count:,})" if old_count else "")
    if old_count and removed / old_count > max_removal_ratio:
        return (
            f"{old_count:,} → {new_count:,} models: would remove {removed:,} of {old_count:,} "
            f"({removed / old_count:.0%} > {max_removal_ratio:.0%})"
        )
    return None
