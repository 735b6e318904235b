"""publish() when GitHub fails now and then: real git, the fake API with injected faults."""

from __future__ import annotations

import time

import pytest
import test_action
import test_publish
from github_server import (
    FakeGitHub,
    created_then,
    primary_rate_limit,
    secondary_rate_limit,
    server_error,
)
from test_publish import BRANCH, TOKEN, options, remote_ref, summarize, write_model

from dump_models import github as github_module
from dump_models.config import load_settings
from dump_models.errors import DumpModelsError
from dump_models.inputs import Inputs
from dump_models.publish import publish
from dump_models.publish_options import publish_options

# The bare origin, the checkout and the fake API, set up as test_publish sets them up.
remote, work, github = test_publish.remote, test_publish.work, test_publish.github
# The action's workspace and its loopback providers, as test_action sets them up.
workspace, providers = test_action.workspace, test_action.providers


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(github_module, "BACKOFF", 0.01)


def test_a_503_on_listing_pull_requests_is_ridden_out(work, remote, github):
    github.inject("GET", r"/pulls$", server_error(503))
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    result = publish(options(work, github), summarize)
    assert (result.operation, result.pr_number) == ("created", 1)
    assert remote_ref(remote, BRANCH) == result.head_sha
    assert github.pending_faults() == 0


def test_a_502_after_github_opened_the_pull_is_reported_created_and_opens_no_second(work, github):
    github.inject("POST", r"/pulls$", created_then(502))
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    result = publish(options(work, github, labels=("models",)), summarize)
    assert (result.operation, result.pr_number) == ("created", 1)
    assert len(github.pulls) == 1
    assert [x["name"] for x in github.pulls[0]["labels"]] == ["models"]


def test_a_502_on_create_with_another_runs_pull_updates_that_one(work, github):
    # The create's answer is lost; its retry is told a pull request exists, and it is not
    # the one we asked for (another run opened it): it is updated, as "updated".
    github.inject("POST", r"/pulls$", server_error(502))
    github.stale_lists = 1  # our look-up missed the other run's pull request
    github.add_pull(BRANCH, title="opened by another run")
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    result = publish(options(work, github), summarize)
    assert (result.operation, result.pr_number) == ("updated", 1)
    assert len(github.pulls) == 1
    assert github.pulls[0]["title"] == "Update LLM model listings (openai.json)"


def test_a_short_secondary_rate_limit_on_create_is_waited_out(work, github):
    github.inject("POST", r"/pulls$", secondary_rate_limit(retry_after=1))
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    started = time.monotonic()
    result = publish(options(work, github), summarize)
    assert result.operation == "created" and time.monotonic() - started >= 1
    assert len(github.pulls) == 1


def test_a_long_rate_limit_fails_with_one_line_saying_when(work, remote, github, capsys):
    reset_at = int(time.time()) + 3600
    github.inject("GET", r"/pulls$", primary_rate_limit(reset_at))
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    with pytest.raises(DumpModelsError) as caught:
        publish(options(work, github), summarize)
    message = str(caught.value)
    assert caught.value.exit_code == 1 and "\n" not in message
    assert message.startswith("publishing failed: ") and "retry after" in message
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(reset_at))
    assert f"{stamp} UTC" in message
    assert TOKEN not in message + capsys.readouterr().out


def test_enterprise_server_api_under_a_path(work, remote):
    with FakeGitHub(
        token=TOKEN,
        api_prefix="/api/v3",
        graphql_path="/api/graphql",
        server_url="https://ghe.example",
    ) as ghes:
        write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
        result = publish(options(work, ghes, graphql_url=ghes.graphql_url), summarize)
        assert result.operation == "created"
        assert result.pr_url == "https://ghe.example/octo/models/pull/1"
        assert ghes.requests and all(r.path.startswith("/api/v3/") for r in ghes.requests)


def test_publish_options_read_the_enterprise_server_urls(tmp_path):
    environ = {
        "GITHUB_API_URL": "https://ghe.example/api/v3/",
        "GITHUB_GRAPHQL_URL": "https://ghe.example/api/graphql",
        "GITHUB_SERVER_URL": "https://ghe.example/",
    }
    settings = load_settings(Inputs(), environ={}, workspace=tmp_path)
    got = publish_options(Inputs(), settings, environ=environ, workspace=tmp_path)
    assert (got.api_url, got.graphql_url, got.server_url) == (
        "https://ghe.example/api/v3",
        "https://ghe.example/api/graphql",
        "https://ghe.example",
    )
    next_to_the_api = publish_options(Inputs(), settings, environ={}, workspace=tmp_path)
    assert next_to_the_api.graphql_url is None


def test_the_action_on_enterprise_server(workspace, providers):
    with FakeGitHub(
        token=test_action.TOKEN,
        api_prefix="/api/v3",
        graphql_path="/api/graphql",
        server_url="https://ghe.example",
    ) as ghes:
        run = test_action.run_action(
            workspace,
            {**test_action.BASE_INPUTS, "INPUT_PUBLISH": "pull-request"},
            github=ghes,
            env={
                "GITHUB_API_URL": ghes.url,
                "GITHUB_GRAPHQL_URL": ghes.graphql_url,
                "GITHUB_SERVER_URL": "https://ghe.example",
            },
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert run.outputs["pull-request-operation"] == "created"
        assert run.outputs["pull-request-url"] == "https://ghe.example/octo/models/pull/1"
        assert all(r.path.startswith("/api/v3/") for r in ghes.requests)
