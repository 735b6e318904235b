"""The validators of each provider's last listing, kept between runs (docs/scale.md).

``.dump-models/http-cache.json`` in the workspace (a directory that ignores itself in git)
holds, per provider: the server's ``ETag`` / ``Last-Modified`` for a one-page listing, the
sha256 of the dump file that listing was written as, its model count, and a hash of what
shapes the request and the file (the provider's spec and the tool's version; never the key).
The validators are sent back only while all of that still holds: the file is the very one
written from them, for the same request. The file is workspace content: whatever it holds
that is not exactly that (missing, not JSON, another shape, a value that is no header, a
symlink) is ignored, and the next run writes it whole again. It never holds a secret.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from . import __version__, canonical, secrets
from .http import Validators
from .providers import ProviderSpec

DIRECTORY = ".dump-models"  # in the workspace, as the Action's report
HTTP_CACHE = f"{DIRECTORY}/http-cache.json"  # relative to the workspace
VERSION = 1


@dataclass(frozen=True)
class Entry:
    """What one provider's last listing was: its validators, the file it became, its count."""

    request: str  # request_key(spec)
    validators: Validators
    file: str  # sha256 of the dump file
    models: int

    def to_json(self) -> dict:
        return {
            "request": self.request,
            "etag": self.validators.etag,
            "last_modified": self.validators.last_modified,
            "file": self.file,
            "models": self.models,
        }


def request_key(spec: ProviderSpec) -> str:
    """A hash of what shapes a provider's request and its file: the spec (endpoint, auth
    style, fixed headers and parameters, list key, id field, ignored fields) and the tool's
    version. A spec holds no key: a key is only ever substituted when a request is made."""
    shape = json.dumps(
        [__version__, dataclasses.asdict(spec)], sort_keys=True, default=str, ensure_ascii=True
    )
    return hashlib.sha256(shape.encode("utf-8")).hexdigest()


def _entry(value: object) -> Entry | None:
    """An entry read from the file, if it is exactly one."""
    if not isinstance(value, dict):
        return None
    request, file, models = value.get("request"), value.get("file"), value.get("models")
    validators = Validators.of(value.get("etag"), value.get("last_modified"))
    if (
        validators is None
        or validators != Validators(value.get("etag"), value.get("last_modified"))
        or not (isinstance(request, str) and isinstance(file, str))
        or type(models) is not int
        or models < 0
    ):
        return None
    return Entry(request, validators, file, models)


class HttpCache:
    """The cache file of one workspace: read once, changed as listings come, saved once."""

    def __init__(self, path: Path) -> None:
        self.path, self.directory = path, path.parent
        self._entries: dict[str, Entry] = {}
        self._saved: dict[str, Entry] = {}
        if self._usable():
            self._entries = self._read()
            self._saved = dict(self._entries)

    def _usable(self) -> bool:
        """The directory is absent or a real directory (never followed through a symlink)."""
        kind = canonical.non_regular(self.directory)
        return kind == "a directory" or (kind is None and not self.directory.exists())

    def _read(self) -> dict[str, Entry]:
        data = canonical.regular_bytes(self.path)
        try:
            document = json.loads(data) if data is not None else None
        except ValueError:  # not JSON, not UTF-8, numbers too long
            return {}
        if not isinstance(document, dict) or document.get("version") != VERSION:
            return {}
        providers = document.get("providers")
        if not isinstance(providers, dict):
            return {}
        found = {name: _entry(value) for name, value in providers.items()}
        return {name: entry for name, entry in found.items() if entry is not None}

    def validators_for(self, spec: ProviderSpec, dump: Path) -> Validators | None:
        """What to send back for ``spec``'s listing: only when its entry was made for this
        request and ``dump`` is still the file written from it."""
        entry = self._entries.get(spec.name)
        if entry is None or entry.request != request_key(spec):
            return None
        data = canonical.regular_bytes(dump)
        if data is None or hashlib.sha256(data).hexdigest() != entry.file:
            return None
        return entry.validators

    def entry(self, name: str) -> Entry | None:
        """What is kept for ``name``."""
        return self._entries.get(name)

    def remember(
        self,
        spec: ProviderSpec,
        validators: Validators | None,
        file: str | None,
        models: int | None,
    ) -> None:
        """After ``spec``'s listing was written as the file of sha256 ``file``: keep its
        validators (forget the entry when there are none to keep). A validator that holds a
        registered secret is never kept."""
        if validators is not None and any(
            value and secrets.redact(value) != value
            for value in (validators.etag, validators.last_modified)
        ):
            validators = None
        if validators is None or file is None or models is None:
            self._entries.pop(spec.name, None)
            return
        self._entries[spec.name] = Entry(request_key(spec), validators, file, models)

    def save(self) -> str | None:
        """Write the file when its entries changed (atomically; the directory ignores itself
        in git); nothing is written through a symlink. Why it was not written, or None."""
        if self._entries == self._saved:
            return None
        if not self._usable():
            return f"{DIRECTORY} is not a directory: the validators were not kept"
        entries = {name: self._entries[name].to_json() for name in sorted(self._entries)}
        document = {"version": VERSION, "providers": entries}
        try:
            self.directory.mkdir(exist_ok=True)
            canonical.write_if_changed(self.directory / ".gitignore", "*\n")
            canonical.write_if_changed(self.path, canonical.dumps(document))
        except OSError as exc:
            return f"the validators were not kept: {exc}"
        self._saved = dict(self._entries)
        return None
