"""assessment: an update judged as the run and the pull request see it: the models retiring
from each new listing, the in-use search of a real repository, the verdict and its blocks."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from git_helpers import git

from dump_models.assessment import (
    PULL_REQUEST_BLOCKS_CHARS,
    SUMMARY_BLOCKS_CHARS,
    Assessment,
    Links,
    RiskContext,
    has_dates,
)
from dump_models.diff import compare_listings
from dump_models.lifecycle import Retiring
from dump_models.providers import ProviderSpec, builtin_registry
from dump_models.report import report_json
from dump_models.results import ProviderReport
from dump_models.risk import ProviderVerdict, Reason, Verdict, assess
from dump_models.risk_policy import RiskPolicy
from dump_models.usage import Hit

TODAY = dt.date(2026, 3, 1)
MISTRAL = builtin_registry()["mistral"]


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def context(**kwargs) -> RiskContext:
    warnings: list[str] = []
    kwargs.setdefault("warn", warnings.append)
    ctx = RiskContext(today=TODAY, **kwargs)
    ctx.warnings = warnings  # type: ignore[attr-defined]
    return ctx


def test_only_providers_whose_mapping_reads_a_date_are_read_for_dates():
    assert has_dates("mistral")
    assert not has_dates("openai") and not has_dates("some-custom-provider")


def test_the_models_retiring_in_one_new_listing():
    old = [
        {"id": "soon", "deprecation": None},
        {"id": "moved", "deprecation": day(200)},
        {"id": "later", "deprecation": day(120)},
        {"id": "past", "deprecation": day(-3)},
    ]
    new = [
        {"id": "soon", "deprecation": day(14)},
        {"id": "moved", "deprecation": day(180)},
        {"id": "later", "deprecation": day(120)},
        {"id": "past", "deprecation": day(-3)},
        {"id": "added", "deprecation": day(400)},
        {"id": "bad", "deprecation": "2026-02-31"},
    ]
    report = compare_listings("mistral", old, new)
    items = context().retiring_of(report, MISTRAL, new)
    assert [(r.model, r.date.isoformat(), r.changed, r.days_left) for r in items] == [
        ("soon", day(14), True, 14),
        ("moved", day(180), True, 180),
        ("added", day(400), True, 400),
    ]
    assert items[1].previous == TODAY + dt.timedelta(days=200)
    # The same listing, unchanged: only what retires within the horizon (90 days here).
    same = compare_listings("mistral", new, new)
    assert [r.model for r in context().retiring_of(same, MISTRAL, new)] == ["soon"]
    assert [r.model for r in context(within_days=150).retiring_of(same, MISTRAL, new)] == [
        "soon",
        "later",
    ]


@pytest.mark.parametrize("status", ["failed", "guarded", "skipped"])
def test_a_listing_that_was_not_written_retires_nothing(status):
    report = ProviderReport("mistral", status, error="x")
    models = [{"id": "soon", "deprecation": day(1)}]
    assert context().retiring_of(report, MISTRAL, models) == []


def test_a_provider_without_dates_is_not_read():
    spec = ProviderSpec(name="acme", endpoint="http://x")
    models = [{"id": "m", "deprecation": day(1), "deprecation_date": day(1)}]
    report = compare_listings("acme", None, models)
    assert context().retiring_of(report, spec, models) == []


# -- the in-use search ----------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose files name models, some by near-miss ids."""
    root = tmp_path / "repo"
    files = {
        "src/app.py": 'MODEL = "gpt-4o"\nSMALL = "gpt-4o-mini"\nFT = "ft:gpt-4o"\n',
        "config/llm.yaml": "models:\n  - openai/gpt-4o\n  - gpt-4o.1\n  - GPT-4o\n",
        "docs/notes.md": "mistral-large-2402 is our default\n",
        "models/openai.json": '{"data": [{"id": "gpt-4o"}]}\n',
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    git(root.parent, "init", "-q", "-b", "main", str(root))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "files")
    return root


def removal(provider: str, model: str) -> ProviderReport:
    return compare_listings(provider, [{"id": model}, {"id": "keep"}], [{"id": "keep"}])


