"""The git wrapper against real repositories in tmp_path."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from git_helpers import GITHUB_REFUSALS, refusing_hook
from git_helpers import git as sh
from git_http_server import GitHTTPServer

from dump_models import secrets
from dump_models.git import Git, GitError, Identity, auth_header, in_transit, push_refusal

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


def stored(repo: Path, sha: str) -> bool:
    """Whether the object is in ``repo``'s object store."""
    return subprocess.run(["git", "cat-file", "-e", sha], cwd=repo).returncode == 0


def test_worktree_changes_are_what_git_add_would_stage_read_privately(repo):
    git = Git(repo)
    (repo / "models" / "a.json").write_text('{"x": 1}\n')  # modified
    (repo / "models" / "b.json").write_text("[]\n")  # untracked
    (repo / "models" / "sub").mkdir()
    (repo / "models" / "sub" / "c.json").write_text("{}\n")
    (repo / "models" / "scratch.tmp").write_text("ignored\n")
    (repo / ".gitignore").write_text("*.tmp\n")
    (repo / "README.md").write_text("dirty, but outside models\n")
    (repo / "stray.json").write_text("outside\n")
    status = sh(repo, "status", "--porcelain")
    assert git.worktree_changes("models") == ["models/a.json", "models/b.json", "models/sub/c.json"]
    assert sh(repo, "status", "--porcelain") == status  # the user's index is untouched
    # Reading writes no object: a stray file's bytes never reach the object store.
    assert not stored(repo, sh(repo, "hash-object", "models/b.json"))

    (repo / "models" / "a.json").write_text("{}\n")  # back to HEAD's bytes: not a change
    (repo / "models" / "b.json").unlink()
    sh(repo, "rm", "-q", "--cached", "models/a.json")  # the user's index says otherwise
    assert git.worktree_changes("models") == ["models/sub/c.json"]
    (repo / "models" / "a.json").unlink()
    assert git.worktree_changes("models") == ["models/a.json", "models/sub/c.json"]


def test_worktree_changes_with_an_unborn_head(tmp_path):
    fresh = tmp_path / "fresh"
    sh(tmp_path, "init", "-q", str(fresh))
    (fresh / "models").mkdir()
    (fresh / "models" / "a.json").write_text("{}\n")
    assert Git(fresh).worktree_changes("models") == ["models/a.json"]
    assert Git(fresh).worktree_changes("absent") == []


def test_blob_entries_and_tree_with_lay_only_those_files_over_a_base(repo):
    git = Git(repo)
    base = sh(repo, "rev-parse", "HEAD")
    (repo / "models" / "a.json").write_text('{"x": 1}\n')
    (repo / "models" / "b.json").write_text("[]\n")
    (repo / "models" / "debug.env").write_text("KEY=secret\n")
    (repo / "README.md").write_text("dirty\n")
    status = sh(repo, "status", "--porcelain")
    entries = git.blob_entries(["models/b.json", "models/a.json"])
    assert sorted((e.mode, e.path) for e in entries) == [
        ("100644", "models/a.json"),
        ("100644", "models/b.json"),
    ]
    assert not stored(repo, sh(repo, "hash-object", "models/debug.env"))
    tree = git.tree_with(base, entries)
    assert sh(repo, "status", "--porcelain") == status
    assert sh(repo, "ls-tree", "-r", "--name-only", tree).split() == [
        "README.md",
        "models/a.json",
        "models/b.json",
    ]
    assert git.blob(tree, "README.md") == b"hi\n"  # the dirty README is not taken
    assert git.blob(tree, "models/a.json") == b'{"x": 1}\n'
    assert git.tree_with(base, []) == git.tree_of(base)
    empty = git.tree_with(None, [])
    assert sh(repo, "ls-tree", empty) == ""
    assert sh(repo, "ls-tree", "--name-only", git.tree_with(None, entries)) == "models"


def test_commit_push_and_delete(repo):
    git = Git(repo)
    base = sh(repo, "rev-parse", "HEAD")
    (repo / "models" / "a.json").write_text("[1]\n")
    tree = git.tree_with(base, git.blob_entries(["models/a.json"]))
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


TRAILER = "Generated-by: dump-models"


