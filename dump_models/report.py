"""ProviderReports -> the machine report (JSON), the human report (Markdown) and a PR title.

Pure: no IO.  Everything that came from a provider goes through ``escape`` before it lands in
Markdown, so that a model name cannot ping people, inject HTML or break a table.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from dump_models import decimals
from dump_models.normalize import (
    CAPABILITY_FIELDS,
    LIMIT_FIELDS,
    PRICE_FIELDS,
    capability_paths,
)
from dump_models.results import ProviderReport

MINUS = "\u2212"
TITLE_PREFIX = "Update LLM model listings"
TITLE_PROVIDERS = 3  # provider names in a title before "+N more"
PROBLEM_STATUSES = ("failed", "skipped", "guarded")
DEFAULT_FULL_REPORT = (
    "run `dump-models diff OLD NEW` on the previous and the new `models/`, "
    "or see the job summary and the `--report-json` output"
)
_MAX_VALUE = 80  # characters of a raw value shown in a table cell
_MAX_REASON = 300  # characters of an error reason

# Markdown punctuation that could format, link or break a table cell ("#" a heading, "$" math).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#$])")
# A list marker at the start of a list item's text would open a nested list ("- x", "1. x").
_MD_LEADING_MARKER = re.compile(r"^(\d{0,9})([-+.)])(?=\s|$)")
_WHITESPACE = re.compile(r"\s+")
# Where GitHub would find a mention (@user, @org/team, an e-mail), an issue reference (#12,
# owner/repo#12, GH-12) or a link (https://..., www....: an issue URL after "closes" closes
# it): a zero-width space goes right after each, which GitHub's patterns do not allow there.
# Matched anywhere, word boundary or not: breaking a few harmless ones costs nothing.
_LINKABLE = re.compile(r"@|#(?=\d)|GH-(?=\d)|:(?=//)|www(?=\.)", re.I)
_ZWSP = "\u200b"


def inert(text: object) -> str:
    """Provider text made plain: one line, and nothing GitHub turns into a mention, an issue
    reference or a link (so no closing keyword finds anything to close).  For PR titles."""
    value = _WHITESPACE.sub(" ", str(text)).strip()
    if not value.isascii():  # a lone surrogate cannot be written as UTF-8: "?" instead
        value = value.encode("utf-8", errors="replace").decode("utf-8")
    return _LINKABLE.sub(lambda match: match.group(0) + _ZWSP, value)


def escape_html(text: object) -> str:
    """Provider text made inert inside HTML (``<summary>``): ``inert`` plus no tags."""
    value = inert(text)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: object) -> str:
    """Provider text made inert in Markdown: ``escape_html`` plus no formatting, no ``|``."""
    value = _MD_SPECIAL.sub(r"\\\1", escape_html(text))
    return _MD_LEADING_MARKER.sub(r"\1\\\2", value)


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


def _change_count(report: ProviderReport) -> int:
    return len(report.added) + len(report.removed) + len(report.changed)


def _counts(added: int, removed: int, changed: int) -> str:
    return f"+{added} {MINUS}{removed} ~{changed}"


def render_title(reports: list[ProviderReport]) -> str:
    """A PR title: ``Update LLM model listings: +3 −2 ~14 (openrouter, mistral)``."""
    busy = sorted(
        (r for r in reports if r.status in ("changed", "new")),
        key=lambda r: (-_change_count(r), r.name),
    )
    if not busy:
        return f"{TITLE_PREFIX}: no changes"
    totals = _counts(
        sum(len(r.added) for r in busy),
        sum(len(r.removed) for r in busy),
        sum(len(r.changed) for r in busy),
    )
    names = ", ".join(inert(r.name) for r in busy[:TITLE_PROVIDERS])
    if len(busy) > TITLE_PROVIDERS:
        names += f" +{len(busy) - TITLE_PROVIDERS} more"
    return f"{TITLE_PREFIX}: {totals} ({names})"


def price_change_pct(old: object, new: object) -> str:
    """How a price moved: ``+120%``, ``−50%``, ``0%``; ``added``/``removed`` when one side is
    absent, ``from 0`` when it was free (a percentage of zero means nothing)."""
    if old is None:
        return "added"
    if new is None:
        return "removed"
    before, after = decimals.parse(old), decimals.parse(new)
    if before is None or after is None:
        return ""
    if before.is_zero():
        return "0%" if after.is_zero() else "from 0"
    rounded = decimals.percent_change(before, after)
    if rounded is None:
        return ""
    if rounded.is_zero():
        return "0%"
    return f"{MINUS if rounded.is_signed() else '+'}{decimals.text(rounded.copy_abs())}%"


def _value(value: object) -> str:
    """A normalized or raw value as table text (escaped, shortened)."""
    if value is None:
        return "\u2014"
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            text = ", ".join(value) if value else "(none)"
        elif isinstance(value, (dict, list)):
            text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        else:
            text = str(value)
    except (ValueError, TypeError, RecursionError):
        # An integer of over 4,300 digits, nesting past the recursion limit: no stored listing
        # holds one (the parser and the listing check refuse them), but rendering never raises.
        text = f"({type(value).__name__} too large to show)"
    if len(text) > _MAX_VALUE:
        text = text[: _MAX_VALUE - 1] + "\u2026"
    return escape(text)


def _under(path: str, paths: frozenset[str]) -> bool:
    """``path`` or one of its ancestors is in ``paths``."""
    while True:
        if path in paths:
            return True
        path, dot, _ = path.rpartition(".")
        if not dot:
            return False


def _model(report: ProviderReport, model_id: str) -> str:
    name = report.names.get(model_id)
    if name and name != model_id:
        return f"{escape(model_id)} ({escape(name)})"
    return escape(model_id)


@dataclass(frozen=True)
class _Budget:
    """How much detail one rendering keeps; ``None`` means all of it."""

    churn_rows: int | None = None  # rows of the folded "other field changes" table
    list_items: int | None = None  # added/removed models listed per provider
    table_rows: int | None = None  # rows per price/limit/capability table
    provider_details: bool = True  # False: one summary line per provider


# Least important detail is cut first: churn, then long model lists, then change tables; each
# in steps fine enough that a body just over the limit loses little.
_STEPS = (5000, 2000, 1000, 500, 200, 100, 50, 20)
_BUDGETS = (
    _Budget(),
    *(_Budget(churn_rows=n) for n in _STEPS),
    _Budget(churn_rows=0),
    *(_Budget(churn_rows=0, list_items=n) for n in _STEPS),
    *(_Budget(churn_rows=0, list_items=20, table_rows=n) for n in _STEPS),
    _Budget(churn_rows=0, list_items=10, table_rows=10),
    _Budget(churn_rows=0, list_items=0, table_rows=0),
    _Budget(churn_rows=0, list_items=0, table_rows=0, provider_details=False),
)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _more(hidden: int) -> list[str]:
    return [f"\u2026 and {hidden} more (see the full report)", ""] if hidden > 0 else []


def _table(header: list[str], rows: list[list[str]], limit: int | None) -> list[str]:
    shown = rows if limit is None else rows[:limit]
    if not shown:
        return _more(len(rows))
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in shown]
    return lines + [""] + _more(len(rows) - len(shown))


def _model_list(lines: list[str], limit: int | None) -> list[str]:
    shown = lines if limit is None else lines[:limit]
    return shown + [""] + _more(len(lines) - len(shown))


@dataclass(frozen=True)
class _Section:
    """One provider's section with every provider text escaped once; a budget only cuts it."""

    intro: list[str]  # heading and counts
    prices: list[list[str]]
    limits: list[list[str]]
    capabilities: list[list[str]]
    added_title: str
    added: list[str]  # list lines
    removed: list[str]
    churn: list[list[str]]
    churn_html: str  # the churn line for inside <summary>, where Markdown is not rendered
    churn_markdown: str  # the same line on its own


