"""One provider's fetched listing to its report and its file: canonical form, checks, diff,
guard, write. Runs in the run's process or in a worker process (``workers.py``): what it needs
and what it gives back are small, picklable values.

A listing whose canonical bytes are the file's bytes costs no diff (docs/scale.md): it is
``unchanged``, counted from the listing, and the file is left as it is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import canonical, secrets
from .diff import compare_listings
from .dumps import listing_in, read_previous
from .providers import ProviderSpec
from .report import render_markdown, report_json
from .results import ProviderReport

if TYPE_CHECKING:  # a worker process needs no HTTP client
    from .fetch import FetchResult

_MAX_REASON = 300  # characters of a failure reason built from an exception


@dataclass(frozen=True)
class Processing:
    """What processing a listing needs of the run's settings (no key among them)."""

    output_dir: Path
    max_removal_ratio: float = 0.5
    force: bool = False
    dry_run: bool = False
    force_hint: str = "pass --force"  # how a guarded provider's reason says to write it anyway

    def path(self, name: str) -> Path:
        """Where ``name``'s dump goes."""
        return self.output_dir / f"{name}.json"


@dataclass(frozen=True)
class FileVersions:
    """A provider's file as a run compared it: the sha256 (hex) of the bytes it read as the
    previous file and of the bytes it left there; None: no file."""

    before: str | None
    after: str | None


@dataclass(frozen=True)
class Processed:
    """One provider's report, and the file versions it is about (changed, new or unchanged,
    not in a dry run; else None)."""

    report: ProviderReport
    versions: FileVersions | None = None


def file_digest(data: bytes | None) -> str | None:
    """The sha256 (hex) of a file's bytes, None for no file."""
    return None if data is None else hashlib.sha256(data).hexdigest()


def _count(models: list | None) -> int | None:
    return None if models is None else len(models)


def failed(spec: ProviderSpec, reason: str, old_models: list | None) -> ProviderReport:
    """The report of a provider that failed: its file, and its count, stay as they were."""
    count = _count(old_models)
    return ProviderReport(
        name=spec.name,
        status="failed",
        error=secrets.redact(reason),
        models_before=count,
        models_after=count,
    )


def _check_renders(report: ProviderReport) -> None:
    """Render the report on its own before its file is written, so that a value the reports
    cannot show fails this provider and leaves its file as it was, not the run's report."""
    canonical.dumps(report_json([report]))
    render_markdown([report], max_chars=None)


def process_listing(
    job: Processing, spec: ProviderSpec, document: Any, fetched_at: float
) -> Processed:
    """Turn one provider's fetched listing into its report, writing its file when that is safe.

    A listing that cannot be stored (``canonical.unstorable_reason``) or whose models cannot be
    told apart (``canonical.id_problem``) fails the provider, which keeps its file.
    """
    path = job.path(spec.name)
    models = canonical.listing_models(document, spec.list_key)
    problem = canonical.unstorable_reason(document, models, spec.id_field)
    if problem:
        unstorable = f"cannot be stored: {problem}"
        return Processed(failed(spec, unstorable, read_previous(path, spec)))
    document, _ = canonical.canonical_document(spec, document, fetched_at=fetched_at)
    new_models = canonical.listing_models(document, spec.list_key) or []
    problem = canonical.id_problem(new_models, spec.id_field)
    if problem:
        return Processed(failed(spec, problem, read_previous(path, spec)))
    # A provider echoing a key back (a query key in a URL) must not get it committed.
    text = secrets.redact(canonical.dumps(document), min_length=secrets.DATA_MIN_LENGTH)
    data = text.encode("utf-8")
    current = canonical.regular_bytes(path)
    if current == data and new_models:
        return _unchanged(job, spec, new_models, data)
    old_models = listing_in(current, spec)
    report = compare_listings(
        spec.name,
        old_models,
        new_models,
        id_field=spec.id_field,
        ignore_fields=spec.volatile_fields,
    )
    reason = canonical.guard_reason(
        _count(old_models), len(new_models), job.max_removal_ratio, len(report.removed)
    )
    if reason and not job.force:
        guarded = ProviderReport(
            name=spec.name,
            status="guarded",
            error=f"{reason}; {job.force_hint} to write it",
            models_before=_count(old_models),
            models_after=len(new_models),  # what the listing holds; the file keeps the old
        )
        return Processed(guarded)
    _check_renders(report)
    if job.dry_run:
        return Processed(report)
    canonical.write_if_changed(path, text)
    return Processed(report, FileVersions(file_digest(current), file_digest(data)))


def _unchanged(job: Processing, spec: ProviderSpec, models: list, data: bytes) -> Processed:
    """The report of a listing whose canonical bytes are its file's: nothing to compare."""
    count = len({canonical.model_id(model, spec.id_field) for model in models})  # as the diff
    report = ProviderReport(spec.name, "unchanged", models_before=count, models_after=count)
    if job.dry_run:
        return Processed(report)
    digest = file_digest(data)
    return Processed(report, FileVersions(digest, digest))


def not_modified(job: Processing, spec: ProviderSpec, models: int, file: str) -> Processed:
    """The report of a listing the server said is the one the file of sha256 ``file`` (and
    ``models`` models) was written from: nothing downloaded, nothing to compare."""
    report = ProviderReport(spec.name, "unchanged", models_before=models, models_after=models)
    return Processed(report, None if job.dry_run else FileVersions(file, file))


def processed(job: Processing, spec: ProviderSpec, result: FetchResult) -> Processed:
    """One provider's fetch to its report: its failure, or its listing processed."""
    if not result.ok:
        reason = result.error or "unknown error"
        return Processed(failed(spec, reason, read_previous(job.path(spec.name), spec)))
    return listing_processed(job, spec, result.document, result.fetched_at)


def listing_processed(
    job: Processing, spec: ProviderSpec, document: Any, fetched_at: float
) -> Processed:
    """:func:`process_listing` that never raises: whatever goes wrong with one provider's
    listing (a bug included) becomes that provider's one-line failure; its file is untouched
    (every write is atomic and the last step)."""
    try:
        return process_listing(job, spec, document, fetched_at)
    except OSError as exc:
        reason = f"cannot write its file: {exc}"
    except Exception as exc:
        reason = f"cannot process its listing: {type(exc).__name__}: {exc}"
    reason = one_line(secrets.redact(reason))  # redacted before the cut: no part of a key left
    return Processed(failed(spec, reason, read_previous(job.path(spec.name), spec)))


def one_line(reason: str) -> str:
    """A failure reason on one line, cut to :data:`_MAX_REASON` characters."""
    reason = " ".join(reason.split())
    if len(reason) > _MAX_REASON:
        reason = reason[: _MAX_REASON - 1] + "\u2026"
    return reason
