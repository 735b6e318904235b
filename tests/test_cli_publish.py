"""``dump-models run`` then ``dump-models publish`` from the CLI: the PR says what changed."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from git_helpers import git
from git_http_server import GitHTTPServer
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
        # The config is not committed; the change log (and its merge rule) is.
        assert files.splitlines() == [
            ".gitattributes",
            "models/changes.jsonl",
            "models/openrouter.json",
        ]
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


def test_publish_commits_only_the_configured_providers_files(checkout, monkeypatch, capsys):
    (checkout / ".github").mkdir()
    (checkout / ".github/dump-models.yml").write_text(
        "providers:\n  openrouter: {}\n  acme: {endpoint: 'https://acme.example/v1'}\n"
    )
    models = checkout / "models"
    (models / "openrouter.json").write_text(json.dumps(openrouter_doc("0.00000055")) + "\n")
    (models / "acme.json").write_text('{"data": [{"id": "acme-1"}]}\n')
    (models / "openai.json").write_text('{"data": []}\n')  # a built-in the config does not list
    (models / "debug.env").write_text(f"OPENROUTER_API_KEY={KEY}\n")
    with FakeGitHub(token=TOKEN) as github:
        monkeypatch.chdir(checkout)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", github.url)
        monkeypatch.setenv("GITHUB_REPOSITORY", github.repository)
        assert main(["publish"]) == 0
    out = capsys.readouterr().out
    files = git(checkout, "show", "--name-only", "--format=", "origin/dump-models/update")
    assert files.splitlines() == [
        ".gitattributes",
        "models/acme.json",
        "models/changes.jsonl",
        "models/openrouter.json",
    ]
    assert "3 changed files in models/ against main" in out
    [warning] = [line for line in out.splitlines() if line.startswith("warning: ")]
    assert "debug.env" in warning and "openai.json" in warning
    assert KEY not in out


def test_publish_owns_the_providers_of_an_lc_config(checkout, monkeypatch, capsys):
    (checkout / "lc.toml").write_text('[providers.local]\nendpoint = "http://127.0.0.1:9/v1"\n')
    (checkout / "models/local.json").write_text('{"data": [{"id": "llama"}]}\n')
    monkeypatch.chdir(checkout)
    assert main(["publish", "--dry-run", "--lc-config", "lc.toml"]) == 0
    out = capsys.readouterr().out
    assert "2 changed files in models/ against main" in out  # local.json and the log
    assert '"provider":"local","model":"llama","type":"model_added"' in out
    assert "warning: " not in out
    assert main(["publish", "--dry-run"]) == 0  # without it, local.json is not the tool's
    assert "local.json (not dump-models' files: left alone)" in capsys.readouterr().out


def test_the_actions_providers_subset_does_not_shrink_what_is_committed(tmp_path):
    from test_action import TOKEN as ACTION_TOKEN
    from test_action import run_action

    with ProviderServer() as provider, FakeGitHub(token=ACTION_TOKEN) as github:
        provider.route("/v1/models", lambda r: Reply(200, {"data": [{"id": "m-1"}]}))
        remote = tmp_path / "remote.git"
        git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
        work = tmp_path / "workspace"
        git(tmp_path, "clone", "-q", str(remote), str(work))
        (work / ".github").mkdir()
        (work / ".github/dump-models.yml").write_text(
            "providers:\n"
            f"  mistral: {{endpoint: '{provider.url}/v1', auth: none}}\n"
            f"  acme: {{endpoint: '{provider.url}/v1', auth: none}}\n"
        )
        git(work, "add", ".")
        git(work, "commit", "-qm", "seed")
        git(work, "push", "-q", "origin", "HEAD:main")
        # An earlier step of the job wrote acme's dump and left a scratch file.
        (work / "models").mkdir()
        (work / "models/acme.json").write_text('{"data": [{"id": "a-1"}]}\n')
        (work / "models/scratch.txt").write_text("notes\n")

        run = run_action(work, {"INPUT_PROVIDERS": "mistral"}, github=github)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.outputs["pull-request-operation"] == "created"
    files = git(remote, "show", "--name-only", "--format=", "dump-models/update")
    assert files.splitlines() == [
        ".gitattributes",
        "models/acme.json",
        "models/changes.jsonl",
        "models/mistral.json",
    ]
    assert "scratch.txt (not dump-models' files: left alone)" in run.stdout
    # In the Action, publish's warnings are annotations, not plain lines.
    [annotation] = [line for line in run.stdout.splitlines() if "scratch.txt" in line]
    assert annotation.startswith("::warning title=dump-models%3A publish::"), annotation


def test_ghes_server_url_scopes_the_token_header_and_a_502_is_ridden_out(
    checkout, tmp_path, monkeypatch, capsys
):
    root = tmp_path / "served"
    (root / "octo").mkdir(parents=True)
    git(
        tmp_path,
        "clone",
        "-q",
        "--bare",
        str(tmp_path / "origin.git"),
        str(root / "octo/models.git"),
    )
    basic = "basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    (checkout / "models/openrouter.json").write_text('{"data": []}\n')
    with (
        GitHTTPServer(root, prefix="/ghe/", require_authorization=basic) as server,
        FakeGitHub(token=TOKEN) as github,
    ):
        server.fail_pushes = 1
        git(checkout, "remote", "set-url", "origin", server.url + "octo/models.git")
        monkeypatch.chdir(checkout)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", github.url)
        monkeypatch.setenv("GITHUB_REPOSITORY", github.repository)
        monkeypatch.setenv("GITHUB_SERVER_URL", server.url)  # http://127.0.0.1:PORT/ghe/
        assert main(["publish"]) == 0
    out = capsys.readouterr().out
    assert "publish: created" in out
    assert "warning: git push failed in transit" in out and "502" in out
    assert all(request.authorization == [basic] for request in server.requests)
    assert all(TOKEN not in request.path for request in server.requests)
    assert TOKEN not in (checkout / ".git/config").read_text() and TOKEN not in out


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