def _section(report: ProviderReport) -> _Section:
    before = "\u2014" if report.models_before is None else str(report.models_before)
    after = "\u2014" if report.models_after is None else str(report.models_after)
    counts = _counts(len(report.added), len(report.removed), len(report.changed))
    intro = [f"### {escape(report.name)}", ""]
    if report.status == "new":
        intro += [f"New listing: {_plural(report.models_after or 0, 'model')}.", ""]
    else:
        intro += [f"{before} \u2192 {after} models: {counts}", ""]

    # Raw-path changes of capability sources (supported_parameters, Groq's active) are real
    # changes, not churn: they go with the capability changes.
    signals = capability_paths(report.name)
    prices, limits, capabilities, churn = [], [], [], []
    for model_id, fields in report.changed.items():
        label = _model(report, model_id)
        for name, change in fields.items():
            old, new = change.get("old"), change.get("new")
            if name in PRICE_FIELDS:
                pct = price_change_pct(old, new)
                prices.append([label, name, _value(old), _value(new), pct])
            elif name in LIMIT_FIELDS:
                limits.append([label, name, _value(old), _value(new)])
            elif name in CAPABILITY_FIELDS:
                capabilities.append([label, name, _value(old), _value(new)])
            elif _under(name, signals):
                capabilities.append([label, escape(name), _value(old), _value(new)])
            else:
                churn.append((model_id, name, [label, escape(name), _value(old), _value(new)]))

    lines = {"html": "", "markdown": ""}
    if churn:
        models = len({model_id for model_id, _name, _row in churn})
        # Summed up by top-level key, in models: "benchmarks (128), top_provider (3)".
        pairs = {(model_id, name.split(".")[0]) for model_id, name, _row in churn}
        by_field = Counter(key for _model_id, key in pairs)
        top = sorted(by_field.items(), key=lambda item: (-item[1], item[0]))
        for kind, made_inert in (("html", escape_html), ("markdown", escape)):
            summary = ", ".join(f"{made_inert(name)} ({count})" for name, count in top[:8])
            if len(top) > 8:
                summary += f", {len(top) - 8} more"
            lines[kind] = f"Other field changes in {_plural(models, 'model')}: {summary}"
    return _Section(
        intro=intro,
        prices=prices,
        limits=limits,
        capabilities=capabilities,
        added_title="Models" if report.status == "new" else "Added",
        added=[f"- {_model(report, model_id)}" for model_id in report.added],
        removed=[f"- {_model(report, model_id)}" for model_id in report.removed],
        churn=[row for _model_id, _name, row in churn],
        churn_html=lines["html"],
        churn_markdown=lines["markdown"],
    )


