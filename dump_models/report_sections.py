"""One provider's part of the Markdown report (pure): built once, escaped once, then cut to
whatever budget ``report.render_markdown`` settles on.

What a maintainer reads first comes first: the counts and any schema drift, then one row per
repriced model (input, output, cache read, cache write: ``old → new (%)``), one row per model
whose limits moved, capability changes, the models added (with their prices, context and
capabilities) and removed, and last, folded, the other field changes.  A list longer than
``FOLD`` rows is folded in ``<details>`` with its counts in the summary line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from dump_models import decimals
from dump_models.json_values import MISSING
from dump_models.normalize import CAPABILITY_FIELDS, LIMIT_FIELDS, PRICE_FIELDS, capability_paths
from dump_models.records import ModelRecord
from dump_models.report_cells import (
    ARROW,
    DASH,
    MINUS,
    change,
    limit_change_pct,
    price_change_pct,
    words_changed,
)
from dump_models.report_text import escape, escape_html, number, plural
from dump_models.results import ProviderReport, SchemaDrift

FOLD = 20  # rows of a list shown open; a longer one is folded
_DRIFT_SHOWN = 4  # schema drift entries on the line, then "N more"
_CHURN_KEYS = 8  # top-level keys named in the churn summary
_ABLE = (("tools", "with tools"), ("vision", "with vision"), ("reasoning", "reasoning"))
COLUMN = {
    "input_price": "input",
    "output_price": "output",
    "cache_read_price": "cache read",
    "cache_write_price": "cache write",
    "context_length": "context",
    "max_output_tokens": "max output",
}


@dataclass(frozen=True)
class Budget:
    """How much detail one rendering keeps; ``None`` means all of it."""

    churn_rows: int | None = None  # rows of the folded "other field changes" table
    list_items: int | None = None  # added/removed models listed per provider
    table_rows: int | None = None  # rows per price/limit/capability table
    provider_details: bool = True  # False: the counts lines only


@dataclass(frozen=True)
class Table:
    """A table's header and rows, every cell already escaped."""

    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Section:
    """One provider's section with every provider text escaped once; a budget only cuts it."""

    intro: list[str]  # heading, counts and schema drift
    prices: Table
    limits: Table
    capabilities: Table
    added_title: str  # "Added", or "Models" for a new listing
    added_counts: str  # what the added models can do, for the folded summary line
    added: Table  # a table with only the model column is shown as a list
    removed: Table
    churn: Table
    churn_html: str  # the churn line for inside <summary>, where Markdown is not rendered
    churn_markdown: str  # the same line on its own


def _label(report: ProviderReport, model_id: str) -> str:
    name = report.names.get(model_id)
    if name and name != model_id:
        return f"{escape(model_id)} ({escape(name)})"
    return escape(model_id)


def _under(path: str, paths: frozenset[str]) -> bool:
    """``path`` or one of its ancestors is in ``paths``."""
    while True:
        if path in paths:
            return True
        path, dot, _ = path.rpartition(".")
        if not dot:
            return False


def _sides(report: ProviderReport, model_id: str, name: str, values: dict) -> tuple:
    """A change's two values, with a key that was absent (where the other side had null)
    told from null: both read null in the report."""
    old, new = values.get("old"), values.get("new")
    side = report.absent.get(model_id, {}).get(name)
    if side == "old":
        old = MISSING
    elif side == "new":
        new = MISSING
    return old, new


def _change_cell(old: object, new: object, note: str = "") -> str:
    return words_changed(old, new) or change(old, new).text(note)


def _per_model(rows: dict[str, dict[str, str]], labels: dict[str, str], fields: tuple) -> Table:
    """One row per model, a column per field that moved on any of them."""
    columns = [field for field in fields if any(field in cells for cells in rows.values())]
    header = ["model"] + [COLUMN[field] for field in columns]
    body = [[labels[model]] + [cells.get(f, "") for f in columns] for model, cells in rows.items()]
    return Table(header, body)


def _drift_line(drift: list[SchemaDrift]) -> list[str]:
    if not drift:
        return []
    parts = []
    for item in drift[:_DRIFT_SHOWN]:
        what: str = item.kind
        if item.kind == "type":
            what = f"changed from {item.old_type} to {item.new_type}"
        on = f"on {number(item.models)} of {plural(item.of, 'model')}"
        parts.append(f"{escape(item.path)} {what} {on}")
    if len(drift) > _DRIFT_SHOWN:
        parts.append(f"{number(len(drift) - _DRIFT_SHOWN)} more")
    return [f"Schema drift: {'; '.join(parts)}.", ""]


