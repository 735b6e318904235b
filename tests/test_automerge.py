"""What a verdict changes on the pull request: the risk label and GitHub's auto-merge, against
the loopback GitHub (tests/github_server.py)."""

from __future__ import annotations

import pytest
from github_server import FakeGitHub, server_error

from dump_models import github as github_module
from dump_models.automerge import (
    disable_before_push,
    enable_after_publish,
    needs_disabling,
    set_risk_label,
    wants_enabling,
)
from dump_models.errors import DumpModelsError
from dump_models.github import GitHub
from dump_models.risk_policy import RiskLabels

TOKEN = "ghs_CANARY" + "5" * 30
BRANCH = "dump-models/update"
SHA = "b" * 40


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    """Backoff between transient failures in hundredths of a second."""
    monkeypatch.setattr(github_module, "BACKOFF", 0.01)


@pytest.fixture
def fake():
    with FakeGitHub(token=TOKEN) as server:
        yield server


@pytest.fixture
def api(fake) -> GitHub:
    return GitHub(fake.url, TOKEN, fake.repository, graphql_url=fake.graphql_url)


def labels_of(fake: FakeGitHub, number: int = 1) -> list[str]:
    return [x["name"] for x in fake.pulls[number - 1]["labels"]]


@pytest.mark.parametrize(
    ("mode", "level", "changed", "enable"),
    [
        ("low", "low", True, True),
        ("low", "low", False, False),  # nothing pushed: a person's choice since then stands
        ("low", "high", True, False),
        ("never", "low", True, False),
        ("never", "high", True, False),
    ],
)
def test_when_to_enable(mode, level, changed, enable):
    assert wants_enabling(mode, level, content_changed=changed) is enable


@pytest.mark.parametrize(
    ("level", "auto_merge", "disable"),
    [
        ("high", {"merge_method": "squash"}, True),
        ("high", None, False),
        ("low", {"merge_method": "squash"}, False),
    ],
)
def test_when_to_disable(level, auto_merge, disable):
    assert needs_disabling(level, {"number": 1, "auto_merge": auto_merge}) is disable
    assert needs_disabling(level, None) is False


def test_low_gets_auto_merge_and_its_label(fake, api):
    pull = api.create_pull(head=BRANCH, base="main", title="T", body="B", draft=False)
    assert set_risk_label(api, pull["number"], "low", RiskLabels()) == []
    result = enable_after_publish(
        api, pull, mode="low", level="low", method="squash", content_changed=True, head_sha=SHA
    )
    assert (result.outcome, result.warning) == ("enabled", None)
    assert labels_of(fake) == ["risk:low"]
    assert fake.auto_merge_mutations == [
        (
            "enablePullRequestAutoMerge",
            {"pullRequestId": pull["node_id"], "mergeMethod": "SQUASH", "expectedHeadOid": SHA},
        )
    ]
    assert fake.pulls[0]["merged_at"] is None


def test_low_then_high_disables_before_the_push_and_swaps_the_label(fake, api):
    pull = api.create_pull(head=BRANCH, base="main", title="T", body="B", draft=False)
    set_risk_label(api, pull["number"], "low", RiskLabels())
    enable_after_publish(
        api, pull, mode="low", level="low", method="merge", content_changed=True, head_sha=SHA
    )
    # The next run: the open pull request as GitHub lists it, before anything is pushed.
    open_pull = api.find_open_pull(BRANCH)
    assert open_pull["auto_merge"]["merge_method"] == "merge"
    result = disable_before_push(api, open_pull, level="high")
    assert result is not None and (result.outcome, result.warning) == ("disabled", None)
    assert fake.auto_merge_mutations[-1] == (
        "disablePullRequestAutoMerge",
        {"pullRequestId": pull["node_id"]},
    )
    assert set_risk_label(api, pull["number"], "high", RiskLabels()) == []
    assert labels_of(fake) == ["risk:high"]
    again = enable_after_publish(
        api, pull, mode="low", level="high", method="merge", content_changed=True, head_sha=SHA
    )
    assert again is None
    assert fake.pulls[0]["auto_merge"] is None


