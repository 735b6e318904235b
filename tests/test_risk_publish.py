"""publish() acting on the verdict (docs/risk.md): the risk label, GitHub's auto-merge turned on
for a low-risk push and off before a high-risk one, a person's "no" respected, the tree marker.
Real git with a bare origin, the loopback GitHub (REST and GraphQL)."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest
import test_publish
from git_helpers import git
from github_server import MAX_BODY, server_error
from test_publish import BRANCH, TOKEN, options, remote_ref, write_model

from dump_models import github as github_module
from dump_models.assessment import RiskContext
from dump_models.change_report import render_changes
from dump_models.declined import WITHDRAWN, marked_tree, tree_marker
from dump_models.errors import DumpModelsError
from dump_models.providers import builtin_registry
from dump_models.publish import FileChange, PublishText, publish
from dump_models.risk_policy import RiskLabels

# The bare origin, the checkout and the fake API, set up as test_publish sets them up.
remote, work, github = test_publish.remote, test_publish.work, test_publish.github


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(github_module, "BACKOFF", 0.01)


def judged(level: str | None):
    """A renderer whose text carries ``level`` as its verdict."""

    def render(changes: list[FileChange]) -> PublishText:
        names = ", ".join(c.path for c in changes)
        body = f"**Risk: {level}**\n\nChanged: {names}\n"
        return PublishText(f"Update ({names})", body, "Update models", risk=level)

    return render


def publishing(work: Path, github, level: str | None, **kwargs):
    lines: list[str] = []
    kwargs.setdefault("graphql_url", github.graphql_url)
    result = publish(options(work, github, **kwargs), judged(level), emit=lines.append)
    return result, lines


def warnings(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("warning: ")]


def labels(github, number: int = 1) -> list[str]:
    return [x["name"] for x in github.pulls[number - 1]["labels"]]


def output_tree(remote: Path, sha: str) -> str:
    return git(remote, "rev-parse", f"{sha}:models")


def test_low_turns_on_auto_merge_for_the_pushed_head(work, remote, github):
    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "b"}]}\n')
    result, lines = publishing(work, github, "low", auto_merge="low", merge_method="rebase")
    assert (result.operation, result.pr_number) == ("created", 1)
    pull = github.pulls[0]
    assert github.auto_merge_mutations == [
        (
            "enablePullRequestAutoMerge",
            {
                "pullRequestId": pull["node_id"],
                "mergeMethod": "REBASE",
                "expectedHeadOid": result.head_sha,
            },
        )
    ]
    assert pull["auto_merge"]["merge_method"] == "rebase"
    assert labels(github) == ["risk:low"]
    # The hidden marker of the proposed content ends the body.
    assert pull["body"].endswith(tree_marker(output_tree(remote, result.head_sha)) + "\n")
    assert warnings(lines) == []
    assert any("auto-merge" in line and "#1" in line for line in lines)


def test_low_then_high_turns_auto_merge_off_and_swaps_the_label(work, remote, github):
    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "b"}]}\n')
    first, _ = publishing(work, github, "low", auto_merge="low")
    assert github.pulls[0]["auto_merge"] is not None

    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    second, lines = publishing(work, github, "high", auto_merge="low")

    assert (second.operation, second.pr_number) == ("updated", 1)
    assert remote_ref(remote, BRANCH) == second.head_sha != first.head_sha
    assert [name for name, _ in github.auto_merge_mutations] == [
        "enablePullRequestAutoMerge",
        "disablePullRequestAutoMerge",
    ]
    assert github.pulls[0]["auto_merge"] is None
    assert labels(github) == ["risk:high"]
    assert github.pulls[0]["body"].startswith("**Risk: high**")
    assert warnings(lines) == []

    # Low again: on again, for the new head; the label swapped back.
    write_model(work, "openai.json", '{"data": [{"id": "b"}, {"id": "c"}]}\n')
    third, _ = publishing(work, github, "low", auto_merge="low")
    assert github.auto_merge_mutations[-1][1]["expectedHeadOid"] == third.head_sha
    assert labels(github) == ["risk:low"]


def test_when_auto_merge_cannot_be_turned_off_nothing_is_pushed(work, remote, github):
    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "b"}]}\n')
    first, _ = publishing(work, github, "low", auto_merge="low")
    body = github.pulls[0]["body"]
    github.inject("POST", "graphql", *[server_error(502)] * 3)

    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    with pytest.raises(DumpModelsError) as caught:
        publishing(work, github, "high", auto_merge="low")

    message = str(caught.value)
    assert caught.value.exit_code == 1 and "\n" not in message
    assert "could not turn off auto-merge on pull request #1" in message
    assert "nothing was pushed" in message and TOKEN not in message
    assert remote_ref(remote, BRANCH) == first.head_sha
    assert github.pulls[0]["body"] == body and github.pulls[0]["auto_merge"] is not None


def test_a_person_who_turned_auto_merge_on_has_it_turned_off_before_a_high_push(work, github):
    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "b"}]}\n')
    publishing(work, github, "low")  # auto-merge: never
    assert github.auto_merge_mutations == []
    github.pulls[0]["auto_merge"] = {"merge_method": "merge", "enabled_at": "2026-01-01"}
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    publishing(work, github, "high")
    assert [name for name, _ in github.auto_merge_mutations] == ["disablePullRequestAutoMerge"]
    assert github.pulls[0]["auto_merge"] is None


def test_never_leaves_auto_merge_alone_and_still_labels(work, github):
    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "b"}]}\n')
    publishing(work, github, "low", risk_labels=RiskLabels("models: calm", "models: look"))
    assert github.auto_merge_mutations == []
    assert labels(github) == ["models: calm"]
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    publishing(work, github, "high", risk_labels=RiskLabels("models: calm", "models: look"))
    assert labels(github) == ["models: look"]


def test_without_a_verdict_there_is_no_risk_label_and_no_auto_merge(work, github):
    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "b"}]}\n')
    publishing(work, github, None, auto_merge="low", labels=("models",))
    assert labels(github) == ["models"] and github.auto_merge_mutations == []


@pytest.mark.parametrize(
    ("switch", "says"),
    [
        ("auto_merge_allowed", "turn on Settings → General → Pull Requests → Allow auto-merge"),
        ("mergeable_now", "dump-models never merges by itself"),
        ("auto_merge_forbidden", "pull-requests: write"),
        ("draft", "it is a draft"),
    ],
)
def test_a_refused_auto_merge_is_a_warning_and_the_pull_request_stands(
    work, remote, github, switch, says
):
    if switch == "auto_merge_allowed":
        github.auto_merge_allowed = False
    elif switch != "draft":
        setattr(github, switch, True)
    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "b"}]}\n')
    result, lines = publishing(work, github, "low", auto_merge="low", draft=switch == "draft")
    assert result.operation == "created" and remote_ref(remote, BRANCH) == result.head_sha
    [warning] = warnings(lines)
    assert warning.startswith("warning: auto-merge not enabled on pull request #1: ")
    assert says in warning
    assert github.pulls[0]["auto_merge"] is None and labels(github) == ["risk:low"]


def test_a_refused_risk_label_is_a_warning(work, github):
    github.refused_labels = frozenset({"risk:high"})
    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "b"}]}\n')
    result, lines = publishing(work, github, "high")
    assert result.operation == "created"
    [warning] = warnings(lines)
    assert "'risk:high' not set on pull request #1" in warning


# -- a person's "no" ------------------------------------------------------------------------


def test_closed_by_a_person_is_not_reopened_for_the_same_content(work, remote, github):
    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "b"}]}\n')
    first, _ = publishing(work, github, "high")
    github.close_pull(1, merged=False)
    github.requests.clear()

    again, lines = publishing(work, github, "high")

    assert (again.operation, again.pr_number) == ("declined", 1)
    assert again.pr_url == github.pulls[0]["html_url"]
    assert len(github.pulls) == 1 and github.writes() == []
    assert remote_ref(remote, BRANCH) == first.head_sha  # nothing pushed
    assert any("#1" in line and "closed without merging" in line for line in lines)

    # A different change is proposed again.
    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "c"}]}\n')
    new, _ = publishing(work, github, "low")
    assert (new.operation, new.pr_number) == ("created", 2)
    assert remote_ref(remote, BRANCH) == new.head_sha
    assert marked_tree(github.pulls[1]["body"]) == output_tree(remote, new.head_sha)


def test_a_dry_run_says_it_would_not_open_one(work, remote, github):
    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "b"}]}\n')
    publishing(work, github, "low")
    github.close_pull(1, merged=False)
    github.requests.clear()
    result, lines = publishing(work, github, "low", dry_run=True)
    assert result.operation == "none" and github.writes() == []
    assert any("would not open a pull request" in line for line in lines)


def test_a_pull_request_the_tool_closes_is_no_persons_no(work, remote, github):
    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "b"}]}\n')
    publishing(work, github, "low")
    (work / "models" / "openai.json").write_bytes(test_publish.BASE_JSON)
    closed, _ = publishing(work, github, "low")
    assert closed.operation == "closed"
    body = github.pulls[0]["body"]
    assert marked_tree(body) is None and body.rstrip("\n").endswith(WITHDRAWN)

    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "b"}]}\n')
    reopened, _ = publishing(work, github, "low")
    assert (reopened.operation, reopened.pr_number) == ("created", 2)


# -- the real renderer: verdict, places and marker within GitHub's body limit ----------------


def test_a_huge_risky_update_keeps_the_body_within_githubs_limit(work, remote, github):
    """3,000 removals (and the churn rule), each id named in the repository's files: the
    verdict, the report, the In use links and the marker fit in one body GitHub accepts (the
    fake refuses a longer one)."""
    ids = [f"vendor-{i:04d}/" + "very-long-model-name-" * 3 + str(i) for i in range(3000)]
    base = json.dumps({"data": [{"id": i} for i in ids]}) + "\n"
    (work / "models" / "openai.json").write_text(base)
    (work / "src").mkdir()
    (work / "src" / "models.py").write_text("".join(f'"{i}",\n' for i in ids) * 3)
    git(work, "add", "-A")
    git(work, "commit", "-qm", "many models")
    git(work, "push", "-q", "origin", "HEAD:main")
    write_model(work, "openai.json", '{"data": [{"id": "kept"}]}\n')

    risk = RiskContext(
        usage_paths=("src/**",),
        workspace=work,
        output_dir=work / "models",
        repository=github.repository,
    )
    render = partial(render_changes, spec_for=builtin_registry().get, risk=risk)
    lines: list[str] = []
    result = publish(
        options(work, github, graphql_url=github.graphql_url), render, emit=lines.append
    )

    assert result.operation == "created"
    body = github.pulls[0]["body"]
    assert len(body) <= MAX_BODY
    assert body.splitlines()[2].startswith("**Risk: high**: 3001 reasons")
    assert "removed, still in use (3 places)" in body
    assert (
        "### In use" in body and f"/blob/{git(work, 'rev-parse', 'HEAD')}/src/models.py#L" in body
    )
    assert marked_tree(body) == output_tree(remote, result.head_sha)
    assert labels(github) == ["risk:high"]
