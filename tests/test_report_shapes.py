"""The report a maintainer reads (docs/report.md, "Human report"), on realistic listing pairs:
one price row per model, nested changes that show where they differ, folded long lists,
schema drift, thousands separators.  Golden files: ``UPDATE_GOLDEN=1`` rewrites them."""

from __future__ import annotations

import re

import pytest
from realistic_listings import (
    ID_FIELDS,
    benchmarks_arrive_pair,
    first_run,
    openrouter_model,
    openrouter_pair,
)
from test_report import HOSTILE, REFERENCES, _check_golden, _sample_reports, linkable

from dump_models.diff import compare_listings
from dump_models.report import _BUDGETS, _join, _layout, _prepare, render_markdown
from dump_models.report_cells import change
from dump_models.results import ProviderReport, SchemaDrift

ARROW = "\u2192"
CUT = "\u2026"
# A change cell: "path: old → new (note) (+N more differences)"; the path is optional.
CHANGE = re.compile(
    r"^(?:(?P<path>[^ ]+): )?(?P<old>.*?) \u2192 (?P<new>.*?)"
    r"(?: \((?:[+\u2212]?[\d.,]+%|from 0)\))?(?: \(\+[\d,]+ more differences?\))?$"
)


def cells(row: str) -> list[str]:
    """A table row's cells (a "|" escaped by a backslash is inside a cell)."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]]


def tables(text: str, *, header: bool = False) -> list[list[list[str]]]:
    """Every table of a Markdown text, as rows of cells (the separator left out, and the
    header unless asked for)."""
    found, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            rows = [cells(row) for row in current]
            found.append(rows[:1] + rows[2:] if header else rows[2:])
            current = []
    return found


def identical_sides(text: str) -> list[str]:
    """Every change cell of a rendered report whose two sides read the same (``old → new``),
    and every row whose "old" and "new" columns do."""
    same = []
    for head, *rows in tables(text, header=True):
        for row in rows:
            if "old" in head and "new" in head and row[head.index("old")] == row[head.index("new")]:
                same.append(" | ".join(row))
            for cell in row:
                match = CHANGE.match(cell) if ARROW in cell else None
                if match and match["old"] == match["new"]:
                    same.append(cell)
    return same


def _report(name: str, pair: tuple[list, list]) -> ProviderReport:
    return compare_listings(name, *pair, id_field=ID_FIELDS.get(name, "id"))


def _first_run(sizes: dict[str, int] | None = None) -> list[ProviderReport]:
    return [
        compare_listings(name, None, models, id_field=ID_FIELDS.get(name, "id"))
        for name, models in first_run(sizes).items()
    ]


# --- golden files ---------------------------------------------------------------------


def test_golden_openrouter_pair():
    report = _report("openrouter", openrouter_pair(48, repriced=4, arena=9))
    _check_golden("report_openrouter.md", render_markdown([report]))


def test_golden_first_run():
    sizes = {"openrouter": 24, "gemini": 3, "anthropic": 2, "openai": 21}
    _check_golden("report_first_run.md", render_markdown(_first_run(sizes)))


def test_golden_schema_drift():
    report = _report("openrouter", benchmarks_arrive_pair(12))
    _check_golden("report_drift.md", render_markdown([report]))


# --- prices ---------------------------------------------------------------------------


def test_prices_are_one_row_per_model():
    """13 repriced models, every price of each moved: 13 rows, not one per field."""
    report = _report("openrouter", openrouter_pair())
    repriced = [m for m, fields in report.changed.items() if any("price" in f for f in fields)]
    assert len(repriced) == 13
    text = render_markdown([report], max_chars=None)
    prices = text[text.index("**Prices**") : text.index("**Limits**")]
    [table] = tables(prices)
    assert len(table) == 13
    assert prices.splitlines()[2] == "| model | input | output | cache read | cache write |"
    row = next(r for r in table if r[0].startswith("openai/model-336"))
    assert row[1:] == [
        "2.5 \u2192 1.25 (\u221250%)",
        "10 \u2192 5 (\u221250%)",
        "0.25 \u2192 0.125 (\u221250%)",
        "3.125 \u2192 1.5625 (\u221250%)",
    ]


def test_a_column_shows_only_when_some_model_moved_there():
    old = [{"id": "a", "pricing": {"prompt": "0.000001", "completion": "0.000002"}}]
    new = [{"id": "a", "pricing": {"prompt": "0.000002", "completion": "0.000002"}}]
    text = render_markdown([compare_listings("openrouter", old, new)])
    assert "| model | input |\n| --- | --- |\n| a | 1 \u2192 2 (+100%) |" in text


# --- nested changes -------------------------------------------------------------------


def test_nested_changes_show_the_first_difference_and_count_the_rest():
    arena = [{"category": c, "rank": 40 + i, "elo": 1200} for i, c in enumerate("abcdefgh")]
    moved = [dict(entry) for entry in arena]
    moved[3]["rank"] = 47
    moved[3]["elo"] = 1210
    moved[6]["rank"] = 1
    old = [{"id": "m", "benchmarks": {"design_arena": arena}}]
    new = [{"id": "m", "benchmarks": {"design_arena": moved}}]
    text = render_markdown([compare_listings("openrouter", old, new)])
    assert (
        "| m | benchmarks.design\\_arena | \\[3\\].elo: 1,200 \u2192 1,210 "
        "(+2 more differences) |" in text
    )


def test_no_table_row_shows_two_sides_that_read_the_same():
    """In real snapshots most design_arena rows read the same when cut at one prefix."""
    reports = [
        _report("openrouter", openrouter_pair()),
        _report("openrouter", benchmarks_arrive_pair()),
        *_sample_reports(),
    ]
    for report in reports:
        text = render_markdown([report], max_chars=None)
        assert identical_sides(text) == []
    text = render_markdown([reports[0]], max_chars=None)
    assert text.count("| benchmarks.design\\_arena | ") == 129


@pytest.mark.parametrize(
    ("old", "new", "shown"),
    [
        (1, "1", ("", "1", '"1"')),
        (1, 1.0, ("", "1", "1.0")),
        (True, 1, ("", "true", "1")),
        (0.0, -0.0, ("", "0.0", "-0.0")),
        # Whitespace folds in Markdown: the exact JSON then, spaces made visible (escaped).
        ("a  b", "a b", ("", r'"a\\u0020\\u0020b"', r'"a\\u0020b"')),
        (
            "x" * 200 + "1",
            "x" * 200 + "2",
            ("", "\u2026" + "x" * 20 + "1", "\u2026" + "x" * 20 + "2"),
        ),
        (["x" * 90, "a"], ["x" * 90, "b"], ("\\[1\\]", "a", "b")),
        ({"a": None}, {}, ("a", "null", "(absent)")),
    ],
)
def test_two_values_never_read_the_same(old, new, shown):
    shown_change = change(old, new)
    assert (shown_change.path, shown_change.old, shown_change.new) == shown


def test_a_key_that_appears_as_null_reads_absent_to_null():
    old = [{"id": "m", "x": 1}]
    new = [{"id": "m", "x": 1, "expiration_date": None}]
    report = compare_listings("openrouter", old, new)
    assert report.changed == {"m": {"expiration_date": {"old": None, "new": None}}}
    assert "| m | expiration\\_date | (absent) \u2192 null |" in render_markdown([report])


def test_word_lists_show_the_words_gained_and_lost():
    old = [{"id": "m", "supported_parameters": ["seed", "stop", "temperature", "top_k"]}]
    new = [{"id": "m", "supported_parameters": ["stop", "structured_outputs", "temperature"]}]
    text = render_markdown([compare_listings("openrouter", old, new)])
    assert (
        "| m | supported\\_parameters | +structured\\_outputs, \u2212seed, \u2212top\\_k |" in text
    )


# --- added models, long lists ---------------------------------------------------------


def test_added_models_show_prices_context_capabilities_and_name():
    rng_model = openrouter_model(__import__("random").Random(1), 8)
    report = compare_listings("openrouter", [], [rng_model])
    text = render_markdown([report])
    assert "| model | name | input | output | context | capabilities |" in text
    record = report.added_records["openai/model-008"]
    assert record.raw == {}  # the record without its raw model: the report keeps it small
    row = f"| openai/model-008 | Openai: Model 8 | {record.input_price} | {record.output_price} |"
    assert row in text


def test_a_500_model_first_run_opens_with_totals_and_a_folded_list():
    reports = _first_run({"openrouter": 500})
    text = render_markdown(reports)
    lines = text.splitlines()
    assert lines[0] == "## Model listing changes"
    assert lines[2].startswith("**1** provider, **1** changed: **+500 \u22120 ~0** models")
    fold = next(i for i, line in enumerate(lines) if line.startswith("<details>"))
    assert fold < 15
    assert lines[fold].startswith("<details><summary>Models (500): ")
    # Nothing listed before the fold but the provider table's one row.
    assert [line for line in lines[:fold] if line.startswith(("- ", "| openai/"))] == []


def test_every_long_list_of_a_first_run_is_folded():
    """551 models of seven providers: none of them listed outside a fold."""
    text = render_markdown(_first_run(), max_chars=None)
    outside = re.sub(r"<details>.*?</details>", "", text, flags=re.S)
    # The provider table, and the tables of anthropic (9), together (12) and groq (20).
    assert outside.count("\n- ") + outside.count("\n| ") == 9 + (2 + 9) + (2 + 12) + (2 + 20)
    assert text.count("<details><summary>Models (") == 4  # the four over 20 models


def test_removed_models_are_folded_when_many():
    old = [{"id": f"m{i:02d}", "name": f"Model {i}"} for i in range(30)]
    text = render_markdown([compare_listings("x", old, old[:5])])
    assert "<details><summary>Removed (25)</summary>" in text
    assert "- m29 (Model 29)" in text


# --- schema drift ---------------------------------------------------------------------


def test_schema_drift_is_one_line_per_provider():
    report = _report("openrouter", benchmarks_arrive_pair())
    assert report.drift == [
        SchemaDrift("benchmarks", "appeared", 412, 421),
        SchemaDrift("context_length", "type", 315, 421, "number", "string"),
    ]
    text = render_markdown([report])
    assert (
        "Schema drift: benchmarks appeared on 412 of 421 models; context\\_length changed from "
        "number to string on 315 of 421 models.\n" in text
    )


def test_no_drift_from_a_few_models_or_from_values_coming_and_going():
    old = [{"id": str(i), "a": 1, "gone": 1, "later": None} for i in range(10)]
    new = [{"id": str(i), "a": 1, "later": "2026-01-01", "new": 1} for i in range(10)]
    new[0]["a"] = "one"  # one model of ten: no drift
    report = compare_listings("x", old, new)
    assert report.drift == [
        SchemaDrift("gone", "disappeared", 10, 10),
        SchemaDrift("new", "appeared", 10, 10),
    ]


# --- numbers, safety, budgets ---------------------------------------------------------


def test_numbers_have_thousands_separators_and_limits_their_percentage():
    old = [{"id": "m", "context_window": 131072, "max_completion_tokens": 8192}]
    new = [{"id": "m", "context_window": 1048576, "max_completion_tokens": 4096}]
    text = render_markdown([compare_listings("groq", old, new)])
    assert "| model | context | max output |" in text
    assert "| m | 131,072 \u2192 1,048,576 (+700%) | 8,192 \u2192 4,096 (\u221250%) |" in text


def test_hostile_text_in_new_shapes_is_inert():
    """Keys inside nested values, drifting field names and added models' names are provider
    text like any other."""
    nested = {REFERENCES: [1, 2], "k": HOSTILE}
    old = [{"id": str(i), "v": nested, "x": 1} for i in range(4)]
    new = [
        {"id": str(i), "v": {**nested, REFERENCES: [1, 3]}, HOSTILE: 1, REFERENCES: 1}
        for i in range(4)
    ]
    added = {"id": "new", "name": HOSTILE, "context_length": 5, "description": REFERENCES}
    report = compare_listings("my-proxy", old, [*new, added])
    assert report.drift and report.added_records
    for limit in (60000, 1500, 600):
        text = render_markdown([report], max_chars=limit)
        assert linkable(text) == []
        assert "<img" not in text and "@octocat" not in text
        for table in tables(text):
            assert len({len(row) for row in table}) <= 1


@pytest.mark.parametrize(
    "reports",
    [
        [_report("openrouter", openrouter_pair())],
        _first_run(),
        [_report("openrouter", benchmarks_arrive_pair())],
    ],
)
def test_each_budget_renders_no_more_than_the_one_before(reports):
    prepared = _prepare(reports)
    sizes = [len(_join(sum(_layout(prepared, budget, "note"), []))) for budget in _BUDGETS[1:]]
    assert sizes == sorted(sizes, reverse=True)
