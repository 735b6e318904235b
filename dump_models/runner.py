"""The pipeline of ``dump-models run``: fetch, canonicalize, compare, guard, write, report."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import canonical, secrets
from .assessment import SUMMARY_BLOCKS_CHARS, Assessment, RiskContext
from .config import Settings
from .diff import compare_listings
from .dumps import read_previous
from .errors import DumpModelsError
from .fetch import FetchResult, fetch_all
from .lifecycle import Retiring
from .providers import CATALOG_FILE, ProviderSpec
from .report import render_markdown, report_json
from .report_sections import counts_text
from .report_text import number, plural
from .results import ProviderReport

# The job summary and --report-md hold the whole report, cut only to fit a step summary:
# GitHub drops one over 1 MiB, counted in bytes of UTF-8, whole.  The action appends a line
# after the report (the pull request), so the report leaves room for it.  The PR body is cut
# to 60,000 characters (GitHub allows 65,536 there).
STEP_SUMMARY_MAX_BYTES = 1024 * 1024
SUMMARY_APPENDIX_BYTES = 4096
FULL_REPORT_MAX_BYTES = STEP_SUMMARY_MAX_BYTES - SUMMARY_APPENDIX_BYTES
_MAX_REASON = 300  # characters of a failure reason built from an exception
COMPARED = ("changed", "new", "unchanged")  # a report of the file's versions before and after

Emit = Callable[[str], None]
OnReport = Callable[[ProviderReport, str], None]


@dataclass(frozen=True)
class FileVersions:
    """A provider's file as a run compared it: the sha256 (hex) of the bytes it read as the
    previous file and of the bytes it left there; None: no file."""

    before: str | None
    after: str | None


def file_digest(data: bytes | None) -> str | None:
    """The sha256 (hex) of a file's bytes, None for no file."""
    return None if data is None else hashlib.sha256(data).hexdigest()


@dataclass
class RunResult:
    """What a run did, per provider, and the exit code ``fail_on`` asks for.

    ``versions``: for each provider whose listing was compared with its file (changed, new or
    unchanged; not in a dry run), the file versions its report is about, so that a report of
    the same two versions need not be made again (``change_report``). ``assessment``: the
    update judged (docs/risk.md).
    """

    reports: list[ProviderReport]
    exit_code: int
    json: dict = field(default_factory=dict)
    markdown: str = ""
    versions: dict[str, FileVersions] = field(default_factory=dict)
    assessment: Assessment | None = None

    @property
    def failed(self) -> list[str]:
        return sorted(r.name for r in self.reports if r.status == "failed")

    @property
    def changed(self) -> bool:
        return any(r.status in ("changed", "new") for r in self.reports)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:  # absent, a directory, unreadable: writing it will say what is wrong
        return None


def _count(models: list | None) -> int | None:
    return None if models is None else len(models)


def _failed(spec: ProviderSpec, reason: str, old_models: list | None) -> ProviderReport:
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


def process_result(settings: Settings, spec: ProviderSpec, result: FetchResult) -> ProviderReport:
    """Turn one provider's fetch into its report, writing its file when that is safe.

    A listing that cannot be stored (``canonical.unstorable_reason``) or whose models cannot be
    told apart (``canonical.id_problem``) fails the provider, which keeps its file.
    """
    path = settings.output_dir / f"{spec.name}.json"
    old_models = read_previous(path, spec)
    if not result.ok:
        return _failed(spec, result.error or "unknown error", old_models)
    models = canonical.listing_models(result.document, spec.list_key)
    problem = canonical.unstorable_reason(result.document, models, spec.id_field)
    if problem:
        return _failed(spec, f"cannot be stored: {problem}", old_models)
    document, _ = canonical.canonical_document(spec, result.document, fetched_at=result.fetched_at)
    new_models = canonical.listing_models(document, spec.list_key) or []
    problem = canonical.id_problem(new_models, spec.id_field)
    if problem:
        return _failed(spec, problem, old_models)
    report = compare_listings(
        spec.name,
        old_models,
        new_models,
        id_field=spec.id_field,
        ignore_fields=spec.volatile_fields,
    )
    reason = canonical.guard_reason(
        _count(old_models), len(new_models), settings.max_removal_ratio, len(report.removed)
    )
    if reason and not settings.force:
        return ProviderReport(
            name=spec.name,
            status="guarded",
            error=f"{reason}; {settings.force_hint} to write it",
            models_before=_count(old_models),
            models_after=len(new_models),  # what the listing holds; the file keeps the old
        )
    _check_renders(report)
    if not settings.dry_run:
        # A provider echoing a key back (a query key in a URL) must not get it committed.
        text = secrets.redact(canonical.dumps(document), min_length=secrets.DATA_MIN_LENGTH)
        canonical.write_if_changed(path, text)
    return report


