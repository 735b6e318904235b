"""``dump-models run`` then ``dump-models publish`` from the CLI: the PR says what changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from git_helpers import git
from github_server import FakeGitHub
from provider_server import ProviderServer, Reply

from dump_models.cli import main

TOKEN = "ghs_CANARY_cli_publish_token"
KEY = "sk-CANARY-cli-publish-key"


def openrouter_doc(prompt: str, extra: list[dict] = ()) -> dict:
    models = [
        {
            "id": "deepseek/deepseek-chat-v3.1",
            "name": "DeepSeek V3.1",
            "context_length": 163840,
            "pricing": {"prompt": prompt, "completion": "0.000001"},
        },
        *extra,
    ]
    return {"data": models, "links": {"next": None}}


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(bare), str(work))
    (work / "models").mkdir()
    (work / "models/openrouter.json").write_text(
        json.dumps({"data": openrouter_doc("0.00000025")["data"]}, indent=2) + "\n"
    )
    git(work, "add", ".")
    git(work, "commit", "-qm", "seed")
    git(work, "push", "-q", "origin", "main")
    return work


def test_run_then_publish_opens_a_pr_that_says_what_changed(checkout, monkeypatch, capsys):
    with ProviderServer() as provider, FakeGitHub(token=TOKEN) as github:
        provider.route(
            "/api/v1/models",
            lambda r: Reply(
                200, openrouter_doc("0.00000055", [{"id": "meta/muse", "name": "Muse @octocat"}])
            ),
        )
        (checkout / ".github").mkdir()
        (checkout / ".github/dump-models.yml").write_text(
            f"providers:\n  openrouter:\n    endpoint: {provider.url}/api/v1\n"
        )
        monkeypatch.chdir(checkout)
        monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", github.url)
        monkeypatch.setenv("GITHUB_REPOSITORY", github.repository)

        assert main(["run"]) == 0
        assert main(["publish", "--dry-run"]) == 0
        dry = capsys.readouterr().out
        assert github.writes() == []
        assert "Update LLM model listings: +1 −0 ~1 (openrouter)" in dry
        assert "0.25" in dry and "0.55" in dry and "+120%" in dry

        assert (
            main(["publish", "--labels", "models", "--author", "Dump Bot <bot@example.com>"]) == 0
        )
        out = capsys.readouterr().out
        [pull] = github.open_pulls()
        assert pull["title"] == "Update LLM model listings: +1 −0 ~1 (openrouter)"
        body = pull["body"]
        assert "deepseek/deepseek-chat-v3.1" in body and "+120%" in body
        assert "meta/muse" in body and "@octocat" not in body  # cannot ping
        assert "publish: created" in out
        files = git(checkout, "show", "--name-only", "--format=", "origin/dump-models/update")
        assert files.splitlines() == ["models/openrouter.json"]  # the config is not committed
        who = git(
            checkout, "log", "--format=%an <%ae>|%cn <%ce>", "-1", "origin/dump-models/update"
        )
        assert who == "Dump Bot <bot@example.com>|Dump Bot <bot@example.com>"
        log = git(checkout, "log", "--format=%B", "-1", "origin/dump-models/update")
        for text in (body, out, dry, log, (checkout / ".git/config").read_text()):
            assert "CANARY" not in text


def test_publish_outside_github_without_token_is_one_line(checkout, monkeypatch, capsys):
    (checkout / "models/openrouter.json").write_text('{"data": []}\n')
    monkeypatch.chdir(checkout)
    assert main(["publish"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "GITHUB_REPOSITORY=owner/name" in err and "--dry-run" in err


def test_a_file_only_reformatted_gets_an_honest_title(checkout, monkeypatch, capsys):
    path = checkout / "models/openrouter.json"
    path.write_text(json.dumps(json.loads(path.read_text())) + "\n")  # same data, one line
    monkeypatch.chdir(checkout)
    assert main(["publish", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Update LLM model listings: canonical form of openrouter" in out


@pytest.mark.parametrize("flag", ["--branch", "--base"])
@pytest.mark.parametrize(
    "name", ["a..b", "-x", "x.lock", "a/.x", "/x", "x/", "a//b", "x.", "x\n", "a b", "a:b", "@{u}"]
)
def test_a_branch_name_git_would_refuse_is_one_line_and_exit_2(
    checkout, monkeypatch, capsys, flag, name
):
    monkeypatch.chdir(checkout)
    assert main(["publish", "--dry-run", f"{flag}={name}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{flag} " in err and "not a valid branch name" in err, err
