"""ProviderReports -> the machine report (JSON), the human report (Markdown) and a PR title.

Pure: no IO.  Everything that came from a provider goes through ``escape`` before it lands in
Markdown, so that a model name cannot ping people, inject HTML or break a table.  A provider's
section is built in ``report_sections``, its cells in ``report_cells``; here the report is
assembled (``_layout``: what comes before the totals, the totals, the body) and cut to fit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from dump_models.report_cells import DASH, MINUS, price_change_pct
from dump_models.report_sections import (
    Budget,
    Section,
    change_count,
    counts_text,
    section_lines,
    sections,
)
from dump_models.report_text import escape, escape_html, inert, number
from dump_models.results import ProviderReport

__all__ = [
    "MINUS",
    "escape",
    "escape_html",
    "fit_bytes",
    "inert",
    "price_change_pct",
    "render_markdown",
    "render_title",
    "report_json",
]

TITLE_PREFIX = "Update LLM model listings"
TITLE_PROVIDERS = 3  # provider names in a title before "+N more"
PROBLEM_STATUSES = ("failed", "skipped", "guarded")
DEFAULT_FULL_REPORT = (
    "run `dump-models diff OLD NEW` on the previous and the new `models/`, "
    "or see the job summary and the `--report-json` output"
)
_MAX_REASON = 300  # characters of an error reason


def report_json(reports: list[ProviderReport]) -> dict:
    """The machine report (docs/report.md): version, totals, every provider by name (sorted)."""
    ordered = sorted(reports, key=lambda r: r.name)
    statuses = Counter(r.status for r in ordered)
    return {
        "version": 1,
        "totals": {
            "providers": len(ordered),
            "changed_providers": statuses["changed"] + statuses["new"],
            "added": sum(len(r.added) for r in ordered),
            "removed": sum(len(r.removed) for r in ordered),
            "changed": sum(len(r.changed) for r in ordered),
            "failed": statuses["failed"],
            "skipped": statuses["skipped"],
            "guarded": statuses["guarded"],
        },
        "providers": {r.name: r.to_json() for r in ordered},
    }


def render_title(reports: list[ProviderReport]) -> str:
    """A PR title: ``Update LLM model listings: +3 −2 ~14 (openrouter, mistral)``."""
    busy = sorted(
        (r for r in reports if r.status in ("changed", "new")),
        key=lambda r: (-change_count(r), r.name),
    )
    if not busy:
        return f"{TITLE_PREFIX}: no changes"
    totals = counts_text(
        sum(len(r.added) for r in busy),
        sum(len(r.removed) for r in busy),
        sum(len(r.changed) for r in busy),
    )
    names = ", ".join(inert(r.name) for r in busy[:TITLE_PROVIDERS])
    if len(busy) > TITLE_PROVIDERS:
        names += f" +{len(busy) - TITLE_PROVIDERS} more"
    return f"{TITLE_PREFIX}: {totals} ({names})"


# Least important detail is cut first: churn, then long model lists, then change tables; each
# in steps fine enough that a body just over the limit loses little.  Each budget keeps no
# more than the one before (tests/test_report.py checks it): the bisection relies on it.
_STEPS = (5000, 2000, 1000, 500, 200, 100, 50, 20)
_BUDGETS = (
    Budget(),
    *(Budget(churn_rows=n) for n in _STEPS),
    Budget(churn_rows=0),
    *(Budget(churn_rows=0, list_items=n) for n in _STEPS),
    *(Budget(churn_rows=0, list_items=20, table_rows=n) for n in _STEPS),
    Budget(churn_rows=0, list_items=10, table_rows=10),
    Budget(churn_rows=0, list_items=0, table_rows=0),
    Budget(churn_rows=0, list_items=0, table_rows=0, provider_details=False),
)


@dataclass(frozen=True)
class _Prepared:
    """The whole report with every provider text escaped once, for each budget to cut."""

    totals: list[str]
    overview: list[str]  # the provider table and the unchanged providers
    sections: list[Section]
    problems: list[str]


def _count(value: int | None) -> str:
    return DASH if value is None else number(value)


def _prepare(reports: list[ProviderReport]) -> _Prepared:
    ordered = sorted(reports, key=lambda r: r.name)
    totals = report_json(ordered)["totals"]
    providers = totals["providers"]
    head = [
        "## Model listing changes",
        "",
        f"**{number(providers)}** {'provider' if providers == 1 else 'providers'}, "
        f"**{number(totals['changed_providers'])}** changed: "
        f"**{counts_text(totals['added'], totals['removed'], totals['changed'])}** models "
        f"(added, removed, changed); failed {number(totals['failed'])}, "
        f"skipped {number(totals['skipped'])}, guarded {number(totals['guarded'])}",
        "",
    ]

    overview: list[str] = []
    listed = [r for r in ordered if r.status != "unchanged"]
    if listed:
        overview += ["| provider | status | before | after | added | removed | changed |"]
        overview += ["| --- | --- | --- | --- | --- | --- | --- |"]
        for r in listed:
            overview.append(
                f"| {escape(r.name)} | {r.status} | {_count(r.models_before)} "
                f"| {_count(r.models_after)} | {number(len(r.added))} "
                f"| {number(len(r.removed))} | {number(len(r.changed))} |"
            )
        overview.append("")
    unchanged = [escape(r.name) for r in ordered if r.status == "unchanged"]
    if unchanged:
        overview += [f"Unchanged ({number(len(unchanged))}): {', '.join(unchanged)}", ""]

    problems: list[str] = []
    failing = [r for r in ordered if r.status in PROBLEM_STATUSES]
    if failing:
        problems += ["### Failed, skipped and guarded", ""]
        for r in failing:
            reason = r.error or "no reason given"
            if len(reason) > _MAX_REASON:
                reason = reason[: _MAX_REASON - 1] + "\u2026"
            problems.append(f"- **{escape(r.name)}** {r.status}: {escape(reason)}")
        problems.append("")
    return _Prepared(head, overview, sections(ordered), problems)


def _layout(
    prepared: _Prepared, budget: Budget, note: str | None, opening: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """(head, body) under one budget: the head (title, ``opening``, totals) is never cut.

    The one place the body is assembled: a block that must open the report (the risk verdict)
    goes into the head, after the title and before the totals."""
    head = [*prepared.totals[:2], *opening, *prepared.totals[2:]]
    if note:
        head += [f"_Report shortened to fit; for the full report {note}._", ""]
    body = list(prepared.overview)
    for section in prepared.sections:
        body += section_lines(section, budget)
    return head, body + prepared.problems


def _join(lines: list[str]) -> str:
    return "\n".join(lines).rstrip("\n") + "\n"


@dataclass(frozen=True)
class _Limit:
    """At most ``chars`` characters (GitHub counts a PR body so) and ``bytes`` bytes of UTF-8
    (a job summary); None: no such limit."""

    chars: int | None
    bytes: int | None

    def size(self, text: str) -> tuple[int, int]:
        return len(text), len(text.encode("utf-8")) if self.bytes is not None else 0

    def fits(self, text: str) -> bool:
        chars, size = self.size(text)
        return (self.chars is None or chars <= self.chars) and (
            self.bytes is None or size <= self.bytes
        )

    def cut(self, text: str) -> str:
        """``text`` cut short to fit, at worst in the middle of a line."""
        if self.chars is not None:
            text = text[: self.chars]
        if self.bytes is not None and len(text.encode("utf-8")) > self.bytes:
            text = text.encode("utf-8")[: self.bytes].decode("utf-8", errors="ignore")
        return text


def fit_bytes(text: str, max_bytes: int) -> str:
    """``text`` if it is at most ``max_bytes`` bytes of UTF-8, else cut short to fit (never
    inside a character).  For what is appended to an already budgeted report."""
    return _Limit(None, max_bytes).cut(text)


def render_markdown(
    reports: list[ProviderReport],
    *,
    max_chars: int | None = 60000,
    max_bytes: int | None = None,
    full_report: str | None = None,
    opening: Sequence[str] = (),
    closing: Sequence[str] = (),
) -> str:
    """The human report (PR body, job summary): totals, per-provider changes, problems.

    ``opening`` (Markdown lines, already escaped) goes before the totals and ``closing`` after
    the problems; neither is cut. Kept within ``max_chars`` characters and ``max_bytes`` bytes
    of UTF-8 (None: no limit) by cutting the least important detail first (churn, then long
    model lists, then change tables, then per-provider sections); the totals are never cut,
    and a line then says where the full report is (``full_report``, or a default).
    """
    limit = _Limit(max_chars, max_bytes)
    prepared = _prepare(reports)  # the escaping, once: each budget then only cuts
    tail = list(closing)
    head, body = _layout(prepared, _BUDGETS[0], None, opening)
    text = _join(head + body + tail)
    if limit.fits(text):
        return text
    note = full_report or DEFAULT_FULL_REPORT
    # Each budget keeps less than the one before, so the first that fits is found by bisection
    # (5 renders instead of up to 29): the same text trying them in order would give.
    low, high = 1, len(_BUDGETS)  # the first budget that fits is in [low, high]
    best = ""
    while low < high:
        middle = (low + high) // 2
        head, body = _layout(prepared, _BUDGETS[middle], note, opening)
        text = _join(head + body + tail)
        if limit.fits(text):
            high, best = middle, text
        else:
            low = middle + 1
    if high < len(_BUDGETS):
        return best
    # Still too long (hundreds of providers): keep whole lines of the body while they fit.
    head, body = _layout(prepared, _BUDGETS[-1], note, opening)
    chars, size = limit.size(_join(head + tail))
    chars, size = chars + 1, size + 1
    kept: list[str] = []
    for line in body:
        line_chars, line_bytes = limit.size(line)
        chars, size = chars + line_chars + 1, size + line_bytes + 1
        if (max_chars is not None and chars > max_chars) or (
            max_bytes is not None and size > max_bytes
        ):
            break
        kept.append(line)
    return limit.cut(_join(head + kept + tail))