def processed(settings: Settings, spec: ProviderSpec, result: FetchResult) -> ProviderReport:
    """:func:`process_result` that never raises: whatever goes wrong with one provider's
    listing (a bug included) becomes that provider's one-line failure; its file is untouched
    (every write is atomic and the last step)."""
    try:
        return process_result(settings, spec, result)
    except OSError as exc:
        reason = f"cannot write its file: {exc}"
    except Exception as exc:
        reason = f"cannot process its listing: {type(exc).__name__}: {exc}"
    reason = " ".join(reason.split())
    if len(reason) > _MAX_REASON:
        reason = reason[: _MAX_REASON - 1] + "\u2026"
    return _failed(spec, reason, read_previous(settings.output_dir / f"{spec.name}.json", spec))


def provider_line(report: ProviderReport, seconds: float | None = None) -> str:
    """The line ``run`` prints when a provider finishes."""
    name = report.name
    if report.status == "skipped":
        return f"{name}: skipped: {report.error}"
    if report.status == "failed":
        return f"{name}: failed: {report.error}"
    if report.status == "guarded":
        return f"{name}: guarded: {report.error}"
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    line = f"{name}: fetched {plural(report.models_after or 0, 'model')}{took}"
    if report.status == "new":
        return line + " (new file)"
    if report.status == "changed":
        counts = counts_text(len(report.added), len(report.removed), len(report.changed))
        return f"{line} ({counts})"
    return line + " (unchanged)"


def exit_code_for(reports: list[ProviderReport], fail_on: str) -> int:
    """0, or 1 when the provider failures are more than ``fail_on`` allows."""
    failed = sum(r.status == "failed" for r in reports)
    attempted = sum(r.status != "skipped" for r in reports)
    if fail_on == "any" and failed:
        return 1
    if fail_on == "all" and failed and failed == attempted:
        return 1
    return 0


def summary_line(reports: list[ProviderReport], *, dry_run: bool = False) -> str:
    """The closing summary of ``run`` (a dry run's files "would change": none is written)."""
    by_status: dict[str, int] = {}
    for report in reports:
        by_status[report.status] = by_status.get(report.status, 0) + 1
    fetched = sum(by_status.get(s, 0) for s in ("changed", "unchanged", "new"))
    parts = [f"{number(fetched)} fetched"] + [
        f"{number(by_status[s])} {s}" for s in ("skipped", "failed", "guarded") if by_status.get(s)
    ]
    counts = counts_text(
        sum(len(r.added) for r in reports),
        sum(len(r.removed) for r in reports),
        sum(len(r.changed) for r in reports),
    )
    files = plural(by_status.get("changed", 0) + by_status.get("new", 0), "file")
    verb = "would change" if dry_run else "changed"
    return (
        f"Done: {plural(len(reports), 'provider')}: {', '.join(parts)}; "
        f"{files} {verb}: {counts} models"
    )


def risk_lines(assessment: Assessment) -> list[str]:
    """What ``run`` prints of its verdict: the level, then each reason."""
    if assessment.level is None:
        return []
    return [f"risk: {assessment.level}"] + [f"  - {r.text}" for r in assessment.verdict.reasons]