def test_a_removed_model_still_named_by_whole_id_is_high_with_its_places(repo):
    ctx = context(
        usage_paths=("**",),
        workspace=repo,
        output_dir=repo / "models",
        repository="octo/app",
    )
    old = [{"id": "gpt-4o"}, {"id": "gpt-4o-mini-2024"}, {"id": "keep"}]
    reports = [compare_listings("openai", old, [{"id": "keep"}])]
    got = ctx.assess(reports, [])
    head = git(repo, "rev-parse", "HEAD")
    assert got.in_use == {("openai", "gpt-4o"): [Hit("config/llm.yaml", 2), Hit("src/app.py", 1)]}
    assert got.level == "high"
    assert [(r.model, r.rule) for r in got.verdict.reasons] == [
        ("gpt-4o", "removed_in_use"),
        ("gpt-4o-mini-2024", "removed"),
    ]
    assert got.links == Links(head, "https://github.com", "octo/app")
    opening, closing = got.blocks(PULL_REQUEST_BLOCKS_CHARS)
    assert opening[0].startswith("**Risk: high**: 2 reasons")
    assert "- openai: gpt-4o removed, still in use (2 places)" in opening
    url = f"https://github.com/octo/app/blob/{head}"
    assert (
        f"- openai: gpt-4o (removed): [config/llm.yaml:2]({url}/config/llm.yaml#L2), "
        f"[src/app.py:1]({url}/src/app.py#L1)"
    ) in closing
    assert ctx.warnings == []


def test_the_search_looks_for_each_model_once(repo):
    ctx = context(usage_paths=("src/**",), workspace=repo, output_dir=repo / "models")
    first = ctx.assess([removal("openai", "gpt-4o")], []).in_use
    shutil.rmtree(repo / ".git")  # a second search would fail now
    again = ctx.assess([removal("openai", "gpt-4o")], [])
    assert again.in_use == first == {("openai", "gpt-4o"): [Hit("src/app.py", 1)]}
    assert ctx.warnings == []
    other = ctx.assess([removal("openai", "o1")], [])
    assert other.in_use == {} and other.links is None
    assert len(ctx.warnings) == 1 and "usage search failed" in ctx.warnings[0]


def test_no_repository_is_one_warning_and_the_verdict_without_places(tmp_path):
    ctx = context(usage_paths=("**",), workspace=tmp_path, output_dir=tmp_path / "models")
    for _ in range(2):
        got = ctx.assess([removal("openai", "gpt-4o")], [])
        assert [r.rule for r in got.verdict.reasons] == ["removed"]
    assert ctx.warnings == [
        f"usage search: {tmp_path} is not in a git repository; "
        "the update is judged without the places that name its models"
    ]


def test_without_usage_paths_nothing_is_searched(repo):
    ctx = context(workspace=repo, output_dir=repo / "models")
    got = ctx.assess([removal("openai", "gpt-4o")], [])
    assert got.in_use == {} and got.links is None and ctx.warnings == []


def test_retiring_models_are_watched_and_shown(repo):
    ctx = context(usage_paths=("docs/*",), workspace=repo, output_dir=repo / "models")
    report = ProviderReport("mistral", "unchanged", models_before=1, models_after=1)
    item = Retiring("mistral", "mistral-large-2402", TODAY + dt.timedelta(days=9), None, False, 9)
    got = ctx.assess([report], [item])
    assert got.level is None  # nothing changed: no verdict
    assert got.in_use == {("mistral", "mistral-large-2402"): [Hit("docs/notes.md", 1)]}
    opening, closing = got.blocks(PULL_REQUEST_BLOCKS_CHARS)
    assert opening == []
    assert "| mistral | mistral-large-2402 | 2026-03-10 | in 9 days |" in closing
    assert any(line.startswith("- mistral: mistral-large-2402 (retiring): ") for line in closing)


# -- the JSON report and the blocks' size ---------------------------------------------------


def test_the_json_report_gets_the_verdict_overall_and_per_provider():
    reports = [removal("openai", "gpt-4o"), ProviderReport("groq", "failed", error="503")]
    item = Retiring("openai", "o1", dt.date(2026, 3, 5), None, False, 4)
    got = Assessment(
        assess(reports, RiskPolicy()),
        (item,),
        {("openai", "gpt-4o"): ("removed",)},
        {("openai", "gpt-4o"): [Hit("a.py", 3)]},
        Links("c" * 40),
    )
    data = got.add_to_json(report_json(reports))
    assert data["version"] == 1
    reason = {"model": "gpt-4o", "rule": "removed", "text": "openai: gpt-4o removed"}
    assert data["risk"] == {"level": "high", "reasons": [{"provider": "openai", **reason}]}
    assert data["providers"]["openai"]["risk"] == {"level": "high", "reasons": [reason]}
    assert data["providers"]["groq"]["risk"] is None
    assert data["retiring"] == [item.to_json()]
    assert data["in_use"] == [
        {
            "provider": "openai",
            "model": "gpt-4o",
            "why": ["removed"],
            "places": [{"path": "a.py", "line": 3}],
        }
    ]
    assert got.outputs() == {"risk": "high", "risk-reasons": "openai: gpt-4o removed"}


