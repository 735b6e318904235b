"""The git wrapper against real repositories in tmp_path."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from git_helpers import git as sh

from dump_models import secrets
from dump_models.git import Git, GitError, Identity, auth_header

TOKEN = "ghs_CANARY" + "5" * 30


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A clone of a bare origin (default branch trunk) with models/a.json and README.md."""
    bare = tmp_path / "origin.git"
    sh(tmp_path, "init", "-q", "--bare", "-b", "trunk", str(bare))
    path = tmp_path / "repo"
    sh(tmp_path, "init", "-q", "-b", "trunk", str(path))
    (path / "models").mkdir()
    (path / "models" / "a.json").write_text("{}\n")
    (path / "README.md").write_text("hi\n")
    sh(path, "add", ".")
    sh(path, "commit", "-q", "-m", "seed")
    sh(path, "remote", "add", "origin", str(bare))
    sh(path, "push", "-q", "origin", "trunk")
    return path


def test_auth_header_is_basic_x_access_token():
    encoded = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert auth_header(TOKEN) == f"AUTHORIZATION: basic {encoded}"


def test_token_and_its_header_are_registered_secrets(repo):
    Git(repo, token=TOKEN)
    header = auth_header(TOKEN)
    assert secrets.redact(header) == "AUTHORIZATION: basic ***"
    assert TOKEN not in secrets.redact(f"x {TOKEN} y")


@pytest.mark.parametrize(
    ("text", "name", "email"),
    [
        ("github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
         "github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"),
        ("Jane Doe <jane@example.com>", "Jane Doe", "jane@example.com"),
        ("robot", "robot", ""),
    ],
)  # fmt: skip
def test_identity_parse(text, name, email):
    assert Identity.parse(text) == Identity(name, email)


def test_auth_config_is_per_command_and_resets_the_persisted_header(repo):
    key = "http.https://github.com/.extraheader"
    sh(repo, "config", key, "AUTHORIZATION: basic persisted")
    config = (repo / ".git" / "config").read_text()
    git = Git(repo, token=TOKEN)
    values = git.output("config", "--get-all", key, auth=True).splitlines()
    # The persisted value, then the empty one that resets the list, then ours: git sends one.
    assert values == ["AUTHORIZATION: basic persisted", "", auth_header(TOKEN)]
    assert git.output("config", "--get-all", key).splitlines() == values[:1]
    assert (repo / ".git" / "config").read_text() == config


def test_no_token_no_header(repo):
    git = Git(repo)
    done = git.run("config", "--get-all", "http.https://github.com/.extraheader", auth=True,
                   check=False)  # fmt: skip
    assert done.stdout == ""


def test_reading_the_remote(repo):
    git = Git(repo)
    tip = sh(repo, "rev-parse", "HEAD")
    assert git.toplevel().resolve() == repo.resolve()
    assert git.current_branch() == "trunk"
    assert git.remote_default_branch() == "trunk"
    assert git.remote_heads("trunk", "missing") == {"trunk": tip}
    assert git.has_commit(tip)
    assert not git.has_commit("0" * 40)


def test_tree_with_uses_a_private_index(repo, tmp_path):
    git = Git(repo)
    base = sh(repo, "rev-parse", "HEAD")
    (repo / "models" / "a.json").write_text('{"x": 1}\n')
    (repo / "models" / "b.json").write_text("[]\n")
    (repo / "README.md").write_text("dirty\n")
    status = sh(repo, "status", "--porcelain")
    tree = git.tree_with(base, "models", tmp_path / "index")
    assert sh(repo, "status", "--porcelain") == status
    base_tree = git.tree_of(base)
    assert git.changed_paths(base_tree, tree, "models") == ["models/a.json", "models/b.json"]
    assert git.blob(tree, "README.md") == b"hi\n"  # the dirty README is not taken
    assert git.blob(tree, "models/b.json") == b"[]\n"
    assert git.blob(base_tree, "models/b.json") is None


def test_tree_with_a_removed_directory(repo, tmp_path):
    git = Git(repo)
    base = sh(repo, "rev-parse", "HEAD")
    (repo / "models" / "a.json").unlink()
    (repo / "models").rmdir()
    tree = git.tree_with(base, "models", tmp_path / "index")
    assert sh(repo, "ls-tree", "--name-only", tree) == "README.md"