def test_labels_keep_the_others_and_use_the_configured_names(fake, api):
    pull = api.create_pull(head=BRANCH, base="main", title="T", body="B", draft=False)
    api.add_labels(pull["number"], ["models", "risk:low"])
    names = RiskLabels(low="safe", high="needs a person")
    assert set_risk_label(api, pull["number"], "high", names) == []
    assert labels_of(fake) == ["models", "risk:low", "needs a person"]
    set_risk_label(api, pull["number"], "low", names)
    assert labels_of(fake) == ["models", "risk:low", "safe"]


def test_a_refused_label_is_a_warning(fake, api):
    fake.refused_labels = frozenset({"risk:high"})
    pull = api.create_pull(head=BRANCH, base="main", title="T", body="B", draft=False)
    warnings = set_risk_label(api, pull["number"], "high", RiskLabels())
    assert len(warnings) == 1
    assert warnings[0].startswith("label 'risk:high' not set on pull request #1: ")


def test_a_repository_without_auto_merge_gets_a_warning_naming_the_setting(fake, api):
    fake.auto_merge_allowed = False
    pull = api.create_pull(head=BRANCH, base="main", title="T", body="B", draft=False)
    result = enable_after_publish(
        api, pull, mode="low", level="low", method="squash", content_changed=True, head_sha=SHA
    )
    assert result.outcome == "not-allowed"
    assert result.warning == (
        "auto-merge not enabled on pull request #1: this repository does not allow it; turn on "
        "Settings → General → Pull Requests → Allow auto-merge"
    )


def test_a_pull_request_mergeable_now_is_left_for_a_person(fake, api):
    fake.mergeable_now = True
    pull = api.create_pull(head=BRANCH, base="main", title="T", body="B", draft=False)
    result = enable_after_publish(
        api, pull, mode="low", level="low", method="squash", content_changed=True, head_sha=SHA
    )
    assert result.outcome == "mergeable-now"
    assert "dump-models never merges by itself" in result.warning
    assert "require status checks" in result.warning
    assert fake.pulls[0]["state"] == "open" and fake.pulls[0]["merged_at"] is None


def test_a_draft_is_not_set_to_auto_merge(fake, api):
    pull = api.create_pull(head=BRANCH, base="main", title="T", body="B", draft=True)
    result = enable_after_publish(
        api, pull, mode="low", level="low", method="squash", content_changed=True, head_sha=SHA
    )
    assert result.outcome == "draft"
    assert "draft" in result.warning
    assert fake.auto_merge_mutations == []


def test_other_failures_to_enable_are_warnings(fake, api):
    pull = api.create_pull(head=BRANCH, base="main", title="T", body="B", draft=False)
    fake.inject("POST", "graphql", server_error(502), server_error(502), server_error(502))
    result = enable_after_publish(
        api, pull, mode="low", level="low", method="squash", content_changed=True, head_sha=SHA
    )
    assert result.outcome == "failed"
    assert result.warning.startswith("auto-merge not enabled on pull request #1: GitHub API POST")
    assert TOKEN not in result.warning


def test_forbidden_says_which_permissions(fake, api):
    fake.auto_merge_forbidden = True
    pull = api.create_pull(head=BRANCH, base="main", title="T", body="B", draft=False)
    result = enable_after_publish(
        api, pull, mode="low", level="low", method="squash", content_changed=True, head_sha=SHA
    )
    assert result.outcome == "failed"
    assert "Resource not accessible by integration" in result.warning
    assert "contents: write" in result.warning and "pull-requests: write" in result.warning


def test_when_auto_merge_cannot_be_turned_off_nothing_high_risk_is_pushed(fake, api):
    pull = api.create_pull(head=BRANCH, base="main", title="T", body="B", draft=False)
    api.enable_auto_merge(pull["node_id"], "squash")
    open_pull = api.find_open_pull(BRANCH)
    fake.inject("POST", "graphql", server_error(502), server_error(502), server_error(502))
    with pytest.raises(DumpModelsError) as caught:
        disable_before_push(api, open_pull, level="high")
    assert caught.value.exit_code == 1
    assert str(caught.value).startswith(
        "could not turn off auto-merge on pull request #1 before pushing a high-risk update"
    )
    assert "turn it off by hand" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert disable_before_push(api, open_pull, level="low") is None
