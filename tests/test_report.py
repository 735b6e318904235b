"""The machine report, the Markdown report (golden files) and the PR title.

``UPDATE_GOLDEN=1 pytest tests/test_report.py`` rewrites ``tests/golden/*.md``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from dump_models.diff import compare_listings
from dump_models.report import (
    _BUDGETS,
    _join,
    _layout,
    _prepare,
    escape,
    price_change_pct,
    render_markdown,
    render_title,
    report_json,
)
from dump_models.results import ProviderReport

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = "@octocat <img src=x onerror=alert(1)> | x"
REFERENCES = (
    "#1 closes #2 fixes octo/other#3 GH-4 gh-5 @octocat @org/team "
    "Resolves: https://github.com/o/r/issues/6 fixed www.github.com/o/r/pull/7 a@b.example"
)
# What GitHub turns into a mention, an issue/PR reference or a link, and what closes an issue,
# modelled on its autolink rules and closing keywords but stricter (no word boundaries).
LINKABLE = {
    "mention or e-mail": re.compile(r"@[A-Za-z0-9]"),
    "issue, owner/repo#N": re.compile(r"#\d"),
    "GH-N": re.compile(r"(?i)GH-\d"),
    "url": re.compile(r"://"),
    "www": re.compile(r"(?i)www\."),
    "closing keyword": re.compile(
        r"(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+"
        r"(?:#\d+|[\w.-]+/[\w.-]+#\d+|https?://\S+/(?:issues|pull)/\d+)"
    ),
}


def linkable(text: str) -> list[str]:
    """Every mention, reference, link or closing keyword GitHub would find in ``text``."""
    return [match.group(0) for regex in LINKABLE.values() for match in regex.finditer(text)]


def _model(model_id: str, name: str | None = None, prompt: str = "0.00000025", **extra) -> dict:
    model = {
        "id": model_id,
        "name": name or model_id.split("/")[-1].title(),
        "context_length": 131072,
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
        "pricing": {"prompt": prompt, "completion": "0.000001"},
        "top_provider": {"max_completion_tokens": 32768, "is_moderated": False},
        "supported_parameters": ["max_tokens"],
        "benchmarks": {"latency_ms": 400},
    }
    model.update(extra)
    return model


def _sample_reports() -> list[ProviderReport]:
    old = [
        _model("deepseek/deepseek-chat-v3.1"),
        _model("deepcogito/cogito-v2.1-671b", "Cogito v2.1"),
        _model("openai/gpt-4o"),
        _model("~anthropic/claude-sonnet-latest", "Claude Sonnet (latest)"),
        _model("free/model", prompt="0"),
    ]
    new = [
        _model(
            "deepseek/deepseek-chat-v3.1",
            prompt="0.00000055",
            top_provider={"max_completion_tokens": 161000, "is_moderated": False},
        ),
        _model("meta/muse-spark-1.2-contributor", HOSTILE),
        _model(
            "openai/gpt-4o",
            context_length=262144,
            supported_parameters=["max_tokens", "tools"],
            benchmarks={"latency_ms": 390},
        ),
        _model(
            "~anthropic/claude-sonnet-latest",
            "Claude Sonnet (latest)",
            prompt="0.000003",
            top_provider={"max_completion_tokens": 32768, "is_moderated": True},
        ),
        _model(
            "free/model",
            prompt="0.0000001",
            supported_parameters=["max_tokens", "structured_outputs"],
        ),
    ]
    openrouter = compare_listings("openrouter", old, new)
    mistral = compare_listings(
        "mistral",
        [{"id": "mistral-large-2407", "max_context_length": 32768, "deprecation": None}],
        [
            {
                "id": "mistral-large-2407",
                "max_context_length": 131072,
                "deprecation": "2025-03-30T12:00:00Z",
            },
            {"id": "codestral-2508", "name": "Codestral"},
        ],
    )
    groq = compare_listings("groq", None, [{"id": "llama-3.3-70b-versatile", "active": True}])
    return [
        openrouter,
        mistral,
        groq,
        ProviderReport("xai", "unchanged", models_before=9, models_after=9),
        ProviderReport("anthropic", "skipped", error="no key (set ANTHROPIC_API_KEY)"),
        ProviderReport("cohere", "failed", error=f"HTTP 500: <html>{HOSTILE}</html>\nline 2"),
        ProviderReport(
            "together",
            "guarded",
            error="would remove 120 of 150 models (max_removal_ratio 0.5)",
            models_before=150,
            models_after=30,
        ),
    ]


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"rerun with UPDATE_GOLDEN=1 to update {path}"


def test_markdown_golden():
    _check_golden("report.md", render_markdown(_sample_reports()))


def test_markdown_golden_shortened():
    text = render_markdown(_sample_reports(), max_chars=1500, full_report="see the job summary")
    assert len(text) <= 1500
    _check_golden("report_shortened.md", text)


def test_markdown_is_deterministic():
    reports = _sample_reports()
    assert render_markdown(reports) == render_markdown(list(reversed(reports)))


def test_no_changes():
    text = render_markdown([ProviderReport("xai", "unchanged", models_before=1, models_after=1)])
    assert "Unchanged (1): xai" in text
    assert "###" not in text


def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def _cells(row: str) -> int:
    # A table cell boundary is a "|" not escaped by a backslash.
    return len(re.findall(r"(?<!\\)\|", row)) - 1


def test_hostile_text_is_inert():
    text = render_markdown(_sample_reports())
    assert "@octocat" not in text
    assert "@\u200boctocat" in text
    assert "<img" not in text and "<html" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    for block in text.split("\n\n"):
        rows = _table_rows(block)
        if rows:
            assert len({_cells(row) for row in rows}) == 1, rows
    # The failure reason's newline does not start a new Markdown line.
    assert "\nline 2" not in text


def test_hostile_id_in_tables_and_headings():
    old = [{"id": HOSTILE, "context_length": 1, "extra|field": 1}]
    new = [{"id": HOSTILE, "context_length": 2, "extra|field": 2}]
    text = render_markdown([compare_listings("my-proxy", old, new)])
    assert "@octocat" not in text and "<img" not in text
    for row in _table_rows(text):
        if HOSTILE.split()[0][1:] in row:
            assert _cells(row) in (2, 3), row  # the limits table; the churn table


def test_references_and_mentions_are_inert_everywhere_in_the_report():
    """Provider text cannot mention, reference or close issues (docs/report.md)."""
    assert len(linkable(REFERENCES)) >= 12  # the regexes do see them in the raw text
    old = [{"id": REFERENCES, "name": REFERENCES, "context_length": 1, REFERENCES: 1, "x": 1}]
    new = [{"id": REFERENCES, "name": REFERENCES, "context_length": 2, REFERENCES: 2, "x": 2}]
    added = [*new, {"id": f"{REFERENCES} 2", "name": REFERENCES}]
    churn = [{"id": REFERENCES, f"{REFERENCES}.k": i, "desc": REFERENCES} for i in range(2)]
    reports = [
        compare_listings("openrouter", old, added),
        compare_listings("my-proxy", [churn[0]], [churn[1]]),
        compare_listings("gone", old, []),
        ProviderReport("broken", "failed", error=f"HTTP 500: {REFERENCES}"),
    ]
    for limit in (60000, 2000, 700):  # folded <summary> and unfolded churn both
        text = render_markdown(reports, max_chars=limit)
        assert linkable(text) == [], limit
    full = render_markdown(reports)
    assert "<details><summary>" in full
    # Readable: only zero-width characters were added.
    z = "\u200b"
    assert f"closes \\#{z}2 fixes octo/other\\#{z}3 GH-{z}4 gh-{z}5 @{z}octocat" in full
    assert "<summary>Other field changes in 1 model: #\u200b1 closes #\u200b2 fixes" in full
    assert "https:\u200b//github.com/o/r/issues/6" in full
    named = compare_listings(f"fixes #9 {REFERENCES}", None, [{"id": "a"}])
    assert linkable(render_title([*reports, named])) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a|b", "a\\|b"),
        ("<b>&", "&lt;b&gt;&amp;"),
        ("hi @team", "hi @\u200bteam"),
        ("`code`", "\\`code\\`"),
        ("line\r\nnext", "line next"),
        ("~alias/x_y*", "\\~alias/x\\_y\\*"),
        ("#12 and o/r#3", "\\#\u200b12 and o/r\\#\u200b3"),
        ("C# $5", "C\\# \\$5"),
        ("- x", "\\- x"),
        ("1. x", "1\\. x"),
        ("a  \u2028 b ", "a b"),
    ],
)
def test_escape(raw, expected):
    assert escape(raw) == expected


def _big_reports(n: int = 3000) -> list[ProviderReport]:
    old = [_model(f"vendor/model-{i}") for i in range(n)]
    new = [
        _model(f"vendor/model-{i}", prompt="0.0000005", benchmarks={"latency_ms": i})
        for i in range(n // 6, n + n // 6)
    ]
    return [compare_listings("openrouter", old, new), compare_listings("venice", None, new)]


def test_thousands_of_changes_stay_under_the_limit():
    reports = _big_reports()
    text = render_markdown(reports, full_report="the report.json artifact")
    assert len(text) <= 60000
    assert "**2** providers, **2** changed: **+3,500 \u2212500 ~2,500** models" in text
    assert "for the full report the report.json artifact" in text
    assert "### openrouter" in text


def test_tiny_limit_keeps_totals_and_pointer():
    text = render_markdown(_big_reports(), max_chars=400)
    assert len(text) <= 400
    assert text.startswith("## Model listing changes")
    assert "+3,500 \u2212500 ~2,500" in text
    assert "dump-models diff" in text  # the default pointer to the full report


def test_blocks_open_and_close_the_report_and_are_never_cut():
    """The verdict goes between the title and the totals, the retiring and in-use sections
    after the problems; cutting the report to fit cuts its own detail, never them."""
    opening = ["**Risk: high**: 1 reason; a person should look before this is merged.", ""]
    closing = ["### Retiring", "", "| provider | model | date | when |", ""]
    text = render_markdown(_sample_reports(), opening=opening, closing=closing)
    lines = text.splitlines()
    assert lines[:4] == ["## Model listing changes", "", opening[0], ""]
    assert lines[4].startswith("**7** providers")
    assert text.index("### Failed, skipped and guarded") < text.index("### Retiring")
    assert text.endswith("| provider | model | date | when |\n")
    big = _big_reports()
    for limit in (2000, 5000, 60000):
        cut = render_markdown(big, max_chars=limit, opening=opening, closing=closing)
        assert len(cut) <= limit
        assert opening[0] in cut and cut.endswith("| provider | model | date | when |\n")
        assert "_Report shortened to fit" in cut


def test_report_json_shape():
    document = report_json(_sample_reports())
    assert list(document) == ["version", "totals", "providers"]
    assert document["version"] == 1
    assert document["totals"] == {
        "providers": 7,
        "changed_providers": 3,
        "added": 3,
        "removed": 1,
        "changed": 5,
        "failed": 1,
        "skipped": 1,
        "guarded": 1,
    }
    assert list(document["providers"]) == sorted(document["providers"])
    for entry in document["providers"].values():
        assert list(entry) == [
            "status",
            "error",
            "models_before",
            "models_after",
            "added",
            "removed",
            "changed",
        ]
    # docs/report.md's example
    assert document["providers"]["openrouter"]["changed"]["deepseek/deepseek-chat-v3.1"] == {
        "input_price": {"old": "0.25", "new": "0.55"},
        "top_provider.max_completion_tokens": {"old": 32768, "new": 161000},
    }


def _section(text: str, title: str) -> str:
    """The lines of ``text`` from ``title`` up to the next blank line after its table."""
    start = text.index(title)
    end = text.find("\n\n", text.index("| ---", start))
    return text[start:end]


def test_sections_of_raw_path_changes():
    text = render_markdown(_sample_reports())
    churn = text[text.index("<details>") : text.index("</details>")]
    # top_provider is routing churn: folded, below the real changes (docs/providers.md)
    assert "top\\_provider.max\\_completion\\_tokens | 32,768 \u2192 161,000 |" in churn
    assert "max_output_tokens" not in text
    # a capability source that changed without moving tools/reasoning is a capability change
    capabilities = _section(text, "**Capabilities**")
    assert "| free/model (Model) | supported\\_parameters | +structured\\_outputs |" in capabilities
    assert "supported\\_parameters" not in churn


def test_groq_active_shown_with_capabilities():
    report = compare_listings(
        "groq",
        [{"id": "llama3-8b-8192", "active": True, "owned_by": "Meta"}],
        [{"id": "llama3-8b-8192", "active": False, "owned_by": "Meta Platforms"}],
    )
    assert report.changed == {
        "llama3-8b-8192": {
            "active": {"old": True, "new": False},
            "owned_by": {"old": "Meta", "new": "Meta Platforms"},
        }
    }
    text = render_markdown([report])
    assert "| llama3-8b-8192 | active | yes \u2192 no |" in _section(text, "**Capabilities**")
    assert "owned\\_by" in text[text.index("<details>") :]
    assert "deprecated" not in text


def test_title():
    assert render_title(_sample_reports()) == (
        "Update LLM model listings: +3 \u22121 ~5 (openrouter, mistral, groq)"
    )
    many = [
        compare_listings(f"p{i}", None, [{"id": str(n)} for n in range(i)]) for i in (1, 5, 3, 4, 2)
    ]
    assert render_title(many) == "Update LLM model listings: +15 \u22120 ~0 (p5, p4, p3 +2 more)"
    assert render_title([ProviderReport("x", "failed", error="boom")]) == (
        "Update LLM model listings: no changes"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("0.25", "0.55", "+120%"),
        ("2", "1", "\u221250%"),
        ("3", "3", "0%"),
        ("3", "3.1", "+3.3%"),
        ("0", "0.1", "from 0"),
        ("0", "0", "0%"),
        (None, "1", "added"),
        ("1", None, "removed"),
        # A provider's price moving from 1e-30 to 0.001 per token, per 1M tokens:
        ("0.000000000000000000000001", "1000", "+99999999999999999999999999900%"),
        ("1000", "0.000000000000000000000001", "\u2212100%"),
        ("1E+999999", "1", ""),
        ("1", "1e999999999999", ""),
        ("NaN", "1", ""),
        ("1", "-Infinity", ""),
        ("snan", "snan", ""),
        ([], {}, ""),
        ({"a": 1}, "1", ""),
        (True, "1", ""),
        ("0.1", 0.2, "+100%"),
    ],
)
def test_price_change_pct(old, new, expected):
    assert price_change_pct(old, new) == expected


def test_a_body_just_over_the_limit_keeps_most_of_its_list():
    many = ProviderReport(
        name="openrouter",
        status="changed",
        models_before=1,
        models_after=9001,
        added=[f"vendor/model-{i:05d}" for i in range(9000)],
    )
    text = render_markdown([many], max_chars=60000)
    assert len(text) <= 60000
    assert text.count("\n- ") >= 2000  # cut in fine steps, not down to a token sample


def _cjk_reports() -> list[ProviderReport]:
    """About 1.6 MB of UTF-8 in some 540,000 characters: under a character limit of 1,000,000
    but over GitHub's 1 MiB for a job summary, which counts bytes."""
    added = [f"{'模型' * 45}-{i:05d}" for i in range(6000)]
    return [ProviderReport("cjk", "new", models_after=len(added), added=added)]


