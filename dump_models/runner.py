"""The pipeline of ``dump-models run``: fetch, canonicalize, compare, guard, write, report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from . import canonical, secrets
from .assessment import SUMMARY_BLOCKS_CHARS, Assessment, RiskContext, date_paths
from .config import Settings
from .dumps import read_previous
from .errors import DumpModelsError
from .fetch import FetchResult, fetch_all
from .http import Validators
from .http_cache import HttpCache
from .lifecycle import Retiring
from .processing import FileVersions as FileVersions  # the versions change_report reads
from .processing import Processed, Processing, not_modified, processed
from .processing import file_digest as file_digest
from .providers import CATALOG_FILE
from .report import render_markdown, report_json
from .report_sections import counts_text
from .report_text import number, plural
from .results import ProviderReport
from .workers import Workers, worker_count

# The job summary and --report-md hold the whole report, cut only to fit a step summary:
# GitHub drops one over 1 MiB, counted in bytes of UTF-8, whole.  The action appends a line
# after the report (the pull request), so the report leaves room for it.  The PR body is cut
# to 60,000 characters (GitHub allows 65,536 there).
STEP_SUMMARY_MAX_BYTES = 1024 * 1024
SUMMARY_APPENDIX_BYTES = 4096
FULL_REPORT_MAX_BYTES = STEP_SUMMARY_MAX_BYTES - SUMMARY_APPENDIX_BYTES
# The added models whose details (price, context, capabilities) a run keeps for its reports:
# more rows than a 1 MiB summary or a 60,000-character PR body can show. Past it, a provider's
# added models are listed by id, so memory does not grow with a first run over every provider.
ADDED_DETAILS_LIMIT = 10_000

Emit = Callable[[str], None]
OnReport = Callable[[ProviderReport, str], None]


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

    def compared(self) -> RunResult:
        """This run with only the reports of listings it compared with their files: what a
        pull request of one provider's says (group-by provider), no other provider's failure."""
        kept = [r for r in self.reports if r.status in ("changed", "new", "unchanged")]
        return replace(self, reports=kept)


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
    if risk is None:
        risk = RiskContext.from_settings(settings, warn=lambda text: emit(f"warning: {text}"))
    retiring: list[Retiring] = []  # per provider as its listing comes: not the listings

    details_kept = 0

    def finish(report: ProviderReport, seconds: float | None = None) -> None:
        nonlocal details_kept
        details_kept += len(report.added_records)
        if details_kept > ADDED_DETAILS_LIMIT:
            report.added_records = {}  # listed by id: the reports keep only what they can show
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
            models = read_previous(settings.output_dir / f"{target.name}.json", target.spec)
            count = None if models is None else len(models)
            finish(
                ProviderReport(
                    name=target.name,
                    status="skipped",
                    error=reason,
                    models_before=count,
                    models_after=count,
                )
            )

    def done(report: ProviderReport, seconds: float | None, models: list | None) -> None:
        retiring.extend(risk.retiring_of(report, specs[report.name], models))
        finish(report, seconds)

    versions = fetch_and_process(settings, done, emit, on_start)
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


# A provider's report, its fetch's seconds and the models of the listing it is about (None
# when there is none), as each provider's processing ends.
Finish = Callable[[ProviderReport, float | None, "list | None"], None]


def fetch_and_process(
    settings: Settings,
    finish: Finish,
    emit: Emit,
    on_start: Callable[[str], None] | None = None,
) -> dict[str, FileVersions]:
    """Fetch every target that is not skipped and process each listing as it comes (in
    worker processes when that pays), calling ``finish`` for each in this thread; the file
    versions each report compared. Validators kept from the last run are sent back
    (``http_cache``), and a 304 is the file as it is (docs/scale.md)."""
    job = Processing(
        output_dir=settings.output_dir,
        max_removal_ratio=settings.max_removal_ratio,
        force=settings.force,
        dry_run=settings.dry_run,
        force_hint=settings.force_hint,
    )
    specs = {t.name: t.spec for t in settings.targets}
    fetchable = [t for t in settings.targets if t.skip_reason is None]
    cache = None if settings.http_cache is None else HttpCache(settings.http_cache)
    sent = {}  # validators sent back: the file is still the one written from them
    for target in fetchable:
        validators = (
            None if cache is None else cache.validators_for(target.spec, job.path(target.name))
        )
        if validators is not None:
            sent[target.name] = validators
    versions: dict[str, FileVersions] = {}
    seconds: dict[str, float] = {}
    answered: dict[str, Validators | None] = {}  # what each server said identifies its listing

    def ended(name: str, done: Processed, models: list | None) -> None:
        if done.versions is not None:
            versions[name] = done.versions
            if cache is not None and name in answered:
                count = done.report.models_after
                cache.remember(specs[name], answered.pop(name), done.versions.after, count)
        finish(done.report, seconds.pop(name, None), models)

    def on_done(name: str, done: Processed, result: FetchResult) -> None:
        ended(name, done, canonical.listing_models(result.document, specs[name].list_key))

    # Listings answered 304 need no processing: the others decide whether workers pay.
    count = worker_count(len(fetchable) - len(sent))
    workers = Workers(job, count, on_done) if count else None

    def on_result(result: FetchResult) -> None:
        name, spec = result.name, specs[result.name]
        seconds[name] = result.seconds
        if result.not_modified and cache is not None and (kept := cache.entry(name)):
            # The file is the listing: read only when the risk looks at its models' dates.
            models = read_previous(job.path(name), spec) if date_paths(name) else None
            ended(name, not_modified(job, spec, kept.models, kept.file), models)
            return
        answered[name] = result.validators
        if workers is None:
            on_done(name, processed(job, spec, result), result)
        else:
            workers.submit(spec, result)

    try:
        fetch_all(
            fetchable,
            concurrency=settings.concurrency,
            timeout=settings.timeout,
            retries=settings.retries,
            limits=settings.limits,
            on_result=on_result,
            on_start=on_start,
            validators=sent,
        )
    finally:
        if workers is not None:
            workers.close()
    if cache is not None and not settings.dry_run:
        problem = cache.save()
        if problem:
            emit(f"warning: {problem}")
    return versions


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