def _price_text(value: Decimal | None) -> str:
    return DASH if value is None else decimals.text(value)


def _can(record: ModelRecord) -> str:
    """What a model can do, in a few words: ``tools, vision, reasoning, audio out``."""
    words = [flag for flag in ("tools", "vision", "reasoning") if getattr(record, flag)]
    inputs = [m for m in record.input_modalities or () if m not in ("text", "image")]
    outputs = [m for m in record.output_modalities or () if m != "text"]
    words += [f"{m} in" for m in inputs] + [f"{m} out" for m in outputs]
    return escape(", ".join(words))


def _added(report: ProviderReport) -> tuple[Table, str]:
    """The added models' table (id, and what is known of name, prices, context and
    capabilities) and the counts of the folded summary line."""
    records = [report.added_records.get(model_id) for model_id in report.added]
    known = [r for r in records if r is not None]
    named = any(r.name and r.name != r.id for r in known)
    priced = any(r.input_price is not None or r.output_price is not None for r in known)
    sized = any(r.context_length is not None for r in known)
    able = any(_can(r) for r in known)
    header = ["model"] + ["name"] * named + ["input", "output"] * priced
    header += ["context"] * sized + ["capabilities"] * able
    rows = []
    for model_id, record in zip(report.added, records, strict=True):
        row = [escape(model_id)]
        if record is None:
            rows.append(row + [""] * (len(header) - 1))
            continue
        if named:
            row.append(escape(record.name) if record.name and record.name != model_id else "")
        if priced:
            row += [_price_text(record.input_price), _price_text(record.output_price)]
        if sized:
            row.append(DASH if record.context_length is None else number(record.context_length))
        if able:
            row.append(_can(record))
        rows.append(row)
    counts = [
        f"{number(sum(bool(getattr(r, flag)) for r in known))} {word}"
        for flag, word in _ABLE
        if any(getattr(r, flag) for r in known)
    ]
    return Table(header, rows), ", ".join(counts)


def _churn_lines(report: ProviderReport, churn: list[tuple[str, str]]) -> tuple[str, str]:
    """The churn summary line, for inside ``<summary>`` (HTML) and on its own (Markdown)."""
    if not churn:
        return "", ""
    models = len({model_id for model_id, _name in churn})
    # Summed up by top-level key, in models: "benchmarks (128), top_provider (3)".
    pairs = {(model_id, name.split(".")[0]) for model_id, name in churn}
    by_field: dict[str, int] = {}
    for _model_id, key in pairs:
        by_field[key] = by_field.get(key, 0) + 1
    top = sorted(by_field.items(), key=lambda item: (-item[1], item[0]))
    lines = []
    for made_inert in (escape_html, escape):
        summary = ", ".join(f"{made_inert(name)} ({number(n)})" for name, n in top[:_CHURN_KEYS])
        if len(top) > _CHURN_KEYS:
            summary += f", {number(len(top) - _CHURN_KEYS)} more"
        lines.append(f"Other field changes in {plural(models, 'model')}: {summary}")
    return lines[0], lines[1]


def counts_text(added: int, removed: int, changed: int) -> str:
    """``+3 −2 ~14``: models added, removed and changed."""
    return f"+{number(added)} {MINUS}{number(removed)} ~{number(changed)}"


