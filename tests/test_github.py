"""The REST wrapper against the fake GitHub API (tests/github_server.py)."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from github_server import (
    FakeGitHub,
    Fault,
    connection_reset,
    created_then,
    graphql_rate_limited,
    primary_rate_limit,
    secondary_rate_limit,
    server_error,
    too_many_requests,
)

from dump_models import github as github_module
from dump_models.github import PR_EXISTS, GitHub, GitHubError, RateLimited

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


# -- GitHub as it really behaves: transient failures, rate limits, GHES, ~/.netrc ---------


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    """Backoff between transient failures in hundredths of a second (rate limits wait as told)."""
    monkeypatch.setattr(github_module, "BACKOFF", 0.01)


def calls(fake, method: str, suffix: str) -> int:
    return sum(1 for r in fake.requests if r.method == method and r.path.endswith(suffix))


@pytest.mark.parametrize(
    "fault", [server_error(503), server_error(502), connection_reset()], ids=["503", "502", "reset"]
)
def test_a_transient_failure_on_a_read_is_retried(fake, api, fault):
    fake.add_pull("update", base="trunk")
    fake.inject("GET", r"/pulls$", fault)
    assert api.find_open_pull("update")["number"] == 1
    assert calls(fake, "GET", "/pulls") == 2


def test_a_read_timeout_is_retried(fake, api, monkeypatch):
    monkeypatch.setattr(github_module, "TIMEOUT", 0.3)
    fake.inject("GET", r"/repos/octo/models$", Fault(200, {}, stall=1.0))
    assert api.default_branch() == "trunk"
    assert calls(fake, "GET", "/repos/octo/models") == 2


def test_three_transient_failures_give_up_with_the_last_one(fake, api):
    fake.inject("GET", r"/pulls$", server_error(502), server_error(503), server_error(502))
    fake.inject("GET", r"/pulls$", server_error(504))  # never reached: 3 attempts in all
    with pytest.raises(GitHubError) as caught:
        api.find_open_pull("update")
    assert caught.value.status == 502
    assert calls(fake, "GET", "/pulls") == github_module.ATTEMPTS == 3


@pytest.mark.parametrize(
    ("status", "message"),
    [(401, "Bad credentials"), (404, "Not Found"), (422, "Validation Failed")],
)
def test_no_is_never_retried(fake, api, status, message):
    fake.inject("PATCH", r"/pulls/1$", Fault(status, {"message": message}))
    with pytest.raises(GitHubError) as caught:
        api.update_pull(1, title="T")
    assert caught.value.status == status
    assert calls(fake, "PATCH", "/pulls/1") == 1


def test_a_forbidden_that_is_no_rate_limit_is_not_retried(fake, api):
    fake.forbid_create = True
    with pytest.raises(GitHubError) as caught:
        api.create_pull(head="u", base="trunk", title="T", body="B", draft=False)
    assert caught.value.status == 403 and not isinstance(caught.value, RateLimited)
    assert calls(fake, "POST", "/pulls") == 1


def test_a_post_that_may_have_taken_effect_is_not_blindly_retried(fake, api):
    # A comment posted twice is a second comment: an ambiguous failure is not retried...
    fake.inject("POST", r"/comments$", server_error(502))
    with pytest.raises(GitHubError) as caught:
        api.request("POST", "/repos/octo/models/issues/1/comments", json={"body": "hi"})
    assert caught.value.status == 502
    assert calls(fake, "POST", "/comments") == 1


def test_a_refused_connection_is_not_ambiguous(fake):
    # ...but a connection refused means nothing was sent: no doubt, trying again is safe.
    url = fake.url
    fake.stop()
    started = time.monotonic()
    with pytest.raises(GitHubError) as caught:
        GitHub(url, TOKEN, "octo/models").request("POST", "/repos/octo/models/issues/1/comments")
    assert caught.value.status == 0 and not caught.value.ambiguous
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    "fault",
    [
        secondary_rate_limit(retry_after=1),
        secondary_rate_limit(1, status=429),
        too_many_requests(1),
    ],
    ids=["secondary-403", "secondary-429", "429"],
)
def test_a_short_rate_limit_is_waited_out_as_told(fake, api, fault):
    fake.inject("POST", r"/pulls$", fault)
    started = time.monotonic()
    pull = api.create_pull(head="update", base="trunk", title="T", body="B", draft=False)
    assert time.monotonic() - started >= 1.0  # Retry-After: 1
    assert pull["number"] == 1 and len(fake.pulls) == 1
    assert calls(fake, "POST", "/pulls") == 2


def test_a_primary_rate_limit_resetting_soon_is_waited_out(fake, api):
    reset_at = int(time.time()) + 1
    fake.inject("GET", r"/pulls$", primary_rate_limit(reset_at))
    assert api.find_open_pull("update") is None
    assert time.time() >= reset_at
    assert calls(fake, "GET", "/pulls") == 2


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def test_a_long_rate_limit_fails_at_once_saying_when_to_retry(fake, api):
    fake.inject("POST", r"/pulls$", secondary_rate_limit(retry_after=3600))
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        api.create_pull(head="update", base="trunk", title="T", body="B", draft=False)
    assert time.monotonic() - started < 1
    assert calls(fake, "POST", "/pulls") == 1
    text = str(caught.value)
    assert "\n" not in text and "secondary rate limit" in text
    assert abs(caught.value.retry_at - (time.time() + 3600)) < 5
    assert f"retry after {_utc(caught.value.retry_at)} UTC" in text


def test_a_primary_rate_limit_far_off_says_its_reset_time(fake, api):
    reset_at = int(time.time()) + 2 * 3600
    fake.inject("GET", r"/repos/octo/models$", primary_rate_limit(reset_at))
    with pytest.raises(RateLimited) as caught:
        api.default_branch()
    assert f"retry after {_utc(reset_at)} UTC" in str(caught.value)
    assert "API rate limit exceeded" in str(caught.value)


@pytest.mark.parametrize(
    "fault",
    [
        secondary_rate_limit(retry_after=10**12),
        primary_rate_limit(10**15),
    ],
    ids=["retry-after", "ratelimit-reset"],
)
def test_a_rate_limit_past_any_calendar_is_still_a_rate_limit(fake, api, fault):
    # Header values from outside: one no date can hold fails the call with its one line.
    fake.inject("GET", r"/repos/octo/models$", fault)
    with pytest.raises(RateLimited) as caught:
        api.default_branch()
    text = str(caught.value)
    assert "\n" not in text and "rate limited, retry after the year 9999" in text


def test_a_secondary_rate_limit_without_retry_after_means_a_minute(fake, api, monkeypatch):
    # GitHub: without Retry-After or x-ratelimit-*, wait at least a minute. Here waits over
    # 30 s are not ridden out, so it fails at once and says when.
    monkeypatch.setattr(github_module, "MAX_WAIT", 30.0)
    fake.inject("POST", r"/pulls$", secondary_rate_limit(retry_after=None))
    with pytest.raises(RateLimited) as caught:
        api.create_pull(head="update", base="trunk", title="T", body="B", draft=False)
    assert abs(caught.value.retry_at - (time.time() + 60)) < 5


def test_rate_limit_waits_share_one_budget(fake, api, monkeypatch):
    monkeypatch.setattr(github_module, "WAIT_BUDGET", 1.5)
    fake.inject("GET", r"/pulls$", secondary_rate_limit(1))
    api.find_open_pull("update")  # waits 1 s of the 1.5 s
    fake.inject("GET", r"/pulls$", secondary_rate_limit(1))
    with pytest.raises(RateLimited):
        api.find_open_pull("update")  # 1 s more would go over: fails saying when
    assert calls(fake, "GET", "/pulls") == 3


def test_a_create_answered_502_after_it_took_effect_opens_no_second_pull(fake, api):
    fake.inject("POST", r"/pulls$", created_then(502))
    pull = api.create_pull(head="update", base="trunk", title="T", body="B", draft=False)
    assert pull["number"] == 1 and pull["title"] == "T"
    assert len(fake.pulls) == 1
    assert calls(fake, "POST", "/pulls") == 2  # the retry was told it already exists


def test_after_an_ambiguous_create_another_runs_pull_is_not_taken_for_ours(fake, api):
    fake.add_pull("update", base="trunk", title="opened by another run")
    fake.inject("POST", r"/pulls$", server_error(502))
    with pytest.raises(GitHubError) as caught:
        api.create_pull(head="update", base="trunk", title="T", body="B", draft=False)
    assert caught.value.status == 422 and PR_EXISTS in caught.value.message
    assert len(fake.pulls) == 1


def test_labels_and_reviewers_are_retried_they_are_idempotent(fake, api):
    api.create_pull(head="update", base="trunk", title="T", body="B", draft=False)
    fake.inject("POST", r"/labels$", created_then(502))
    fake.inject("POST", r"/requested_reviewers$", created_then(503))
    api.add_labels(1, ["models"])
    api.request_reviewers(1, ["alice"])
    assert [x["name"] for x in fake.pulls[0]["labels"]] == ["models"]
    assert [x["login"] for x in fake.pulls[0]["requested_reviewers"]] == ["alice"]


def test_graphql_answers_data(fake, api):
    fake.graphql_resolvers["Viewer"] = lambda variables: {"viewer": {"login": variables["x"]}}
    data = api.graphql("query Viewer($x: String!) { viewer { login } }", {"x": "octo"})
    assert data == {"viewer": {"login": "octo"}}
    sent = fake.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/graphql")
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"


def test_graphql_errors_in_a_200_are_a_failure_and_not_retried(fake, api):
    with pytest.raises(GitHubError) as caught:
        api.graphql("query Nope { nope }")
    assert caught.value.status == 200
    assert "Field 'Nope' doesn't exist" in caught.value.message
    assert calls(fake, "POST", "/graphql") == 1


def test_graphql_rate_limited_is_waited_out_and_5xx_retried(fake, api):
    fake.graphql_resolvers["Viewer"] = lambda variables: {"viewer": {"login": "octo"}}
    fake.inject("POST", "graphql", graphql_rate_limited(int(time.time()) + 1), server_error(502))
    assert api.graphql("query Viewer { viewer { login } }") == {"viewer": {"login": "octo"}}
    assert calls(fake, "POST", "/graphql") == 3


def test_graphql_rate_limited_for_long_says_when(fake, api):
    reset_at = int(time.time()) + 3600
    fake.inject("POST", "graphql", graphql_rate_limited(reset_at))
    with pytest.raises(RateLimited) as caught:
        api.graphql("query Viewer { viewer { login } }")
    assert f"retry after {_utc(reset_at)} UTC" in str(caught.value)
    assert "RATE_LIMITED" in str(caught.value) or "rate limit" in str(caught.value)


def test_enterprise_server_paths():
    with FakeGitHub(token=TOKEN, api_prefix="/api/v3", graphql_path="/api/graphql") as ghes:
        ghes.graphql_resolvers["Viewer"] = lambda variables: {"viewer": {"login": "octo"}}
        assert ghes.url.endswith("/api/v3")
        api = GitHub(ghes.url + "/", TOKEN, ghes.repository, graphql_url=ghes.graphql_url)
        assert api.default_branch() == "main"
        api.create_pull(head="update", base="main", title="T", body="B", draft=False)
        assert api.graphql("query Viewer { viewer { login } }")["viewer"]["login"] == "octo"
        paths = [r.path for r in ghes.requests]
        assert paths == [
            "/api/v3/repos/octo/models",
            "/api/v3/repos/octo/models/pulls",
            "/api/graphql",
        ]


@pytest.mark.parametrize(
    ("api_url", "graphql_url"),
    [
        ("https://api.github.com", "https://api.github.com/graphql"),
        ("https://ghe.example/api/v3", "https://ghe.example/api/graphql"),
        ("https://ghe.example/api/v3/", "https://ghe.example/api/graphql"),
    ],
)
def test_graphql_url_follows_the_api_url_when_not_given(api_url, graphql_url):
    assert GitHub(api_url, TOKEN, "o/r").graphql_url == graphql_url


def test_netrc_is_never_consulted(fake, api, tmp_path):
    netrc = tmp_path / "home" / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password netrc-secret\n")
    netrc.chmod(0o600)
    assert api.default_branch() == "trunk"
    assert fake.requests[-1].headers["Authorization"] == f"Bearer {TOKEN}"
