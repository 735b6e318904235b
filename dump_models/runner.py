"""The pipeline of ``dump-models run``: fetch, canonicalize, compare, guard, write, report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from . import canonical, secrets
from .config import Settings
from .dumps import read_previous
from .fetch import FetchResult, fetch_all
from .http import Validators
from .http_cache import HttpCache
from .processing import FileVersions as FileVersions  # the versions change_report reads
from .processing import Processed, Processing, not_modified, processed
from .processing import file_digest as file_digest
from .report import render_markdown, report_json
from .results import ProviderReport
from .workers import Workers, worker_count

# The job summary and --report-md hold the whole report, cut only to fit a step summary:
# GitHub drops one over 1 MiB, counted in bytes of UTF-8, whole.  The action appends a line
# after the report (the pull request), so the report leaves room for it.  The PR body is cut
# to 60,000 characters (GitHub allows 65,536 there).
STEP_SUMMARY_MAX_BYTES = 1024 * 1024
SUMMARY_APPENDIX_BYTES = 4096
FULL_REPORT_MAX_BYTES = STEP_SUMMARY_MAX_BYTES - SUMMARY_APPENDIX_BYTES

Emit = Callable[[str], None]
OnReport = Callable[[ProviderReport, str], None]


@dataclass
class RunResult:
    """What a run did, per provider, and the exit code ``fail_on`` asks for.

    ``versions``: for each provider whose listing was compared with its file (changed, new or
    unchanged; not in a dry run), the file versions its report is about, so that a report of
    the same two versions need not be made again (``change_report``).
    """

    reports: list[ProviderReport]
    exit_code: int
    json: dict = field(default_factory=dict)
    markdown: str = ""
    versions: dict[str, FileVersions] = field(default_factory=dict)

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
    line = f"{name}: fetched {report.models_after} models{took}"
    if report.status == "new":
        return line + " (new file)"
    if report.status == "changed":
        return line + f" (+{len(report.added)} −{len(report.removed)} ~{len(report.changed)})"
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


def summary_line(reports: list[ProviderReport]) -> str:
    """The closing summary of ``run``."""
    by_status: dict[str, int] = {}
    for report in reports:
        by_status[report.status] = by_status.get(report.status, 0) + 1
    fetched = sum(by_status.get(s, 0) for s in ("changed", "unchanged", "new"))
    parts = [f"{fetched} fetched"] + [
        f"{by_status[s]} {s}" for s in ("skipped", "failed", "guarded") if by_status.get(s)
    ]
    added = sum(len(r.added) for r in reports)
    removed = sum(len(r.removed) for r in reports)
    changed = sum(len(r.changed) for r in reports)
    files = by_status.get("changed", 0) + by_status.get("new", 0)
    return (
        f"Done: {len(reports)} providers: {', '.join(parts)}; "
        f"{files} files changed: +{added} −{removed} ~{changed} models"
    )


def run(settings: Settings, *, emit: Emit = print, on_report: OnReport | None = None) -> RunResult:
    """Fetch every target, write what is safe to write, and report what changed."""
    reports: dict[str, ProviderReport] = {}

    def finish(report: ProviderReport, seconds: float | None = None) -> None:
        reports[report.name] = report
        line = secrets.redact(provider_line(report, seconds))
        if on_report is not None:
            on_report(report, line)
        else:
            emit(line)

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

    versions = fetch_and_process(settings, finish, emit)
    ordered = [reports[t.name] for t in settings.targets if t.name in reports]
    emit(summary_line(ordered))
    data = report_json(ordered)
    markdown = render_markdown(ordered, max_chars=None, max_bytes=FULL_REPORT_MAX_BYTES)
    write_reports(settings, data, markdown)
    return RunResult(
        reports=ordered,
        exit_code=exit_code_for(ordered, settings.fail_on),
        json=data,
        markdown=markdown,
        versions=versions,
    )


Finish = Callable[[ProviderReport, float | None], None]


def fetch_and_process(settings: Settings, finish: Finish, emit: Emit) -> dict[str, FileVersions]:
    """Fetch every target that is not skipped and process each listing as it comes (in
    worker processes when that pays), calling ``finish(report, seconds)`` for each; the file
    versions each report compared. Validators kept from the last run are sent back
    (``http_cache``), and a 304 is the file as it is (docs/scale.md)."""
    job = Processing(
        output_dir=settings.output_dir,
        max_removal_ratio=settings.max_removal_ratio,
        force=settings.force,
        dry_run=settings.dry_run,
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

    def on_done(name: str, done: Processed) -> None:
        if done.versions is not None:
            versions[name] = done.versions
            if cache is not None and name in answered:
                count = done.report.models_after
                cache.remember(specs[name], answered.pop(name), done.versions.after, count)
        finish(done.report, seconds.pop(name, None))

    # Listings answered 304 need no processing: the others decide whether workers pay.
    count = worker_count(len(fetchable) - len(sent))
    workers = Workers(job, count, on_done) if count else None

    def on_result(result: FetchResult) -> None:
        name, spec = result.name, specs[result.name]
        seconds[name] = result.seconds
        if result.not_modified and cache is not None and (kept := cache.entry(name)):
            on_done(name, not_modified(job, spec, kept.models, kept.file))
            return
        answered[name] = result.validators
        if workers is None:
            on_done(name, processed(job, spec, result))
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


def write_reports(settings: Settings, data: dict, markdown: str) -> None:
    """``--report-json`` and ``--report-md``, when asked for."""
    if settings.report_json is not None:
        canonical.write_if_changed(settings.report_json, secrets.redact(canonical.dumps(data)))
    if settings.report_md is not None:
        canonical.write_if_changed(settings.report_md, secrets.redact(markdown))
