"""``dump-models history``: the log's events rebuilt from the output directory's git history.

Three git processes whatever the length of the history (``docs/history.md``, ``gitlog.py``):
``rev-parse`` (a repository? a shallow one?), one first-parent ``log --raw`` of the directory,
and one ``cat-file --batch`` streaming every listing version in the order of the history, so
that one version is in memory at a time besides each provider's last readable one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dump_models import canonical
from dump_models.dumps import parse_dump
from dump_models.errors import DumpModelsError
from dump_models.events import Event, Listing, listing_events, utc_timestamp
from dump_models.gitlog import ZERO, Change, Commit, GitReader, blobs, first_parent_log
from dump_models.providers import NAME_RE, ProviderSpec, builtin_registry, is_tool_file

_SINCE_HINT = "give a date as YYYY-MM-DD or a time as YYYY-MM-DDTHH:MM:SSZ"


class Unreadable(Exception):
    """A version that is not a readable listing; the message says why."""


def parse_since(text: str) -> datetime:
    """``--since``: a date (midnight UTC) or an ISO 8601 time with its zone, as UTC."""
    try:
        if len(text) == 10:
            moment = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DumpModelsError(f"--since {text!r} is no date; {_SINCE_HINT}") from None
    if moment.tzinfo is None:
        raise DumpModelsError(f"--since {text!r} has no time zone; {_SINCE_HINT}")
    return moment.astimezone(timezone.utc)


def provider_of(path: str) -> str | None:
    """The provider whose listing ``path`` (relative to the output directory) is, or None:
    ``<name>.json`` directly in the directory, ``name`` a provider name, not the tool's own."""
    name, dot, extension = path.rpartition(".")
    if not dot or extension != "json" or is_tool_file(path) or not NAME_RE.fullmatch(name):
        return None  # also anything in a subdirectory: "/" is no name's character
    return name