def run(
    settings: Settings,
    *,
    emit: Emit = print,
    on_report: OnReport | None = None,
    risk: RiskContext | None = None,
    on_start: Callable[[str], None] | None = None,
) -> RunResult:
    """Fetch every target, write what is safe to write, report what changed and judge it
    (``risk``: made from the settings unless the caller shares its own); ``on_start`` is told
    each provider whose fetch begins (any thread: for progress)."""
    reports: dict[str, ProviderReport] = {}
    versions: dict[str, FileVersions] = {}
    if risk is None:
        risk = RiskContext.from_settings(settings, warn=lambda text: emit(f"warning: {text}"))
    retiring: list[Retiring] = []  # per provider as its listing comes: not the listings

    def finish(report: ProviderReport, seconds: float | None = None) -> None:
        reports[report.name] = report
        line = secrets.redact(provider_line(report, seconds))
        if on_report is not None:
            on_report(report, line)
        else:
            emit(line)

    specs = {t.name: t.spec for t in settings.targets}
    for target in settings.targets:
        reason = target.skip_reason
        if reason is not None:
            path = settings.output_dir / f"{target.name}.json"
            count = _count(read_previous(path, target.spec))
            finish(
                ProviderReport(
                    name=target.name,
                    status="skipped",
                    error=reason,
                    models_before=count,
                    models_after=count,
                )
            )

    def on_result(result: FetchResult) -> None:
        path = settings.output_dir / f"{result.name}.json"
        before = file_digest(_read(path))
        report = processed(settings, specs[result.name], result)
        if report.status in COMPARED and not settings.dry_run:
            versions[result.name] = FileVersions(before, file_digest(_read(path)))
        spec = specs[result.name]
        models = canonical.listing_models(result.document, spec.list_key)
        retiring.extend(risk.retiring_of(report, spec, models))
        finish(report, result.seconds)

    fetch_all(
        [t for t in settings.targets if t.skip_reason is None],
        concurrency=settings.concurrency,
        timeout=settings.timeout,
        retries=settings.retries,
        limits=settings.limits,
        on_result=on_result,
        on_start=on_start,
    )
    ordered = [reports[t.name] for t in settings.targets if t.name in reports]
    if settings.catalog and not settings.dry_run:
        write_catalog(settings, emit)
    emit(summary_line(ordered, dry_run=settings.dry_run))
    assessment = risk.assess(ordered, retiring)
    for line in risk_lines(assessment):
        emit(secrets.redact(line))
    data = assessment.add_to_json(report_json(ordered))
    opening, closing = assessment.blocks(SUMMARY_BLOCKS_CHARS, everything=True)
    markdown = render_markdown(
        ordered,
        max_chars=None,
        max_bytes=FULL_REPORT_MAX_BYTES,
        opening=opening,
        closing=closing,
    )
    write_reports(settings, data, markdown)
    return RunResult(
        reports=ordered,
        exit_code=exit_code_for(ordered, settings.fail_on),
        json=data,
        markdown=markdown,
        versions=versions,
        assessment=assessment,
    )


def write_catalog(settings: Settings, emit: Emit) -> None:
    """``catalog.json`` from the dumps in the output directory, once they are written: the
    owned providers' files as they are now, so that it matches the dumps committed with it
    (docs/catalog.md). Nothing to write when the directory does not exist yet."""
    from .catalog import catalog_text, read_catalog

    if not settings.output_dir.is_dir():
        return
    specs = {name: settings.spec_for(name) for name in settings.owned_providers}
    catalog = read_catalog(
        settings.output_dir,
        specs={name: spec for name, spec in specs.items() if spec is not None},
        providers=settings.owned_providers,
        warn=lambda line: emit(secrets.redact(line)),
    )
    text = secrets.redact(catalog_text(catalog), min_length=secrets.DATA_MIN_LENGTH)
    try:
        canonical.write_if_changed(settings.output_dir / CATALOG_FILE, text)
    except OSError as exc:  # UnsafeWrite included: a symlink there is never written through
        raise DumpModelsError(
            f"cannot write {CATALOG_FILE}: {exc}; the dumps are written, nothing is published",
            exit_code=1,
        ) from None


def write_reports(settings: Settings, data: dict, markdown: str) -> None:
    """``--report-json`` and ``--report-md``, when asked for."""
    if settings.report_json is not None:
        canonical.write_if_changed(settings.report_json, secrets.redact(canonical.dumps(data)))
    if settings.report_md is not None:
        canonical.write_if_changed(settings.report_md, secrets.redact(markdown))