@pytest.mark.parametrize(
    ("message", "subject", "others"),
    [
        ("Update models", "Update models", {}),
        ("Update models\n", "Update models", {}),
        ("Fix: a title that looks like a trailer", "Fix: a title that looks like a trailer", {}),
        ("Update\n\nbody text\n", "Update", {}),
        ("Update\n\nbody\n---\nbelow a divider", "Update", {}),
        ("Update\n\nCo-authored-by: A <a@example.com>", "Update",
         {"Co-authored-by": ["A <a@example.com>"]}),
        (f"Update\n\n{TRAILER}\n", "Update", {}),
    ],
)  # fmt: skip
def test_add_trailer_is_read_back_by_git(repo, message, subject, others):
    git = Git(repo)
    text = git.add_trailer(message, TRAILER)
    assert text.count(TRAILER) == 1
    sha = git.commit_tree(git.tree_of("HEAD"), "HEAD", text, Identity("Bot", "b@example.com"))
    assert git.trailer_values(sha, "Generated-by") == ["dump-models"]
    assert git.trailer_values(sha, "generated-by") == ["dump-models"]
    assert sh(repo, "log", "-1", "--format=%s", sha) == subject
    for key, values in others.items():
        assert git.trailer_values(sha, key) == values


def test_trailer_values_of_a_commit_without_trailers(repo):
    git = Git(repo)
    assert git.trailer_values("HEAD", "Generated-by") == []
    # The words in the body, not as a trailer, do not count.
    sha = git.commit_tree(
        git.tree_of("HEAD"), "HEAD", "Update\n\nGenerated-by: dump-models, then prose.\nMore.\n",
        Identity("Person", "p@example.com"),
    )  # fmt: skip
    assert git.trailer_values(sha, "Generated-by") == []


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


# -- talking to origin: transient failures, policy refusals, authentication ----------------


@pytest.mark.parametrize(
    ("rule", "lines", "reasons"),
    [
        ("GH006", GITHUB_REFUSALS["GH006"], ("Changes must be made through a pull request.",)),
        ("GH013", GITHUB_REFUSALS["GH013"], ("Changes must be made through a pull request.",
                                             "Commits must have verified signatures.")),
        ("pre-receive hook", ["Pushes need a ticket number in the message"],
         ("Pushes need a ticket number in the message",)),
    ],
)  # fmt: skip
def test_policy_refusal_is_read_and_never_retried(repo, tmp_path, rule, lines, reasons):
    count = refusing_hook(tmp_path / "origin.git", [line.format(branch="update") for line in lines])
    retries: list[str] = []
    git = Git(repo, on_retry=retries.append)
    with pytest.raises(GitError) as caught:
        git.push(sh(repo, "rev-parse", "HEAD"), "update", lease="")
    assert caught.value.refusal is not None
    assert (caught.value.refusal.rule, caught.value.refusal.reasons) == (rule, reasons)
    assert not caught.value.transient
    assert count.read_text() == "run\n"  # one attempt, no retry
    assert retries == []


@pytest.fixture
def http_origin(tmp_path: Path, repo: Path):
    """``repo``'s origin served over smart HTTP below ``/ghe/`` (GitHub Enterprise style)."""
    root = tmp_path / "served"
    (root / "octo").mkdir(parents=True)
    bare = root / "octo" / "models.git"
    sh(tmp_path, "clone", "-q", "--bare", str(tmp_path / "origin.git"), str(bare))
    with GitHTTPServer(root, prefix="/ghe/") as server:
        sh(repo, "remote", "set-url", "origin", server.url + "octo/models.git")
        yield server


def receive_packs(server: GitHTTPServer) -> int:
    return sum(r.method == "POST" and r.path.endswith("/git-receive-pack") for r in server.requests)


def test_push_retries_a_502_from_the_git_server(repo, http_origin):
    http_origin.fail_pushes = 1
    retries: list[str] = []
    git = Git(repo, on_retry=retries.append)
    sha = sh(repo, "rev-parse", "HEAD")
    git.push(sha, "update", lease="")
    assert git.remote_heads("update") == {"update": sha}
    assert receive_packs(http_origin) == 2
    assert len(retries) == 1 and "502" in retries[0] and "again in 1 s" in retries[0]