def history_events(
    directory: Path,
    *,
    since: datetime | None = None,
    specs: Mapping[str, ProviderSpec] | None = None,
    workspace: Path | None = None,
    warn: Callable[[str], None] = lambda line: None,
) -> list[Event]:
    """The events of every listing change in ``directory``'s first-parent git history (of the
    branch checked out), oldest first, each with its commit's sha and time (``ts``).

    A file's first version gives ``model_added`` for each model, a file removed
    ``model_removed``. A version that is not a readable listing is skipped (one ``warn``
    line) and the next readable one compared with the last readable one. From ``since`` on,
    each provider's first change is compared with the version before it. In a shallow
    clone, the oldest commit's listings are the starting point (no events). ``specs``
    (default: the built-in registry) give each provider's list key, id field and ignored
    fields; ``workspace`` is the repository's top, for git's ``safe.directory``.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DumpModelsError(f"{directory}: no such directory; pass --dir, the dumps' directory")
    git = GitReader(directory, workspace)
    shallow = git.is_shallow()
    commits = first_parent_log(git)
    baseline = None
    if shallow and commits and not commits[0].parents:
        baseline = commits[0].sha
        warn(
            f"{directory}: the repository is shallow: its history starts at "
            f"{baseline[:12]} ({utc_timestamp(commits[0].seconds)}), whose listings are taken "
            "as they were, not as added; fetch the whole history (fetch-depth: 0) for all of it"
        )
    if since is not None:
        commits = [c for c in commits if c.sha == baseline or c.seconds >= since.timestamp()]
    walk = _Walk(directory, builtin_registry() if specs is None else specs, warn)
    return walk.events(git, commits, baseline)


def _listing_changes(commit: Commit) -> list[tuple[str, Change]]:
    found = [(provider_of(change.path), change) for change in commit.changes]
    return sorted((name, change) for name, change in found if name is not None)


def _reads(commits: Sequence[Commit]) -> list[str]:
    """The blobs :class:`_Walk` reads, in the order it reads them."""
    seen: set[str] = set()
    shas: list[str] = []
    for commit in commits:
        for provider, change in _listing_changes(commit):
            if provider not in seen:
                seen.add(provider)
                if change.old_blob:
                    shas.append(change.old_sha)
            if change.new_blob:
                shas.append(change.new_sha)
    return shas


class _Walk:
    """The history's listing versions, compared one after the other per provider."""

    def __init__(
        self, directory: Path, specs: Mapping[str, ProviderSpec], warn: Callable[[str], None]
    ) -> None:
        self.directory = directory
        self.specs = specs
        self.warn = warn
        self.state: dict[str, Listing | None] = {}  # provider -> its last readable version

    def events(
        self, git: GitReader, commits: Sequence[Commit], baseline: str | None
    ) -> list[Event]:
        events: list[Event] = []
        with blobs(git, _reads(commits)) as contents:
            for commit in commits:
                for provider, change in _listing_changes(commit):
                    found = self._change(commit, provider, change, contents)
                    if commit.sha != baseline:
                        events += found
        return events

    def _change(
        self, commit: Commit, provider: str, change: Change, contents: Iterator[bytes]
    ) -> list[Event]:
        path = self.directory / f"{provider}.json"
        if provider not in self.state:  # its first change here: what was there before?
            self.state[provider] = None
            if change.old_blob:
                where = f"{path} before {commit.sha[:12]}"
                self.state[provider] = self._read(provider, next(contents), where, None)
        old = self.state[provider]
        new: Listing | None = None
        if change.new_blob:
            where = f"{path} at {commit.sha[:12]}"
            new = self._read(provider, next(contents), where, old)
            if new is None:
                return []
        elif change.new_sha == ZERO:  # the file is gone: every model removed
            if old is None:
                return []
        else:
            self.warn(f"{path} at {commit.sha[:12]}: not a readable listing (not a file)")
            return []
        self.state[provider] = new
        return listing_events(provider, old, new, utc_timestamp(commit.seconds), commit=commit.sha)

    def _read(
        self, provider: str, data: bytes, where: str, before: Listing | None
    ) -> Listing | None:
        try:
            return read_listing(self.specs.get(provider), data, before)
        except Unreadable as exc:
            self.warn(f"{where}: not a readable listing ({exc}); skipped")
            return None


def read_listing(spec: ProviderSpec | None, data: bytes, before: Listing | None) -> Listing:
    """A version's listing, checked as a run checks one before storing it (what a run would
    refuse to store, history refuses to read); a model whose text is the same as in
    ``before`` was checked then, so only the others are. Raises :class:`Unreadable`."""
    try:
        document = parse_dump(data)
    except ValueError as exc:
        raise Unreadable(f"not JSON: {str(exc).splitlines()[0]}") from None
    models, list_key = _models(spec, document)
    if models is None:
        raise Unreadable("no model list")
    id_field = spec.id_field if spec else "id"
    try:
        listing = Listing.of(
            models, id_field=id_field, ignore_fields=spec.volatile_fields if spec else ()
        )
    except (RecursionError, ValueError):  # repr of a nesting too deep, an int too long
        raise Unreadable("nests too deep or holds a number too long") from None
    fresh = models
    if before is not None:
        old_texts, texts = before.texts, listing.texts
        fresh = [
            model
            for model in models
            if not isinstance(model, dict)
            or model.get(id_field) is None
            or old_texts.get(key := str(model[id_field]), "") != texts.get(key)
        ]
    checked = fresh if list_key is None else {**document, list_key: fresh}
    problem = canonical.unstorable_reason(checked, fresh, id_field)
    if problem:
        raise Unreadable(problem)
    return listing


def _models(spec: ProviderSpec | None, document: Any) -> tuple[list | None, str | None]:
    """The model list and its key: the spec's, or (a provider the registry does not know) a
    top-level array, ``data`` or ``models``."""
    keys = [spec.list_key] if spec else [None, "data", "models"]
    for key in keys:
        models = canonical.listing_models(document, key)
        if models is not None:
            return models, key
    return None, None