def test_a_byte_budget_counts_utf8_bytes():
    reports = _cjk_reports()
    whole = render_markdown(reports, max_chars=None)
    assert len(whole) < 1_000_000 < len(whole.encode("utf-8"))
    text = render_markdown(reports, max_chars=None, max_bytes=1_000_000)
    assert len(text.encode("utf-8")) <= 1_000_000
    assert "_Report shortened to fit" in text and text.count("\n- ") >= 2000
    tiny = render_markdown(reports, max_chars=None, max_bytes=300)
    assert len(tiny.encode("utf-8")) <= 300 and tiny.startswith("## Model listing changes")


@pytest.mark.parametrize("reports", [_sample_reports(), _big_reports(600), _cjk_reports()])
def test_each_budget_renders_no_more_than_the_one_before(reports):
    """render_markdown bisects the budgets for the first that fits: sound only if each keeps
    less than the one before (and then it picks what trying them in order would)."""
    prepared = _prepare(reports)
    sizes = []
    for budget in _BUDGETS[1:]:
        head, body = _layout(prepared, budget, "note")
        sizes.append(len(_join(head + body)))
    assert sizes == sorted(sizes, reverse=True)


def test_values_no_listing_could_hold_still_render():
    deep: object = 1
    for _ in range(5000):
        deep = [deep]
    values = [10**5000, deep, {"a": float("nan")}, float("-inf"), "1E+999999", {1: 2, "a": 3}]
    changed = {f"m{i}": {"x": {"old": value, "new": 1}} for i, value in enumerate(values)}
    changed["p"] = {"input_price": {"old": "1E+999999", "new": [1]}}
    report = ProviderReport("x", "changed", models_before=7, models_after=7, changed=changed)
    text = render_markdown([report])
    assert "(int too large to show)" in text and "(list too large to show)" in text


def test_text_that_is_not_valid_unicode_is_replaced_not_raised():
    assert escape("a\ud800b 模") == "a?b 模"
    render_markdown([ProviderReport("x", "failed", error="bad \udfff")], max_bytes=500)
