"""sign-commits: the commit made through GitHub's git data API, so that GitHub signs it.

The fake GitHub's git data API works on the tests' real bare origin; its pre-receive hook
refuses every pushed commit, as a ruleset requiring signed commits refuses unsigned ones
(deleting a branch carries no commit and is let through, as on GitHub).
"""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
import test_publish
from git_helpers import git
from github_server import FakeGitHub, Fault, created_then, server_error
from test_publish import BASE_JSON, BRANCH, TOKEN, options, remote_ref, summarize, write_model

from dump_models import github as github_module
from dump_models.errors import DumpModelsError
from dump_models.publish import publish, signed_commit

# The bare origin and the checkout, set up as test_publish sets them up.
remote, work = test_publish.remote, test_publish.work

TRAILER = "Generated-by: dump-models"
RULES_HOOK = """#!/bin/sh
# Refuse any pushed commit, as GitHub does when a ruleset requires verified signatures.
while read old new ref; do
  case "$new" in
    0000000000000000000000000000000000000000) ;;
    *) echo "error: GH013: Repository rule violations found for $ref." >&2
       echo "- Commits must have verified signatures." >&2
       exit 1 ;;
  esac
done
"""


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(github_module, "BACKOFF", 0.01)


@pytest.fixture
def ruled(remote: Path) -> Path:
    """The origin, with the hook refusing unsigned pushes."""
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(RULES_HOOK)
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return remote


@pytest.fixture
def github(ruled: Path):
    """The fake API, its git data API on the origin."""
    with FakeGitHub(token=TOKEN, git_dir=ruled) as fake:
        yield fake


def owned_files(repo: Path, rev: str) -> dict[str, bytes]:
    """``{path: content}`` of the dumps in models/ at ``rev`` (not the change log publish
    makes next to them)."""
    names = git(repo, "ls-tree", "-r", "--name-only", rev, "--", "models").splitlines()
    return {name: _blob(repo, f"{rev}:{name}") for name in names if name != "models/changes.jsonl"}


def worktree_files(work: Path) -> dict[str, bytes]:
    return {
        p.relative_to(work).as_posix(): p.read_bytes()
        for p in sorted((work / "models").rglob("*"))
        if p.is_file()
    }


def _blob(repo: Path, spec: str) -> bytes:
    return subprocess.run(
        ["git", "cat-file", "blob", spec], cwd=repo, capture_output=True, check=True
    ).stdout


def api_calls(github: FakeGitHub, method: str, suffix: str) -> int:
    return sum(1 for r in github.requests if r.method == method and r.path.endswith(suffix))


def test_without_sign_commits_the_rule_refuses_the_push(work, ruled, github):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    with pytest.raises(DumpModelsError):
        publish(options(work, github), summarize)
    assert remote_ref(ruled, BRANCH) is None


def test_lifecycle_with_commits_made_and_signed_by_github(work, ruled, github, capsys):
    main_tip = remote_ref(ruled, "main")
    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "b"}]}\n')
    write_model(work, "mistral.json", '{"data": []}\n')
    write_model(work, "groq.json", '{"data": [{"id": "g"}]}\n')

    created = publish(options(work, github, sign_commits=True), summarize)
    assert created.operation == "created" and created.pr_number == 1
    sha = remote_ref(ruled, BRANCH)
    assert sha == created.head_sha
    assert sha in github.verified_commits
    assert git(ruled, "rev-parse", f"{sha}^") == main_tip  # one commit, on the base tip
    assert owned_files(ruled, sha) == worktree_files(work)
    assert git(ruled, "show", "-s", "--format=%B", sha).splitlines()[-1] == TRAILER
    # Outside the output directory the branch is the base, but for the change log's rule.
    assert git(ruled, "diff", "--name-only", main_tip, sha).split() == [
        ".gitattributes",
        "models/changes.jsonl",
        "models/groq.json",
        "models/mistral.json",
        "models/openai.json",
    ]
    # Blobs for the five files, one tree on the base's tree, one commit, one ref created.
    assert api_calls(github, "POST", "/git/blobs") == 5
    trees = [r.body for r in github.requests if r.path.endswith("/git/trees")]
    assert [t["base_tree"] for t in trees] == [git(ruled, "rev-parse", f"{main_tip}^{{tree}}")]
    commits = [r.body for r in github.requests if r.path.endswith("/git/commits")]
    assert commits == [
        {"message": commits[0]["message"], "tree": commits[0]["tree"], "parents": [main_tip]}
    ]
    assert api_calls(github, "POST", "/git/refs") == 1

    # A file back to the base's content and a change: exact; the branch moves once.
    (work / "models" / "openai.json").write_bytes(BASE_JSON)
    write_model(work, "mistral.json", '{"data": [{"id": "m"}]}\n')
    github.requests.clear()
    updated = publish(options(work, github, sign_commits=True), summarize)
    assert updated.operation == "updated"
    new_sha = remote_ref(ruled, BRANCH)
    assert new_sha == updated.head_sha != sha
    assert new_sha in github.verified_commits
    assert git(ruled, "rev-parse", f"{new_sha}^") == main_tip
    assert owned_files(ruled, new_sha) == worktree_files(work)
    assert owned_files(ruled, new_sha)["models/openai.json"] == BASE_JSON
    assert [(r.method, r.body) for r in github.requests if "/git/refs" in r.path] == [
        ("PATCH", {"sha": new_sha, "force": True})
    ]

    github.requests.clear()
    unchanged = publish(options(work, github, sign_commits=True), summarize)
    assert unchanged.operation == "unchanged" and github.writes() == []

    (work / "models" / "groq.json").unlink()
    (work / "models" / "mistral.json").unlink()
    closed = publish(options(work, github, sign_commits=True), summarize)
    assert closed.operation == "closed"
    assert remote_ref(ruled, BRANCH) is None
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err
    assert TOKEN not in git(ruled, "log", "--all", "-p", "--format=%B")
    assert all(TOKEN not in str(r.body) for r in github.requests)
    assert "warning" not in out.out


