"""The REST wrapper against the fake GitHub API (tests/github_server.py)."""

from __future__ import annotations

import pytest
from github_server import FakeGitHub

from dump_models.github import PR_EXISTS, GitHub, GitHubError

TOKEN = "ghs_CANARY" + "3" * 30


@pytest.fixture
def fake():
    with FakeGitHub(token=TOKEN, default_branch="trunk") as server:
        yield server


@pytest.fixture
def api(fake) -> GitHub:
    return GitHub(fake.url, TOKEN, fake.repository)


def test_headers_and_default_branch(fake, api):
    assert api.default_branch() == "trunk"
    sent = fake.requests[0].headers
    assert sent["Authorization"] == f"Bearer {TOKEN}"
    assert sent["Accept"] == "application/vnd.github+json"
    assert sent["X-GitHub-Api-Version"] == "2022-11-28"


def test_create_find_update(fake, api):
    assert api.find_open_pull("update") is None
    assert fake.requests[-1].query == {"head": "octo:update", "state": "open", "per_page": "10"}
    pr = api.create_pull(head="update", base="trunk", title="T", body="B", draft=True)
    assert (pr["number"], pr["draft"], pr["base"]["ref"]) == (1, True, "trunk")
    assert api.find_open_pull("update")["number"] == 1
    assert api.find_open_pull("other") is None
    assert api.update_pull(1, title="T2", body="B2")["title"] == "T2"
    api.update_pull(1, state="closed")
    assert api.find_open_pull("update") is None


def test_second_pull_for_a_head_is_refused_with_already_exists(api):
    api.create_pull(head="update", base="trunk", title="T", body="B", draft=False)
    with pytest.raises(GitHubError) as caught:
        api.create_pull(head="update", base="trunk", title="T", body="B", draft=False)
    assert caught.value.status == 422
    assert PR_EXISTS in caught.value.message
    assert "Validation Failed" in caught.value.message


def test_body_over_the_limit_is_refused(api):
    with pytest.raises(GitHubError) as caught:
        api.create_pull(head="u", base="trunk", title="T", body="x" * 65537, draft=False)
    assert caught.value.status == 422


def test_labels_and_reviewers(fake, api):
    api.create_pull(head="update", base="trunk", title="T", body="B", draft=False)
    api.add_labels(1, ["a", "b"])
    api.add_labels(1, ["b", "c"])
    assert [x["name"] for x in fake.pulls[0]["labels"]] == ["a", "b", "c"]
    api.request_reviewers(1, ["alice", "octo/team"])
    body = fake.requests[-1].body
    assert body == {"reviewers": ["alice"], "team_reviewers": ["team"]}
    with pytest.raises(GitHubError) as caught:
        api.request_reviewers(1, ["ghost"])
    assert caught.value.status == 422 and "ghost" in caught.value.message


def test_create_not_permitted(fake, api):
    fake.forbid_create = True
    with pytest.raises(GitHubError) as caught:
        api.create_pull(head="u", base="trunk", title="T", body="B", draft=False)
    assert caught.value.status == 403
    assert "not permitted to create or approve pull requests" in str(caught.value)


def test_bad_credentials(fake):
    wrong = "ghs_CANARYwrong" + "1" * 20
    with pytest.raises(GitHubError) as caught:
        GitHub(fake.url, wrong, fake.repository).default_branch()
    assert (caught.value.status, caught.value.message) == (401, "Bad credentials")
    assert wrong not in str(caught.value)


def test_no_answer_is_status_zero_and_redacted(fake):
    url = fake.url
    fake.stop()
    with pytest.raises(GitHubError) as caught:
        GitHub(url, TOKEN, "octo/models").default_branch()
    assert caught.value.status == 0
    assert TOKEN not in str(caught.value)


def test_fake_records_writes_only_for_non_get(fake, api):
    api.default_branch()
    api.find_open_pull("x")
    assert fake.writes() == []
    api.create_pull(head="x", base="trunk", title="T", body="B", draft=False)
    assert [(r.method, r.path) for r in fake.writes()] == [("POST", "/repos/octo/models/pulls")]


def test_an_error_echoing_the_token_across_the_cut_leaks_no_part_of_it():
    from provider_server import ProviderServer, Reply

    from dump_models.github import MESSAGE_CHARS, GitHub, GitHubError

    token = "ghs_CANARYabcdefghijklmnopqrstuvwxyz"
    with ProviderServer() as server:
        for offset in range(MESSAGE_CHARS - 30, MESSAGE_CHARS + 2, 7):
            echo = {"message": "x" * offset + token + " tail"}
            server.route("/repos/o/r", lambda request, echo=echo: Reply(500, echo))
            with pytest.raises(GitHubError) as caught:
                GitHub(server.url, token, "o/r").default_branch()
            assert "CANARY" not in str(caught.value) and "ghs_" not in str(caught.value)