def test_commit_push_and_delete(repo, tmp_path):
    git = Git(repo)
    base = sh(repo, "rev-parse", "HEAD")
    (repo / "models" / "a.json").write_text("[1]\n")
    tree = git.tree_with(base, "models", tmp_path / "index")
    sha = git.commit_tree(tree, base, "msg", Identity("Bot", "bot@example.com"))
    assert sh(repo, "log", "-1", "--format=%an|%ae|%cn|%s|%P", sha) == (
        f"Bot|bot@example.com|Bot|msg|{base}"
    )
    git.push(sha, "update", lease="")
    assert git.remote_heads("update") == {"update": sha}
    with pytest.raises(GitError, match="stale info"):
        git.push(base, "update", lease="")  # the lease says it must not exist: refused
    git.push(base, "update", lease=sha)
    assert git.remote_heads("update") == {"update": base}
    git.delete_remote_branch("update")
    assert git.remote_heads("update") == {}


def test_git_error_is_redacted_and_one_line(repo):
    git = Git(repo, token=TOKEN)
    with pytest.raises(GitError) as caught:
        git.run("rev-parse", f"no-such-{TOKEN}")
    assert TOKEN not in str(caught.value) and TOKEN not in caught.value.stderr
    assert "\n" not in str(caught.value)


def test_fetch_objects_moves_no_ref(repo, tmp_path):
    other = tmp_path / "other"
    sh(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), str(other))
    (other / "README.md").write_text("newer\n")
    sh(other, "commit", "-q", "-am", "newer")
    sh(other, "push", "-q", "origin", "trunk")
    tip = sh(other, "rev-parse", "HEAD")
    sh(repo, "fetch", "-q", "origin")  # so refs/remotes/origin/* exist, then origin moves again
    (other / "README.md").write_text("newest\n")
    sh(other, "commit", "-q", "-am", "newest")
    sh(other, "push", "-q", "origin", "trunk")
    newest = sh(other, "rev-parse", "HEAD")
    refs = sh(repo, "for-each-ref")
    fetch_head = (repo / ".git" / "FETCH_HEAD").read_text()
    git = Git(repo)
    git.fetch_objects("trunk")
    assert git.has_commit(newest)
    assert sh(repo, "for-each-ref") == refs
    assert sh(repo, "rev-parse", "origin/trunk") == tip
    assert (repo / ".git" / "FETCH_HEAD").read_text() == fetch_head


def test_head_commit_and_unborn_head(repo, tmp_path):
    assert Git(repo).head_commit() == sh(repo, "rev-parse", "HEAD")
    fresh = tmp_path / "fresh"
    sh(tmp_path, "init", "-q", str(fresh))
    assert Git(fresh).head_commit() is None


def test_overlay_takes_only_what_changed_between_the_two_trees(repo, tmp_path):
    git = Git(repo)
    head = sh(repo, "rev-parse", "HEAD")
    # The base moved on: a.json and README.md changed, c.json added, after HEAD.
    (repo / "models" / "a.json").write_text('{"base": 1}\n')
    (repo / "models" / "c.json").write_text("[]\n")
    (repo / "README.md").write_text("base\n")
    sh(repo, "add", ".")
    sh(repo, "commit", "-q", "-m", "base moved")
    base = sh(repo, "rev-parse", "HEAD")
    # HEAD -> worktree: a.json deleted, b.json added (a tree built from HEAD, as publish does).
    sh(repo, "checkout", "-q", head)
    (repo / "models" / "a.json").unlink()
    (repo / "models" / "b.json").write_text('{"b": 1}\n')
    worktree = git.tree_with(head, "models", tmp_path / "one")
    tree = git.overlay(base, git.tree_of(head), worktree, "models", tmp_path / "two")
    assert sh(repo, "ls-tree", "-r", "--name-only", tree).split() == [
        "README.md",
        "models/b.json",
        "models/c.json",
    ]
    assert git.blob(tree, "README.md") == b"base\n"
    assert git.blob(tree, "models/c.json") == b"[]\n"
    # Nothing changed between the two trees: the base as it is.
    same = git.overlay(base, worktree, worktree, "models", tmp_path / "three")
    assert same == git.tree_of(base)


def test_delete_remote_branch_with_a_lease(repo):
    git = Git(repo)
    tip = sh(repo, "rev-parse", "HEAD")
    git.push(tip, "update", lease="")
    with pytest.raises(GitError, match="stale info"):
        git.delete_remote_branch("update", lease="1" * 40)  # it is not where we saw it
    assert git.remote_heads("update") == {"update": tip}
    git.delete_remote_branch("update", lease=tip)
    assert git.remote_heads("update") == {}


def test_run_feeds_stdin(repo):
    git = Git(repo)
    assert git.output("hash-object", "--stdin", stdin="hi\n") == sh(
        repo, "rev-parse", "HEAD:README.md"
    )
