"""The Action with a risk policy (docs/risk.md), end to end: ``entrypoint.py`` as GitHub runs
it, a loopback provider, a real clone of a bare origin and the loopback GitHub (REST and
GraphQL). The verdict reaches the outputs, the job summary, the pull request's body and label,
and auto-merge; a person's "no" is respected."""

from __future__ import annotations

from pathlib import Path

import pytest
from git_helpers import git
from github_server import FakeGitHub
from provider_server import ProviderServer, openai_style
from test_action import KEY, TOKEN, assert_no_secret, run_action

INPUTS = {
    "INPUT_API-KEYS": f"MISTRAL_API_KEY={KEY}\n",
    "INPUT_PUBLISH": "pull-request",
    "INPUT_AUTO-MERGE": "low",
    "INPUT_MERGE-METHOD": "merge",
}
FIRST = [
    {"id": "mistral-large-2411", "max_context_length": 131072},
    {"id": "mistral-small-2402", "max_context_length": 32768},
    {"id": "codestral-2405", "max_context_length": 32768},
]


@pytest.fixture
def listing():
    return [dict(model) for model in FIRST]


@pytest.fixture
def github():
    with FakeGitHub(token=TOKEN, repository="octo/models") as fake:
        yield fake


@pytest.fixture
def workspace(tmp_path: Path, listing):
    """A clone whose main holds the config, source naming mistral models (near misses too)
    and mistral's first listing, as merged from an earlier pull request."""
    with ProviderServer() as server:
        server.route("/v1/models", openai_style(listing, key=KEY))
        remote = tmp_path / "remote.git"
        git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
        ws = tmp_path / "workspace"
        git(tmp_path, "clone", "--quiet", str(remote), str(ws))
        git(ws, "checkout", "--quiet", "-b", "main")
        files = {
            ".github/dump-models.yml": (
                f"providers:\n  mistral: {{endpoint: '{server.url}/v1'}}\n"
                "settings: {retries: 0, timeout: 5}\n"
                "usage:\n  paths: ['app/**']\n"
                "risk:\n  labels: {low: 'models: boring', high: 'models: look'}\n"
            ),
            "app/llm.py": (
                'CHAT = "mistral-small-2402"\nNEXT = "mistral-small-2402-v2"\n'
                "# mistral-small-2402x\n"
            ),
        }
        for path, text in files.items():
            (ws / path).parent.mkdir(parents=True, exist_ok=True)
            (ws / path).write_text(text)
        git(ws, "add", ".")
        git(ws, "commit", "--quiet", "-m", "initial")
        git(ws, "push", "--quiet", "origin", "main")
        yield ws


def merged(ws: Path) -> None:
    """What the pull request proposed is now on main (as after a merge), checked out fresh."""
    git(ws, "add", "models")
    git(ws, "commit", "--quiet", "-m", "merge the update")
    git(ws, "push", "--quiet", "origin", "main")


def labels(github: FakeGitHub, number: int) -> list[str]:
    return [x["name"] for x in github.pulls[number - 1]["labels"]]


def test_a_low_update_gets_auto_merge_and_says_low(workspace, github):
    run = run_action(workspace, INPUTS, github=github)

    assert run.returncode == 0, run.stdout + run.stderr
    assert (run.outputs["risk"], run.outputs["risk-reasons"]) == ("low", "")
    assert run.outputs["pull-request-operation"] == "created"
    pull = github.pulls[0]
    assert pull["body"].startswith(
        "## Model listing changes\n\n**Risk: low**: no rule of the risk policy matched.\n"
    )
    assert labels(github, 1) == ["models: boring"]
    assert [(name, v["mergeMethod"]) for name, v in github.auto_merge_mutations] == [
        ("enablePullRequestAutoMerge", "MERGE")
    ]
    head = git(workspace, "ls-remote", "origin", "refs/heads/dump-models/update").split()[0]
    assert github.auto_merge_mutations[0][1]["expectedHeadOid"] == head
    assert "**Risk: low**" in run.summary
    assert_no_secret(run, workspace)


def test_a_high_update_names_its_reasons_and_places_and_waits_for_a_person(
    workspace, github, listing
):
    run_action(workspace, {**INPUTS, "INPUT_AUTO-MERGE": "never"}, github=github)
    merged(workspace)
    github.close_pull(1, merged=True)
    head = git(workspace, "rev-parse", "HEAD")
    del listing[1]  # mistral-small-2402 is retired, and app/llm.py still uses it

    run = run_action(workspace, INPUTS, github=github)

    assert run.returncode == 0, run.stdout + run.stderr
    reason = "mistral: mistral-small-2402 removed, still in use (1 place)"
    assert (run.outputs["risk"], run.outputs["risk-reasons"]) == ("high", reason)
    assert run.outputs["pull-request-operation"] == "created"
    pull = github.pulls[1]
    body = pull["body"].splitlines()
    assert body[2:5] == [
        "**Risk: high**: 1 reason; a person should look before this is merged.",
        "",
        f"- {reason}",
    ]
    url = f"https://github.com/octo/models/blob/{head}/app/llm.py#L1"
    assert f"- mistral: mistral-small-2402 (removed): [app/llm.py:1]({url})" in body
    assert labels(github, 2) == ["models: look"]
    assert github.auto_merge_mutations == []  # high: auto-merge stays off
    assert "**Risk: high**" in run.summary and reason in run.summary
    assert_no_secret(run, workspace)


def test_a_repository_without_auto_merge_is_a_warning_and_a_green_step(workspace, github):
    github.auto_merge_allowed = False
    run = run_action(workspace, INPUTS, github=github)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.outputs["pull-request-operation"] == "created"
    warnings = [line for line in run.stdout.splitlines() if "auto-merge not enabled" in line]
    assert len(warnings) == 1
    assert "Settings → General → Pull Requests → Allow auto-merge" in warnings[0]
    assert github.pulls[0]["auto_merge"] is None


def test_a_pull_request_closed_by_a_person_is_not_opened_again(workspace, github, listing):
    first = run_action(workspace, INPUTS, github=github)
    assert first.outputs["pull-request-operation"] == "created"
    github.close_pull(1, merged=False)

    again = run_action(workspace, INPUTS, github=github)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.outputs["pull-request-operation"] == "declined"
    assert again.outputs["pull-request-number"] == "1"
    assert len(github.pulls) == 1

    listing.append({"id": "ministral-8b-2410", "max_context_length": 131072})
    later = run_action(workspace, INPUTS, github=github)
    assert later.outputs["pull-request-operation"] == "created"
    assert later.outputs["pull-request-number"] == "2"


def test_a_dry_run_shows_the_verdict_it_would_publish(workspace, github):
    run = run_action(workspace, {**INPUTS, "INPUT_DRY-RUN": "true"}, github=github)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "**Risk: low**: no rule of the risk policy matched." in run.stdout
    assert run.outputs["risk"] == "low" and github.writes() == []