def test_push_mode_moves_the_base_by_a_fast_forward(work, ruled, github):
    main_tip = remote_ref(ruled, "main")
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    result = publish(options(work, github, mode="push", sign_commits=True), summarize)
    assert (result.operation, result.branch) == ("none", "main")
    assert remote_ref(ruled, "main") == result.head_sha
    assert result.head_sha in github.verified_commits
    assert git(ruled, "rev-parse", f"{result.head_sha}^") == main_tip
    assert owned_files(ruled, "main") == worktree_files(work)
    refs = [(r.method, r.body) for r in github.requests if "/git/refs" in r.path]
    assert refs == [("PATCH", {"sha": result.head_sha, "force": False})]
    assert github.pulls == []


def test_push_mode_rebuilds_when_github_says_the_base_moved(work, ruled, github, capsys):
    refused = Fault(422, {"message": "Update is not a fast forward"})
    github.inject("PATCH", r"/git/refs/heads/main$", refused)
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    result = publish(options(work, github, mode="push", sign_commits=True), summarize)
    assert remote_ref(ruled, "main") == result.head_sha
    assert "origin moved" in capsys.readouterr().out
    assert api_calls(github, "PATCH", "/git/refs/heads/main") == 2


def test_lost_answers_on_the_way_are_ridden_out(work, ruled, github):
    github.inject("POST", r"/git/blobs$", server_error(502))
    github.inject("POST", r"/git/commits$", created_then(502))
    github.inject("POST", r"/git/refs$", created_then(502))  # the branch was in fact created
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    result = publish(options(work, github, sign_commits=True), summarize)
    assert result.operation == "created"
    assert remote_ref(ruled, BRANCH) == result.head_sha
    assert owned_files(ruled, result.head_sha) == worktree_files(work)
    assert github.pending_faults() == 0


def test_many_files_are_sent_as_several_trees(work, ruled, github, monkeypatch):
    monkeypatch.setattr(signed_commit, "TREE_CHUNK", 2)
    for name in ("groq", "mistral", "xai", "cohere", "cerebras"):
        write_model(work, f"{name}.json", f'{{"data": [{{"id": "{name}"}}]}}\n')
    result = publish(options(work, github, sign_commits=True), summarize)
    assert owned_files(ruled, result.head_sha) == worktree_files(work)
    trees = [r.body for r in github.requests if r.path.endswith("/git/trees")]
    assert [len(t["tree"]) for t in trees] == [2, 2, 2, 1]  # 5 dumps, the log and its rule
    # Each part is laid over the tree the previous part made.
    assert trees[0]["base_tree"] == git(ruled, "rev-parse", "main^{tree}")
    assert trees[1]["base_tree"] != trees[0]["base_tree"]


def test_a_file_over_the_api_limit_is_refused_before_anything_is_written(
    work, ruled, github, monkeypatch
):
    monkeypatch.setattr(signed_commit, "MAX_BLOB_BYTES", 1024)
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    write_model(work, "together.json", "[" + "0," * 1000 + "0]\n")
    with pytest.raises(DumpModelsError) as caught:
        publish(options(work, github, sign_commits=True), summarize)
    message = str(caught.value)
    assert "\n" not in message and "models/together.json" in message and "sign-commits" in message
    assert caught.value.exit_code == 1
    assert github.writes() == []
    assert remote_ref(ruled, BRANCH) is None


def test_a_commit_github_did_not_sign_is_a_warning(work, ruled, github, capsys):
    github.signing = False  # e.g. GitHub Enterprise Server without a web commit signing key
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    result = publish(options(work, github, sign_commits=True), summarize)
    assert result.operation == "created"
    warnings = [line for line in capsys.readouterr().out.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "did not sign" in warnings[0]


def test_dry_run_with_sign_commits_writes_nothing(work, ruled, github, capsys):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    result = publish(options(work, github, sign_commits=True, dry_run=True), summarize)
    assert result.operation == "none"
    assert github.writes() == [] and remote_ref(ruled, BRANCH) is None
    assert "GitHub's API" in capsys.readouterr().out


def test_sign_commits_in_push_mode_needs_a_token(work, github):
    with pytest.raises(DumpModelsError) as caught:
        publish(options(work, github, mode="push", sign_commits=True, token=None), summarize)
    assert caught.value.exit_code == 2 and "sign-commits" in str(caught.value)


def test_the_cli_option_reaches_publish(work, ruled, github, monkeypatch, capsys):
    from dump_models.cli import main

    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    monkeypatch.chdir(work)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", github.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", github.repository)
    assert main(["publish", "--sign-commits"]) == 0, capsys.readouterr()
    assert remote_ref(ruled, BRANCH) in github.verified_commits


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("INPUT_SIGN-COMMITS", "true", True),
        ("INPUT_SIGN_COMMITS", "TRUE", True),  # act's spelling
        ("INPUT_SIGN-COMMITS", "", False),
        ("INPUT_SIGN-COMMITS", "false", False),
    ],
)
def test_the_action_input(variable, value, expected):
    from dump_models.inputs import from_environment

    assert from_environment({variable: value}).sign_commits is expected


def test_a_bad_action_input_is_a_usage_error():
    from dump_models.inputs import from_environment

    with pytest.raises(DumpModelsError) as caught:
        from_environment({"INPUT_SIGN-COMMITS": "yes"})
    assert caught.value.exit_code == 2 and "sign-commits" in str(caught.value)
