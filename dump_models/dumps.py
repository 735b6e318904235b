"""Reading dumps back: the file a run replaces, a file at the base, ``dump-models diff``.

One reader for all of them: a dump is read as a run checks what it stores
(``canonical.unstorable_reason``), so whatever a run could not have written is no dump, and
nothing recursive meets it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dump_models.canonical import MAX_NESTING, listing_models, regular_bytes, unstorable_reason
from dump_models.diff import compare_listings
from dump_models.errors import DumpModelsError
from dump_models.providers import ProviderSpec, builtin_registry, is_tool_file
from dump_models.results import ProviderReport
from dump_models.suggest import did_you_mean

_HINT = "pass a models/<provider>.json file or a directory of them"
_LIST_KEYS = ("data", "models")  # where ``diff`` looks for the list of a file no spec describes
# A JSON escape of a UTF-16 surrogate: the only way a lone surrogate gets into parsed text.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class NotADump(ValueError):
    """Why some bytes are not a dump, in one line."""


def parse_dump(data: bytes) -> Any:
    """The JSON document of a dump's bytes; raises ``NotADump`` (a syntax error, bytes that are
    not UTF-8, a nesting too deep for the parser, a number it refuses)."""
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise NotADump(f"not valid JSON (line {exc.lineno}): {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise NotADump(f"not valid JSON (line 1): {exc.reason}") from None
    except RecursionError:
        problem = f"nests objects and arrays deeper than {MAX_NESTING} levels"
        raise NotADump(f"not a dump: it {problem}") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise NotADump(f"not a dump: {exc}") from None


def stored_models(document: Any, list_key: str | None, id_field: str = "id") -> list:
    """The model list of a dump's document (under ``list_key``, or the document itself when
    None), if a run could have stored it; raises ``NotADump``."""
    models = listing_models(document, list_key)
    if models is None:
        where = "a top-level array" if list_key is None else f'under "{list_key}"'
        raise NotADump(f"no model list ({where})")
    problem = unstorable_reason(document, models, id_field)
    if problem:
        raise NotADump(f"not a dump: {problem}")
    return models


def _refuse_constant(name: str) -> Any:
    raise NotADump(f"not a dump: it holds {name}, which strict JSON does not allow")


def read_dump(data: bytes, spec: ProviderSpec | None, *, thorough: bool = True) -> tuple[list, str]:
    """A dump file's models and the field naming them; raises ``NotADump``.

    The list is where ``spec`` says, else (a file no spec describes) under ``data`` or
    ``models`` or the document itself, and its ids are ``id``, else ``name``. ``thorough``
    runs every check a run makes before storing; without it (reading many files to query
    them) only what could reach the output is refused: NaN and Infinity, and text with a
    lone surrogate; the readers never recurse into a model and skip models without an id.
    """
    if thorough:
        document = parse_dump(data)
    else:
        try:
            document = json.loads(data, parse_constant=_refuse_constant)
        except NotADump:
            raise
        except (UnicodeDecodeError, RecursionError, ValueError):  # JSONDecodeError included
            document = parse_dump(data)  # raises NotADump, saying why
    id_field = spec.id_field if spec is not None else "id"
    list_key = _list_key(document, spec)
    if thorough or _SURROGATE_ESCAPE.search(data):
        models = stored_models(document, list_key, id_field)
    else:
        models = listing_models(document, list_key) or []
    if spec is None:
        sample = [m for m in models if isinstance(m, dict)]
        id_field = "id" if not sample or any("id" in m for m in sample) else "name"
    return models, id_field


def provider_files(directory: Path) -> dict[str, Path]:
    """The ``<provider>.json`` files directly in ``directory`` by provider (the file stem),
    sorted; the tool's own files (``providers.is_tool_file``) and anything not a file left out."""
    return {
        child.stem: child
        for child in sorted(directory.glob("*.json"))
        if not is_tool_file(child.name) and child.is_file()
    }


def listing_in(data: bytes | None, spec: ProviderSpec) -> list | None:
    """The models of a dump's bytes (a previous file, a file at the base), or None when they
    are not a readable dump: not JSON, no model list, or nothing a run could have stored."""
    if data is None:
        return None
    try:
        return stored_models(parse_dump(data), spec.list_key, spec.id_field)
    except NotADump:
        return None


