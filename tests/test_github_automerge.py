"""GitHub's auto-merge (GraphQL), closed pull requests and label removal, against the fake."""

from __future__ import annotations

import pytest
from github_server import FakeGitHub, Fault

from dump_models.github import GitHub, GitHubError

TOKEN = "ghs_CANARY" + "4" * 30


@pytest.fixture
def fake():
    with FakeGitHub(token=TOKEN) as server:
        yield server


@pytest.fixture
def api(fake) -> GitHub:
    return GitHub(fake.url, TOKEN, fake.repository, graphql_url=fake.graphql_url)


@pytest.fixture
def pull(api) -> dict:
    return api.create_pull(head="dump-models/update", base="main", title="T", body="B", draft=False)


def test_pull_requests_carry_their_node_id(fake, api, pull):
    assert pull["node_id"].startswith("PR_")
    assert api.find_open_pull("dump-models/update")["node_id"] == pull["node_id"]
    assert pull["auto_merge"] is None


def test_enable_reads_the_state_then_enables_once(fake, api, pull):
    assert api.auto_merge_request(pull["node_id"]) is None
    assert api.enable_auto_merge(pull["node_id"], "squash", head_sha="a" * 40) == "enabled"
    assert fake.auto_merge_mutations == [
        (
            "enablePullRequestAutoMerge",
            {
                "pullRequestId": pull["node_id"],
                "mergeMethod": "SQUASH",
                "expectedHeadOid": "a" * 40,
            },
        )
    ]
    state = api.auto_merge_request(pull["node_id"])
    assert state["mergeMethod"] == "SQUASH" and state["enabledAt"]
    assert fake.pulls[0]["auto_merge"]["merge_method"] == "squash"  # REST shows it too
    assert api.enable_auto_merge(pull["node_id"], "squash") == "already-enabled"
    assert len(fake.auto_merge_mutations) == 1
    # Another method is asked for: enabled again with it.
    assert api.enable_auto_merge(pull["node_id"], "rebase") == "enabled"
    assert fake.auto_merge_mutations[-1][1]["mergeMethod"] == "REBASE"
    assert fake.pulls[0]["merged_at"] is None  # never merged by the tool


def test_the_merge_method_is_checked(api, pull):
    with pytest.raises(ValueError):
        api.enable_auto_merge(pull["node_id"], "fast-forward")


def test_not_allowed_in_this_repository(fake, api, pull):
    fake.auto_merge_allowed = False
    assert api.enable_auto_merge(pull["node_id"], "merge") == "not-allowed"
    assert fake.pulls[0]["auto_merge"] is None
    mutation = [r for r in fake.requests if r.path == "/graphql"][-1]
    assert "enablePullRequestAutoMerge" in mutation.body["query"]


def test_mergeable_now_is_not_merged(fake, api, pull):
    fake.mergeable_now = True
    assert api.enable_auto_merge(pull["node_id"], "squash") == "mergeable-now"
    assert fake.pulls[0]["auto_merge"] is None and fake.pulls[0]["state"] == "open"
    assert not [r for r in fake.requests if r.path.endswith("/merge")]


def test_other_refusals_are_errors(fake, api, pull):
    api.update_pull(pull["number"], state="closed")
    with pytest.raises(GitHubError) as caught:
        api.enable_auto_merge(pull["node_id"], "squash")
    assert "Pull request is closed" in caught.value.message
    with pytest.raises(GitHubError) as caught:
        api.enable_auto_merge("PR_nothing", "squash")
    assert "Could not resolve to a node" in caught.value.message


def test_disable(fake, api, pull):
    assert api.disable_auto_merge(pull["node_id"]) == "not-enabled"
    assert fake.auto_merge_mutations == []
    api.enable_auto_merge(pull["node_id"], "squash")
    assert api.disable_auto_merge(pull["node_id"]) == "disabled"
    assert fake.auto_merge_mutations[-1] == (
        "disablePullRequestAutoMerge",
        {"pullRequestId": pull["node_id"]},
    )
    assert api.auto_merge_request(pull["node_id"]) is None
    assert fake.pulls[0]["auto_merge"] is None


def test_graphql_rate_limit_of_2026_is_waited_out_too(fake, api, pull):
    new_style = Fault(
        200,
        {
            "errors": [
                {
                    "type": "RATE_LIMIT",
                    "code": "graphql_rate_limit",
                    "message": "API rate limit already exceeded for user ID 1.",
                }
            ]
        },
        {"Retry-After": "0"},
    )
    fake.inject("POST", "graphql", new_style)
    assert api.enable_auto_merge(pull["node_id"], "squash") == "enabled"
    assert fake.pending_faults() == 0


# -- closed pull requests -----------------------------------------------------------------


def test_closed_pulls_of_a_branch_newest_first(fake, api):
    first = fake.add_pull("dump-models/update", body="one")
    fake.close_pull(first["number"], merged=True, closed_at="2026-01-01T00:00:00Z")
    second = fake.add_pull("dump-models/update", body="two")
    fake.close_pull(second["number"], merged=False, closed_at="2026-02-01T00:00:00Z")
    fake.add_pull("dump-models/update", body="open one")
    other = fake.add_pull("feature", body="not ours")
    fake.close_pull(other["number"], merged=False)
    closed = api.closed_pulls("dump-models/update")
    assert [(p["body"], p["merged_at"] is None) for p in closed] == [("two", True), ("one", False)]
    sent = fake.requests[-1]
    assert sent.query["state"] == "closed"
    assert sent.query["head"] == "octo:dump-models/update"


def test_closed_pulls_are_checked_by_head_even_when_github_ignores_the_filter(fake, api):
    ours = fake.add_pull("dump-models/update", body="ours")
    fake.close_pull(ours["number"], merged=False)
    theirs = fake.add_pull("feature", body="theirs")
    fake.close_pull(theirs["number"], merged=False)
    fork = fake.add_pull("dump-models/update", body="fork", head_repo="someone/models")
    fake.close_pull(fork["number"], merged=False)
    # GitHub answers every closed PR when it does not take the head filter.
    fake.inject("GET", r"/pulls$", Fault(200, [ours, theirs, fork]))
    assert [p["body"] for p in api.closed_pulls("dump-models/update")] == ["ours"]


# -- labels -------------------------------------------------------------------------------


def test_remove_label_present_or_not(fake, api, pull):
    api.add_labels(pull["number"], ["risk:low", "models"])
    api.remove_label(pull["number"], "risk:low")
    assert [x["name"] for x in fake.pulls[0]["labels"]] == ["models"]
    api.remove_label(pull["number"], "risk:low")  # not there: fine
    api.remove_label(pull["number"], "needs/a%20person?#1")
    deletes = [r.path for r in fake.requests if r.method == "DELETE"]
    assert deletes[-1] == "/repos/octo/models/issues/1/labels/needs%2Fa%2520person%3F%231"
    with pytest.raises(GitHubError):
        api.remove_label(99, "risk:low")  # no such pull request: not "label not there"