def huge(models: int = 300, places: int = 40) -> Assessment:
    reasons = tuple(
        Reason("p", f"vendor/model-{i:04d}-" + "x" * 60, "removed", f"p: model-{i} removed")
        for i in range(900)
    )
    verdict = Verdict("high", reasons, {"p": ProviderVerdict("p", "high", reasons)})
    items = tuple(
        Retiring("p", f"model-{i:04d}-" + "y" * 60, dt.date(2026, 4, 1), None, False, 31)
        for i in range(700)
    )
    in_use = {
        ("p", f"model-{i:04d}"): [Hit(f"src/f{j}.py", j) for j in range(places)]
        for i in range(models)
    }
    return Assessment(verdict, items, {}, in_use, Links("d" * 40, repository="octo/app"))


def test_the_blocks_fit_their_share_of_a_pull_request_body_and_of_a_summary():
    got = huge()
    opening, closing = got.blocks(PULL_REQUEST_BLOCKS_CHARS)
    assert sum(len(line) + 1 for line in opening + closing) <= PULL_REQUEST_BLOCKS_CHARS
    assert opening[0].startswith("**Risk: high**: 900 reasons")
    assert "### Retiring" in closing and "### In use" in closing
    opening, closing = got.blocks(SUMMARY_BLOCKS_CHARS, everything=True)
    assert sum(len(line) + 1 for line in opening + closing) <= SUMMARY_BLOCKS_CHARS
    # A summary shows everything that fits its share.
    opening, closing = huge(models=60, places=12).blocks(SUMMARY_BLOCKS_CHARS, everything=True)
    assert sum(len(line) + 1 for line in opening + closing) <= SUMMARY_BLOCKS_CHARS
    assert len(opening) == 2 + 900 + 1  # the level, every reason, the blank line
    assert sum(line.startswith("| p | model-") for line in closing) == 700
    assert sum(line.startswith("- p: model-") for line in closing) == 60
    assert all(line.count("](") == 12 for line in closing if line.startswith("- p: model-"))


def test_a_hostile_id_longer_than_the_share_is_left_out_whole():
    reason = Reason("p", "m" * 30000, "removed", "p: " + "m" * 30000 + " removed")
    other = Reason("p", "n", "removed", "p: n removed")
    reasons = (other, reason)
    got = Assessment(Verdict("high", reasons, {"p": ProviderVerdict("p", "high", reasons)}))
    opening, closing = got.blocks(PULL_REQUEST_BLOCKS_CHARS)
    text = "\n".join(opening + closing)
    assert len(text) <= PULL_REQUEST_BLOCKS_CHARS
    assert "- p: n removed" in opening and "m" * 100 not in text
    assert "cut to fit" in text


def test_the_search_works_in_a_checkout_owned_by_another_user(repo, monkeypatch):
    """As in the Action's container (root in the runner user's workspace)."""
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    ctx = context(usage_paths=("src/**",), workspace=repo, output_dir=repo / "models")
    got = ctx.assess([removal("openai", "gpt-4o")], [])
    assert got.in_use == {("openai", "gpt-4o"): [Hit("src/app.py", 1)]}
    assert ctx.warnings == []


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("openrouter", {"id": "a/b", "expiration_date": day(5)}),
        ("venice", {"id": "v", "model_spec": {"deprecation": {"date": day(5)}}}),
    ],
)
def test_every_provider_whose_mapping_reads_a_date_is_read(provider, model):
    """The dates come from normalize's tables (top-level or nested raw paths)."""
    spec = builtin_registry()[provider]
    models = [model, {"id": "undated"}]
    report = compare_listings(provider, models, models, id_field=spec.id_field)
    [item] = context().retiring_of(report, spec, models)
    assert (item.provider, item.model, item.days_left, item.changed) == (
        provider,
        model["id"],
        5,
        False,
    )