def read_previous(path: Path, spec: ProviderSpec) -> list | None:
    """The models of the file a run is about to replace (None when there is none to read: it
    is absent or not a regular file, and writing it will say what is wrong)."""
    return listing_in(regular_bytes(path), spec)


def _list_key(document: Any, spec: ProviderSpec | None) -> str | None:
    """Where ``diff`` finds a file's model list: the document itself, the spec's list key, or
    ``data``/``models`` (a file of a provider the registry does not know)."""
    if isinstance(document, dict):
        keys = (spec.list_key,) if spec is not None and spec.list_key else ()
        for key in keys + _LIST_KEYS:
            if isinstance(document.get(key), list):
                return key
    if isinstance(document, list):
        return None
    raise NotADump("no model list (a top-level array, data or models)")


def _listing(path: Path | None, spec: ProviderSpec | None) -> tuple[list[dict], str] | None:
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DumpModelsError(f"{path}: cannot read: {exc.strerror or exc}; {_HINT}") from None
    try:
        return read_dump(data, spec)
    except NotADump as exc:
        raise DumpModelsError(f"{path}: {exc}; {_HINT}") from None


def _files(path: Path) -> dict[str, Path]:
    if not path.exists():
        raise DumpModelsError(f"{path}: no such file or directory; {_HINT}") from None
    if path.is_dir():
        return provider_files(path)
    return {path.stem: path}


def compare_paths(
    old: Path,
    new: Path,
    *,
    provider: str | None = None,
    note: Callable[[str], None] | None = None,
) -> list[ProviderReport]:
    """``dump-models diff OLD NEW``: compare two dumps, each a directory of ``<provider>.json``
    or a single file.

    The provider is the file stem; a file only in OLD is all removed, one only in NEW is
    ``new``. Two single files are compared whatever their names, by ``provider``'s rules when
    given, else as NEW's stem (which ``note`` is told, with how to choose); a single file
    against a directory is compared with the directory's file of that name.  A file no
    provider describes is read by generic rules (``note`` is told).
    """
    registry = builtin_registry()
    say = note or (lambda text: None)
    old, new = Path(old), Path(new)
    old_files, new_files = _files(old), _files(new)
    both_files = not old.is_dir() and not new.is_dir()
    if provider is not None:
        if not both_files:
            raise DumpModelsError(
                "--provider applies to two files; a directory's files are read by their names"
            )
        if provider not in registry:
            raise DumpModelsError(
                f"--provider: unknown provider {provider!r}{did_you_mean(provider, registry)}; "
                "see 'dump-models providers'"
            )
    if both_files:
        name = provider or new.stem
        old_files, new_files = {name: old}, {name: new}
    elif not old.is_dir():
        new_files = {name: path for name, path in new_files.items() if name in old_files}
    elif not new.is_dir():
        old_files = {name: path for name, path in old_files.items() if name in new_files}

    reports = []
    for name in sorted(old_files.keys() | new_files.keys()):
        spec = registry.get(name)
        old_listing = _listing(old_files.get(name), spec)
        new_listing = _listing(new_files.get(name), spec)
        before = None if old_listing is None else old_listing[0]
        after = None if new_listing is None else new_listing[0]
        if spec is None:
            say(
                f"no provider is named {name} (the file's name): read with generic rules "
                "(token limits only: no prices or capabilities); pass --provider NAME to choose one"
                if both_files
                else f"{name}.json: no provider is named {name}: read with generic rules "
                "(token limits only: no prices or capabilities)"
            )
        elif both_files and provider is None:
            say(f"read as {name} (the file's name); pass --provider NAME to choose another")
        read = [listing for listing in (new_listing, old_listing) if listing and listing[0]]
        id_field = read[0][1] if read else (spec.id_field if spec is not None else "id")
        ignore = spec.volatile_fields if spec is not None else ()
        if before is not None and after is None:
            after = []  # gone from NEW: every model removed
        reports.append(
            compare_listings(name, before, after, id_field=id_field, ignore_fields=ignore)
        )
    return reports