def test_push_gives_up_after_three_attempts(repo, http_origin):
    http_origin.fail_pushes = 10
    http_origin.fail_status = 503
    retries: list[str] = []
    git = Git(repo, on_retry=retries.append)
    with pytest.raises(GitError) as caught:
        git.push(sh(repo, "rev-parse", "HEAD"), "update", lease="")
    assert caught.value.transient and caught.value.refusal is None
    assert "503" in caught.value.stderr
    assert receive_packs(http_origin) == 3
    assert len(retries) == 2
    assert git.remote_heads("update") == {}


def test_a_4xx_from_the_git_server_is_not_retried(repo, http_origin):
    http_origin.fail_pushes = 10
    http_origin.fail_status = 403
    git = Git(repo)
    with pytest.raises(GitError) as caught:
        git.push(sh(repo, "rev-parse", "HEAD"), "update", lease="")
    assert not caught.value.transient
    assert receive_packs(http_origin) == 1


def test_token_reaches_the_server_only_as_the_scoped_extraheader(repo, http_origin):
    expected = "basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    http_origin.require_authorization = expected
    config = (repo / ".git" / "config").read_text()
    # GitHub Enterprise Server: the server URL has a path, and the header is scoped to it.
    git = Git(repo, token=TOKEN, server_url=http_origin.url.rstrip("/"))
    sha = sh(repo, "rev-parse", "HEAD")
    git.push(sha, "update", lease="")
    assert git.remote_heads("update") == {"update": sha}
    assert http_origin.requests
    assert all(r.authorization == [expected] for r in http_origin.requests)
    for request in http_origin.requests:
        assert TOKEN not in request.path and expected.split()[1] not in request.path
    assert (repo / ".git" / "config").read_text() == config
    assert TOKEN not in sh(repo, "remote", "get-url", "origin")

    # The same host outside the server's path gets no header.
    http_origin.requests.clear()
    outside = http_origin.url.replace("/ghe/", "/elsewhere/") + "octo/models.git"
    sh(repo, "remote", "set-url", "origin", outside)
    with pytest.raises(GitError):
        git.remote_heads("update")
    assert [r.authorization for r in http_origin.requests] == [[]]


@pytest.mark.parametrize(
    "stderr",
    [
        "error: RPC failed; HTTP 502 curl 22 The requested URL returned error: 502\n"
        "send-pack: unexpected disconnect while reading sideband packet\n"
        "fatal: the remote end hung up unexpectedly",
        "fatal: unable to access 'https://github.com/o/r/': The requested URL returned error: 503",
        "fatal: the remote end hung up unexpectedly",
        "fatal: early EOF",
        "error: RPC failed; curl 56 OpenSSL SSL_read: Connection reset by peer, errno 104",
        "fatal: unable to access 'https://github.com/o/r/': Failed to connect to github.com "
        "port 443 after 130000 ms: Connection timed out",
    ],
)
def test_failures_in_transit(stderr):
    assert in_transit(stderr) and push_refusal(stderr) is None


@pytest.mark.parametrize(
    "stderr",
    [
        "remote: Permission to o/r.git denied to github-actions[bot].\nfatal: unable to access "
        "'https://github.com/o/r/': The requested URL returned error: 403",
        "error: RPC failed; HTTP 413 curl 22 The requested URL returned error: 413\n"
        "fatal: the remote end hung up unexpectedly",
        " ! [rejected]        update -> update (stale info)",
        " ! [rejected]        main -> main (fetch first)",
        "fatal: 'origin' does not appear to be a git repository",
        "fatal: unable to access 'http://127.0.0.1:9/o/r.git/': Failed to connect to 127.0.0.1 "
        "port 9 after 0 ms: Couldn't connect to server",
    ],
)
def test_answers_that_are_not_in_transit(stderr):
    assert not in_transit(stderr)


def test_github_refusal_words_as_github_prints_them():
    stderr = (
        "remote: error: GH006: Protected branch update failed for refs/heads/main.        \n"
        "remote: error: Changes must be made through a pull request. Required status check "
        '"Build" is expected.        \n'
        "To https://github.com/octo/models\n"
        " ! [remote rejected] main -> main (protected branch hook declined)\n"
        "error: failed to push some refs to 'https://github.com/octo/models'"
    )
    refusal = push_refusal(stderr)
    assert refusal is not None and refusal.rule == "GH006"
    assert refusal.reasons == (
        'Changes must be made through a pull request. Required status check "Build" is expected.',
    )
    assert not in_transit(stderr)
