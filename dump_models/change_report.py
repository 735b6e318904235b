"""What a publish says: the report of the files it commits, as a PR title, body and message.

The caller of ``publish`` renders it from the plan's changes (docs/publishing.md): each
provider's file is compared between the base and the tree to commit, and the providers that
failed, were skipped or guarded in this run (when there was one) are added so that the body
says why their files did not move. When the run compared the very same two versions of a file
(the base holds the file the run read, and the tree the file it wrote) its report is used as
it is: the Action diffs each listing once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import secrets
from .assessment import PULL_REQUEST_BLOCKS_CHARS, RiskContext
from .changelog import appended_events
from .diff import ProviderReport, compare_listings
from .dumps import listing_in
from .events import LOG_NAME
from .lifecycle import Retiring
from .providers import ProviderSpec
from .publish import FileChange, PublishText
from .report import TITLE_PREFIX, inert, render_markdown, render_title
from .report_text import plural
from .runner import FileVersions, RunResult, file_digest

SpecFor = Callable[[str], ProviderSpec | None]  # the spec a provider's file is read with


def _spec(spec_for: SpecFor, name: str) -> ProviderSpec:
    return spec_for(name) or ProviderSpec(name=name, endpoint="")


def run_compared(run: RunResult | None, change: FileChange) -> bool:
    """Whether ``run`` compared exactly the two versions of ``change`` (its report, and what
    it found retiring there, hold for the change as they are)."""
    versions = None if run is None or change.provider is None else run.versions.get(change.provider)
    return versions is not None and versions == FileVersions(
        file_digest(change.old), file_digest(change.new)
    )


def reports_for_changes(
    changes: Sequence[FileChange], *, spec_for: SpecFor, run: RunResult | None = None
) -> list[ProviderReport]:
    """One report per provider whose file changed, by name, then this run's failed, skipped
    and guarded providers whose files did not change."""
    reports: dict[str, ProviderReport] = {}
    made = {} if run is None else {report.name: report for report in run.reports}
    for change in changes:
        name = change.provider
        if name is None:  # a derived file: no listing to compare
            continue
        if run_compared(run, change):
            reports[name] = made[name]
            continue
        spec = _spec(spec_for, name)
        reports[name] = compare_listings(
            name,
            listing_in(change.old, spec),
            listing_in(change.new, spec) or [],
            id_field=spec.id_field,
            ignore_fields=spec.volatile_fields,
        )
    if run is not None:
        for report in run.reports:
            if report.status in ("failed", "skipped", "guarded"):
                reports.setdefault(report.name, report)
    return [reports[name] for name in sorted(reports)]


def retiring_in_changes(
    changes: Sequence[FileChange],
    reports: Sequence[ProviderReport],
    *,
    spec_for: SpecFor,
    risk: RiskContext,
    run: RunResult | None = None,
) -> list[Retiring]:
    """The models retiring in the listings the changes propose (only their providers: a pull
    request per provider shows its own): the run's when it compared the same versions, else
    read from each new file."""
    by_name = {report.name: report for report in reports}
    found: list[Retiring] = []
    ran = run.assessment.retiring if run is not None and run.assessment is not None else ()
    for change in changes:
        name = change.provider
        if name is None or name not in by_name:
            continue
        if run_compared(run, change):
            found += [item for item in ran if item.provider == name]
            continue
        spec = _spec(spec_for, name)
        found += risk.retiring_of(by_name[name], spec, listing_in(change.new, spec))
    return found


def render_changes(
    changes: Sequence[FileChange],
    *,
    spec_for: SpecFor,
    run: RunResult | None = None,
    full_report: str | None = None,
    risk: RiskContext | None = None,
) -> PublishText:
    """The title, body and commit message for ``changes``; ``full_report`` says where the
    whole report is when the body must be cut. With ``risk``, the changes are judged
    (docs/risk.md): the verdict opens the body, the Retiring and In use sections close it,
    and the text carries the level."""
    reports = reports_for_changes(changes, spec_for=spec_for, run=run)
    opening: list[str] = []
    closing: list[str] = []
    level = None
    if risk is not None:
        retiring = retiring_in_changes(changes, reports, spec_for=spec_for, risk=risk, run=run)
        assessment = risk.assess(reports, retiring)
        opening, closing = assessment.blocks(PULL_REQUEST_BLOCKS_CHARS)
        level = assessment.level
    changed = {change.provider for change in changes if change.provider is not None}
    title = render_title(reports)
    if changed and all(r.status == "unchanged" for r in reports if r.name in changed):
        # The files moved but no model did: the base held them in another form.
        names = ", ".join(inert(name) for name in sorted(changed))
        title = f"{TITLE_PREFIX}: canonical form of {names}"
    title = secrets.redact(title)
    body = render_markdown(reports, full_report=full_report, opening=opening, closing=closing)
    logged = sum(appended_events(c.old, c.new) for c in changes if c.path == LOG_NAME)
    if logged:  # the change log is no provider's: one line under the report
        body = body.rstrip("\n") + f"\n\n{plural(logged, 'change event')} logged in `{LOG_NAME}`.\n"
    return PublishText(
        title=title,
        body=secrets.redact(body),
        commit_message=f"{title}\n\nGenerated by dump-models.\n",
        risk=level,
    )