def section(report: ProviderReport) -> Section:
    """The section of one provider that changed (or is new)."""
    intro = [f"### {escape(report.name)}", ""]
    if report.status == "new":
        intro += [f"New listing: {plural(report.models_after or 0, 'model')}.", ""]
    else:
        before = DASH if report.models_before is None else number(report.models_before)
        after = DASH if report.models_after is None else number(report.models_after)
        counts = counts_text(len(report.added), len(report.removed), len(report.changed))
        intro += [f"{before} {ARROW} {after} models: {counts}", ""]
    intro += _drift_line(report.drift)

    # Raw-path changes of capability sources (supported_parameters, Groq's active) are real
    # changes, not churn: they go with the capability changes.
    signals = capability_paths(report.name)
    labels: dict[str, str] = {}
    prices: dict[str, dict[str, str]] = {}
    limits: dict[str, dict[str, str]] = {}
    capabilities: list[list[str]] = []
    churn: list[tuple[str, str]] = []
    churn_rows: list[list[str]] = []
    for model_id, fields in report.changed.items():
        label = labels[model_id] = _label(report, model_id)
        for name, values in fields.items():
            old, new = _sides(report, model_id, name, values)
            if name in PRICE_FIELDS:
                pct = price_change_pct(old, new)
                note = "" if pct in ("added", "removed") else pct
                prices.setdefault(model_id, {})[name] = change(old, new).text(note)
            elif name in LIMIT_FIELDS:
                cell = change(old, new).text(limit_change_pct(old, new))
                limits.setdefault(model_id, {})[name] = cell
            elif name in CAPABILITY_FIELDS or _under(name, signals):
                capabilities.append([label, escape(name), _change_cell(old, new)])
            else:
                churn.append((model_id, name))
                churn_rows.append([label, escape(name), _change_cell(old, new)])
    churn_html, churn_markdown = _churn_lines(report, churn)
    added, added_counts = _added(report)
    return Section(
        intro=intro,
        prices=_per_model(prices, labels, PRICE_FIELDS),
        limits=_per_model(limits, labels, LIMIT_FIELDS),
        capabilities=Table(["model", "field", "change"], capabilities),
        added_title="Models" if report.status == "new" else "Added",
        added_counts=added_counts,
        added=added,
        removed=Table(["model"], [[_label(report, model_id)] for model_id in report.removed]),
        churn=Table(["model", "field", "change"], churn_rows),
        churn_html=churn_html,
        churn_markdown=churn_markdown,
    )


def _more(hidden: int) -> list[str]:
    return [f"\u2026 and {number(hidden)} more (see the full report)", ""] if hidden > 0 else []


def _table(table: Table, limit: int | None) -> list[str]:
    shown = table.rows if limit is None else table.rows[:limit]
    if not shown:
        return _more(len(table.rows))
    if len(table.header) == 1:  # a list of models
        lines = [f"- {row[0]}" for row in shown]
    else:
        lines = ["| " + " | ".join(table.header) + " |", "|" + " --- |" * len(table.header)]
        lines += ["| " + " | ".join(row) + " |" for row in shown]
    return lines + [""] + _more(len(table.rows) - len(shown))


def _models(title: str, counts: str, table: Table, limit: int | None) -> list[str]:
    """A list of models, folded when it is long, its count (and ``counts``) in the title."""
    if not table.rows:
        return []
    total = number(len(table.rows))
    if len(table.rows) <= FOLD:
        return [f"**{title}** ({total})", ""] + _table(table, limit)
    summary = f"{title} ({total})" + (f": {counts}" if counts else "")
    lines = [f"<details><summary>{summary}</summary>", ""] + _table(table, limit)
    return lines + ["</details>", ""]


def _titled(title: str, table: Table, limit: int | None) -> list[str]:
    return [title, ""] + _table(table, limit) if table.rows else []


def section_lines(part: Section, budget: Budget) -> list[str]:
    """The Markdown lines of one provider's section, cut to ``budget``."""
    lines = list(part.intro)
    if not budget.provider_details:
        return lines
    lines += _titled("**Prices** (USD per 1M tokens)", part.prices, budget.table_rows)
    lines += _titled("**Limits** (tokens)", part.limits, budget.table_rows)
    lines += _titled("**Capabilities**", part.capabilities, budget.table_rows)
    lines += _models(part.added_title, part.added_counts, part.added, budget.list_items)
    lines += _models("Removed", "", part.removed, budget.list_items)
    if part.churn.rows:
        if budget.churn_rows != 0:
            lines += [f"<details><summary>{part.churn_html}</summary>", ""]
            lines += _table(part.churn, budget.churn_rows)
            lines += ["</details>", ""]
        else:
            lines += [part.churn_markdown, ""]
    return lines


def sections(reports: Iterable[ProviderReport]) -> list[Section]:
    """The sections of the providers with changes, most changes first."""
    busy = [r for r in reports if r.status in ("changed", "new") and change_count(r)]
    busy.sort(key=lambda r: (-change_count(r), r.name))
    return [section(r) for r in busy]


def change_count(report: ProviderReport) -> int:
    """Models added, removed and changed."""
    return len(report.added) + len(report.removed) + len(report.changed)