def _section_lines(section: _Section, budget: _Budget) -> list[str]:
    lines = list(section.intro)
    if not budget.provider_details:
        return lines
    if section.prices:
        lines += ["**Prices** (USD per 1M tokens)", ""]
        header = ["model", "field", "old", "new", "change"]
        lines += _table(header, section.prices, budget.table_rows)
    if section.limits:
        lines += ["**Limits** (tokens)", ""]
        lines += _table(["model", "field", "old", "new"], section.limits, budget.table_rows)
    if section.capabilities:
        lines += ["**Capabilities**", ""]
        lines += _table(["model", "field", "old", "new"], section.capabilities, budget.table_rows)
    if section.added:
        lines += [f"**{section.added_title}** ({len(section.added)})", ""]
        lines += _model_list(section.added, budget.list_items)
    if section.removed:
        lines += [f"**Removed** ({len(section.removed)})", ""]
        lines += _model_list(section.removed, budget.list_items)
    if section.churn:
        if budget.churn_rows != 0:
            lines += [f"<details><summary>{section.churn_html}</summary>", ""]
            lines += _table(["model", "field", "old", "new"], section.churn, budget.churn_rows)
            lines += ["</details>", ""]
        else:
            lines += [section.churn_markdown, ""]
    return lines


@dataclass(frozen=True)
class _Prepared:
    """The whole report with every provider text escaped once, for each budget to cut."""

    totals: list[str]
    overview: list[str]  # the provider table and the unchanged providers
    sections: list[_Section]
    problems: list[str]


def _prepare(reports: list[ProviderReport]) -> _Prepared:
    ordered = sorted(reports, key=lambda r: r.name)
    totals = report_json(ordered)["totals"]
    head = [
        "## Model listing changes",
        "",
        f"**{totals['providers']}** providers, **{totals['changed_providers']}** changed: "
        f"**{_counts(totals['added'], totals['removed'], totals['changed'])}** models "
        f"(added, removed, changed); failed {totals['failed']}, "
        f"skipped {totals['skipped']}, guarded {totals['guarded']}",
        "",
    ]

    overview: list[str] = []
    listed = [r for r in ordered if r.status != "unchanged"]
    if listed:
        overview += ["| provider | status | before | after | added | removed | changed |"]
        overview += ["| --- | --- | --- | --- | --- | --- | --- |"]
        for r in listed:
            before = "\u2014" if r.models_before is None else str(r.models_before)
            after = "\u2014" if r.models_after is None else str(r.models_after)
            overview.append(
                f"| {escape(r.name)} | {r.status} | {before} | {after} | {len(r.added)} "
                f"| {len(r.removed)} | {len(r.changed)} |"
            )
        overview.append("")
    unchanged = [escape(r.name) for r in ordered if r.status == "unchanged"]
    if unchanged:
        overview += [f"Unchanged ({len(unchanged)}): {', '.join(unchanged)}", ""]

    changed = [r for r in ordered if r.status in ("changed", "new") and _change_count(r)]
    changed.sort(key=lambda r: (-_change_count(r), r.name))

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
    return _Prepared(head, overview, [_section(r) for r in changed], problems)


def _layout(
    prepared: _Prepared, budget: _Budget, note: str | None, opening: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """(head, body) under one budget: the head (title, ``opening``, totals) is never cut.

    The one place the body is assembled: a block that must open the report (the risk verdict)
    goes into the head, after the title and before the totals."""
    head = [*prepared.totals[:2], *opening, *prepared.totals[2:]]
    if note:
        head += [f"_Report shortened to fit; for the full report {note}._", ""]
    body = list(prepared.overview)
    for section in prepared.sections:
        body += _section_lines(section, budget)
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
