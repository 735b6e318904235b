"""publish(): real git against a bare remote in tmp_path, the fake GitHub API on loopback."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from git_helpers import GITHUB_REFUSALS, clone, git, refusing_hook, seeded_origin
from git_http_server import GitHTTPServer
from github_server import FakeGitHub

from dump_models import secrets
from dump_models.errors import DumpModelsError
from dump_models.git import GitError
from dump_models.github import GitHubError
from dump_models.publish import (
    TRAILER,
    FileChange,
    PublishOptions,
    PublishText,
    owned_paths,
    publish,
)
from dump_models.publish.failures import (
    FIX_CONTENTS_WRITE,
    FIX_PR_PERMISSION,
    FIX_SAFE_DIRECTORY,
    FIX_TOKEN,
    describe_failure,
)

TOKEN = "ghs_CANARY" + "7" * 30
BRANCH = "dump-models/update"
BASE_JSON = b'{"data": [{"id": "a"}]}\n'


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare origin whose main holds README.md and models/openai.json."""
    return seeded_origin(tmp_path, {"models/openai.json": BASE_JSON, "README.md": "hello\n"})


@pytest.fixture
def work(tmp_path: Path, remote: Path) -> Path:
    """The checkout publish runs in, with origin = the bare remote."""
    return clone(tmp_path, remote)


@pytest.fixture
def github():
    with FakeGitHub(token=TOKEN) as fake:
        yield fake


def summarize(changes: list[FileChange]) -> PublishText:
    names = ", ".join(c.path for c in changes if c.provider)  # the dumps, not the change log
    return PublishText(f"Update LLM model listings ({names})", f"Changed: {names}", "Update models")


def options(work: Path, github: FakeGitHub, **kwargs) -> PublishOptions:
    kwargs.setdefault("token", TOKEN)
    return PublishOptions(
        workspace=work, api_url=github.url, repository=github.repository, **kwargs
    )


def remote_ref(remote: Path, branch: str) -> str | None:
    out = git(remote, "for-each-ref", "--format=%(objectname)", f"refs/heads/{branch}")
    return out or None


def write_model(work: Path, name: str, text: str) -> None:
    (work / "models" / name).write_text(text)


def test_lifecycle_created_updated_unchanged_closed(work, remote, github, capsys):
    (work / "README.md").write_text("local edit, not ours to commit\n")
    (work / "notes.txt").write_text("untracked\n")
    write_model(work, "openai.json", '{"data": [{"id": "a"}, {"id": "b"}]}\n')
    write_model(work, "mistral.json", '{"data": []}\n')
    status_before = git(work, "status", "--porcelain")
    head_before = git(work, "rev-parse", "HEAD")
    main_tip = remote_ref(remote, "main")
    seen: list[list[FileChange]] = []

    def spy(changes):
        seen.append(changes)
        return summarize(changes)

    created = publish(options(work, github, labels=("models",)), spy)
    assert created.operation == "created"
    assert created.pr_number == 1
    assert created.pr_url == f"https://github.com/{github.repository}/pull/1"
    assert created.branch == BRANCH
    assert remote_ref(remote, BRANCH) == created.head_sha
    # The summary saw exactly the JSON files that differ, relative to the output dir (and
    # the change log publish made from them: docs/history.md).
    assert sorted((c.path, c.old, c.new) for c in seen[0] if c.provider) == [
        ("mistral.json", None, b'{"data": []}\n'),
        ("openai.json", BASE_JSON, b'{"data": [{"id": "a"}, {"id": "b"}]}\n'),
    ]
    assert [c.path for c in seen[0] if not c.provider] == ["changes.jsonl"]
    # One commit on the base tip, holding the output dir's changes only (and the log's rule).
    assert git(remote, "rev-parse", f"{created.head_sha}^") == main_tip
    changed = git(remote, "diff", "--name-only", main_tip, created.head_sha).split()
    assert changed == [
        ".gitattributes",
        "models/changes.jsonl",
        "models/mistral.json",
        "models/openai.json",
    ]
    assert git(remote, "log", "-1", "--format=%an <%ae>|%s", created.head_sha) == (
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>|Update models"
    )
    # The user's checkout is exactly as it was: HEAD, index, dirty and untracked files.
    assert git(work, "status", "--porcelain") == status_before
    assert git(work, "rev-parse", "HEAD") == head_before
    assert (work / "README.md").read_text() == "local edit, not ours to commit\n"
    pull = github.pulls[0]
    assert pull["head"]["ref"] == BRANCH and pull["base"]["ref"] == "main"
    assert pull["title"] == "Update LLM model listings (mistral.json, openai.json)"
    assert pull["draft"] is False
    assert [x["name"] for x in pull["labels"]] == ["models"]

    write_model(work, "openai.json", '{"data": [{"id": "c"}]}\n')
    updated = publish(options(work, github), summarize)
    assert updated.operation == "updated"
    assert updated.pr_number == 1
    assert updated.head_sha != created.head_sha
    assert remote_ref(remote, BRANCH) == updated.head_sha
    assert git(remote, "rev-parse", f"{updated.head_sha}^") == main_tip
    assert len(github.pulls) == 1
    # The body as rendered, then the hidden marker of the content (docs/risk.md).
    assert github.pulls[0]["body"].startswith("Changed: mistral.json, openai.json\n\n<!-- ")
    assert github.requests[-1].method == "PATCH"

    github.requests.clear()
    unchanged = publish(options(work, github), summarize)
    assert unchanged.operation == "unchanged"
    assert (unchanged.pr_number, unchanged.head_sha) == (1, updated.head_sha)
    assert github.writes() == []
    assert remote_ref(remote, BRANCH) == updated.head_sha

    (work / "models" / "mistral.json").unlink()
    (work / "models" / "openai.json").write_bytes(BASE_JSON)
    closed = publish(options(work, github), summarize)
    assert closed.operation == "closed"
    assert closed.pr_number == 1
    assert github.pulls[0]["state"] == "closed"
    assert remote_ref(remote, BRANCH) is None

    github.requests.clear()
    assert publish(options(work, github), summarize).operation == "none"
    assert github.writes() == []

    # The canary: nowhere in config, commits, the PR, or anything printed.
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err
    assert TOKEN not in (work / ".git" / "config").read_text()
    assert TOKEN not in git(remote, "log", "--all", "-p", "--format=%B")
    assert all(TOKEN not in (p["body"] + p["title"]) for p in github.pulls)


def test_a_dump_deleted_from_the_checkout_is_not_committed_as_a_deletion(work, remote, github):
    (work / "models" / "openai.json").unlink()
    emitted: list[str] = []
    result = publish(options(work, github), summarize, emit=emitted.append)
    assert result.operation == "none"
    assert remote_ref(remote, BRANCH) is None and github.writes() == []
    [warning] = [line for line in emitted if line.startswith("warning: ")]
    assert "openai.json" in warning and "never deletes" in warning


def test_no_change_and_no_pull_request_is_none(work, github):
    result = publish(options(work, github), summarize)
    assert result.operation == "none"
    assert github.writes() == []


def test_base_moved_between_runs_rebuilds_on_new_tip(work, remote, github, tmp_path):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    first = publish(options(work, github), summarize)
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(remote), str(other))
    (other / "README.md").write_text("moved on\n")
    git(other, "commit", "--quiet", "-am", "someone else")
    git(other, "push", "--quiet", "origin", "main")

    second = publish(options(work, github), summarize)
    assert second.operation == "updated"
    assert second.head_sha != first.head_sha
    assert git(remote, "rev-parse", f"{second.head_sha}^") == remote_ref(remote, "main")
    assert git(remote, "show", f"{second.head_sha}:README.md") == "moved on"
    assert len(github.pulls) == 1


def racing_hook(remote: Path, tmp_path: Path, ref: str, new_sha: str) -> Path:
    """A pre-receive hook that, once, moves ``ref`` under the push being received.

    The hook leaves git's quarantine to update the ref for real, so receive-pack then finds
    the ref no longer where the pusher saw it and rejects the push, as with a concurrent push.
    """
    marker = tmp_path / "raced"
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\n"
        f'if [ ! -e "{marker}" ]; then\n'
        f'  touch "{marker}"\n'
        "  env -u GIT_QUARANTINE_PATH -u GIT_OBJECT_DIRECTORY"
        f" -u GIT_ALTERNATE_OBJECT_DIRECTORIES git update-ref {ref} {new_sha}\n"
        "fi\n"
    )
    hook.chmod(0o755)
    return marker


def someone_elses_commit(remote: Path, tmp_path: Path, message: str = "racing commit") -> str:
    """A commit on top of main, present in the remote (on a side branch) but not on main."""
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(remote), str(other))
    (other / "README.md").write_text("raced\n")
    git(other, "commit", "--quiet", "-am", message)
    git(other, "push", "--quiet", "origin", "HEAD:refs/heads/side")
    return git(other, "rev-parse", "HEAD")


def test_push_race_on_update_branch_is_retried(work, remote, github, tmp_path, capsys):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    publish(options(work, github), summarize)
    # Another run of the tool (its commit carries the trailer) pushes under our push.
    racer = someone_elses_commit(remote, tmp_path, f"Update models\n\n{TRAILER}\n")
    marker = racing_hook(remote, tmp_path, f"refs/heads/{BRANCH}", racer)

    write_model(work, "openai.json", '{"data": [{"id": "c"}]}\n')
    result = publish(options(work, github), summarize)
    assert marker.exists()
    assert "origin moved" in capsys.readouterr().out
    assert result.operation == "updated"
    assert remote_ref(remote, BRANCH) == result.head_sha
    assert git(remote, "rev-parse", f"{result.head_sha}^") == remote_ref(remote, "main")
    assert len(github.pulls) == 1


def test_a_replan_renders_again_only_when_the_changes_differ(work, remote, github, tmp_path):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    publish(options(work, github), summarize)
    # Another run of the tool pushes under our push: the base is as it was, so are the changes.
    racer = someone_elses_commit(remote, tmp_path, f"Update models\n\n{TRAILER}\n")
    marker = racing_hook(remote, tmp_path, f"refs/heads/{BRANCH}", racer)
    write_model(work, "openai.json", '{"data": [{"id": "c"}]}\n')
    seen: list[list[FileChange]] = []
    result = publish(options(work, github), lambda c: seen.append(c) or summarize(c))
    assert marker.exists() and result.operation == "updated"
    assert len(seen) == 1


def test_a_base_that_moved_under_the_push_is_rendered_against_again(work, remote, tmp_path):
    # Someone changes openai.json on main while we push onto it: our change is now against
    # their content, and the text says so.
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(remote), str(other))
    (other / "models" / "openai.json").write_text('{"data": [{"id": "theirs"}]}\n')
    git(other, "commit", "--quiet", "-am", "theirs")
    git(other, "push", "--quiet", "origin", "HEAD:refs/heads/side")
    marker = racing_hook(remote, tmp_path, "refs/heads/main", git(other, "rev-parse", "HEAD"))
    write_model(work, "openai.json", '{"data": [{"id": "ours"}]}\n')
    seen: list[list[FileChange]] = []
    opts = PublishOptions(workspace=work, mode="push")
    result = publish(opts, lambda c: seen.append(c) or summarize(c))
    assert marker.exists()
    assert [[c.old for c in changes if c.provider] for changes in seen] == [
        [BASE_JSON],
        [b'{"data": [{"id": "theirs"}]}\n'],
    ]
    assert (
        git(remote, "show", f"{result.head_sha}:models/openai.json") == '{"data": [{"id": "ours"}]}'
    )


def test_push_mode_commits_onto_base_and_retries_a_race(work, remote, github, tmp_path):
    racer = someone_elses_commit(remote, tmp_path)
    marker = racing_hook(remote, tmp_path, "refs/heads/main", racer)
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    emitted: list[str] = []

    result = publish(options(work, github, mode="push"), summarize, emit=emitted.append)
    assert marker.exists()
    # No pull request in push mode, so no `created` (a workflow would echo an empty PR URL):
    # the push shows as the pushed sha on the base branch.
    assert (result.operation, result.pr_number, result.pr_url) == ("none", None, None)
    assert result.branch == "main"
    assert f"pushed {result.head_sha} to main" in emitted
    assert remote_ref(remote, "main") == result.head_sha
    assert git(remote, "rev-parse", f"{result.head_sha}^") == racer
    assert git(remote, "show", f"{result.head_sha}:README.md") == "raced"
    assert remote_ref(remote, BRANCH) is None
    assert github.requests == []  # push mode never calls the API

    git(work, "checkout", "--quiet", "--", "models")  # the same content now is on main
    git(work, "pull", "--quiet", "--ff-only", "origin", "main")
    again = publish(options(work, github, mode="push"), summarize)
    assert (again.operation, again.head_sha) == ("none", None)
    assert remote_ref(remote, "main") == result.head_sha


def test_dry_run_changes_nothing_and_prints_the_body(work, remote, github, capsys):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    remote_refs = git(remote, "for-each-ref")
    local_refs = git(work, "for-each-ref")
    emitted: list[str] = []

    result = publish(options(work, github, dry_run=True), summarize, emit=emitted.append)
    assert result.operation == "none"
    assert github.writes() == []
    assert git(remote, "for-each-ref") == remote_refs
    assert git(work, "for-each-ref") == local_refs
    assert not (work / ".git" / "FETCH_HEAD").exists()
    text = "\n".join(emitted)
    assert "would open a pull request" in text
    assert "Update LLM model listings (openai.json)" in text
    assert "Changed: openai.json" in text

    # With an open PR and nothing left to publish, it says it would close it.
    github.add_pull(BRANCH)
    (work / "models" / "openai.json").write_bytes(BASE_JSON)
    emitted.clear()
    result = publish(options(work, github, mode="none"), summarize, emit=emitted.append)
    assert (result.operation, result.pr_number) == ("none", 1)
    assert any("would close pull request #1" in line for line in emitted)
    assert github.writes() == []


def test_dry_run_needs_neither_token_nor_repository(work, remote):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    emitted: list[str] = []
    result = publish(PublishOptions(workspace=work, dry_run=True), summarize, emit=emitted.append)
    assert result.operation == "none"
    assert "Changed: openai.json" in emitted
    assert remote_ref(remote, BRANCH) is None


def test_mode_none_outside_a_repository_is_none(tmp_path):
    result = publish(PublishOptions(workspace=tmp_path, mode="none"), summarize, emit=print)
    assert result.operation == "none"


def test_labels_and_reviewers_refusal_is_a_warning(work, github):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    emitted: list[str] = []
    opts = options(work, github, labels=("models", "bot"), reviewers=("alice", "ghost"), draft=True)
    result = publish(opts, summarize, emit=emitted.append)
    assert result.operation == "created"
    pull = github.pulls[0]
    assert pull["draft"] is True
    assert [x["name"] for x in pull["labels"]] == ["models", "bot"]
    warnings = [line for line in emitted if line.startswith("warning: ")]
    assert len(warnings) == 1 and "ghost" in warnings[0]


def test_create_answering_already_exists_updates_that_pull(work, github):
    github.add_pull(BRANCH, title="old")
    github.stale_lists = 1  # our look-up misses it, as when another run just opened it
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    result = publish(options(work, github), summarize)
    assert (result.operation, result.pr_number) == ("updated", 1)
    assert len(github.pulls) == 1
    assert github.pulls[0]["title"] == "Update LLM model listings (openai.json)"


def test_actions_not_permitted_to_create_pull_requests(work, github):
    github.forbid_create = True
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    with pytest.raises(DumpModelsError) as caught:
        publish(options(work, github), summarize)
    message = str(caught.value)
    assert caught.value.exit_code == 1
    assert FIX_PR_PERMISSION in message
    assert "\n" not in message


def test_bad_token_is_one_redacted_line(work, github):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    wrong = "ghs_CANARYwrong" + "8" * 20
    with pytest.raises(DumpModelsError) as caught:
        publish(options(work, github, token=wrong), summarize)
    message = str(caught.value)
    assert FIX_TOKEN in message and "Bad credentials" in message
    assert wrong not in message


def test_api_error_echoing_the_token_is_redacted(work, github):
    class Echo(FakeGitHub):
        def handle(self, method, path, query, body):
            return 500, {"message": f"boom, your token was {TOKEN}"}

    with Echo(token=TOKEN) as echo:
        with pytest.raises(DumpModelsError) as caught:
            publish(options(work, echo), summarize)
    assert "boom" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_unreachable_origin_is_one_redacted_line(work, github, capsys):
    git(work, "remote", "set-url", "origin", "http://127.0.0.1:9/octo/models.git")
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    opts = options(work, github, base="main", server_url="http://127.0.0.1:9")
    with pytest.raises(DumpModelsError) as caught:
        publish(opts, summarize)
    message = str(caught.value)
    assert message.startswith("publishing failed: git ls-remote")
    assert "\n" not in message and TOKEN not in message
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, list[str]]] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.seen.append((self.path, self.headers.get_all("Authorization") or []))
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_git_sends_one_token_header_and_does_not_persist_it(work, github):
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        git(work, "remote", "set-url", "origin", f"{url}/octo/models.git")
        # What actions/checkout leaves behind: a header for the same server, in .git/config.
        git(work, "config", f"http.{url}/.extraheader", "AUTHORIZATION: basic c3RhbGU=")
        config_before = (work / ".git" / "config").read_text()
        with pytest.raises(DumpModelsError) as caught:
            publish(options(work, github, base="main", server_url=url), summarize)
    finally:
        server.shutdown()
        server.server_close()
    expected = "basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    path, headers = _Recorder.seen[0]
    assert path.startswith("/octo/models.git/info/refs?service=git-upload-pack")
    assert headers == [expected]
    assert (work / ".git" / "config").read_text() == config_before
    message = str(caught.value)
    assert "returned error: 403" in message and FIX_CONTENTS_WRITE in message
    assert TOKEN not in message and expected.split()[1] not in message


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand the checkout to another uid")
def test_workspace_owned_by_another_user(work, remote, github):
    subprocess.run(["chown", "-R", "nobody", str(work)], check=True)
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    result = publish(options(work, github), summarize)
    assert result.operation == "created"
    assert "safe" not in (work / ".git" / "config").read_text()


@pytest.mark.parametrize(
    ("error", "fix"),
    [
        (GitError(["status"], 128, "fatal: detected dubious ownership in repository at '/w'"),
         FIX_SAFE_DIRECTORY),
        (GitError(["push"], 128,
                  "remote: Permission to octo/models.git denied to github-actions[bot].\n"
                  "fatal: unable to access 'https://github.com/octo/models/': "
                  "The requested URL returned error: 403"),
         FIX_CONTENTS_WRITE),
        (GitHubError("POST", "/repos/o/r/pulls", 403,
                     "GitHub Actions is not permitted to create or approve pull requests."),
         FIX_PR_PERMISSION),
        (GitHubError("GET", "/repos/o/r", 401, "Bad credentials"), FIX_TOKEN),
    ],
)  # fmt: skip
def test_known_failures_get_their_fix(error, fix):
    message = describe_failure(error)
    assert message.endswith(f"(fix: {fix})")
    assert "\n" not in message


def test_repository_not_found_advice(work, github):
    opts = PublishOptions(
        workspace=work, token=TOKEN, api_url=github.url, repository="octo/missing"
    )
    with pytest.raises(DumpModelsError) as caught:
        publish(opts, summarize)
    assert "GITHUB_REPOSITORY" in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"mode": "pr"}, "publish mode"),
        ({"repository": None}, "repository"),
        ({"token": None}, "token"),
        ({"output_dir": "../elsewhere"}, "inside the workspace"),
        ({"output_dir": "."}, "subdirectory"),
        ({"branch": "main", "base": "main"}, "must not be the base"),
    ],
)
def test_bad_options(work, github, kwargs, needle):
    opts = options(work, github, **{k: v for k, v in kwargs.items() if k != "repository"})
    if "repository" in kwargs:
        opts = PublishOptions(workspace=work, token=TOKEN, repository=None)
    with pytest.raises(DumpModelsError, match=needle):
        publish(opts, summarize)


def test_nested_output_dir_paths_are_relative_to_it(work, remote, github):
    (work / "data" / "llm").mkdir(parents=True)
    (work / "data" / "llm" / "groq.json").write_text("[]\n")
    seen: list[list[FileChange]] = []
    opts = options(work, github, output_dir="data/llm", providers=("groq",))
    result = publish(opts, lambda changes: seen.append(changes) or summarize(changes))
    assert result.operation == "created"
    assert [c.path for c in seen[0]] == ["groq.json"]
    assert git(remote, "show", f"{result.head_sha}:data/llm/groq.json") == "[]"


def test_branch_already_pushed_but_no_open_pull_opens_one(work, remote, github):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    first = publish(options(work, github), summarize)
    # The create failed last time. (Closed by a person: not proposed again, test_risk_publish.)
    github.pulls.clear()
    second = publish(options(work, github), summarize)
    assert (second.operation, second.pr_number) == ("created", 1)
    assert second.head_sha == first.head_sha == remote_ref(remote, BRANCH)


def test_shallow_detached_checkout_like_actions_checkout(work, remote, github, tmp_path):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    publish(options(work, github), summarize)
    (work / "README.md").write_text("base moved\n")
    git(work, "commit", "--quiet", "-am", "base moved")
    git(work, "push", "--quiet", "origin", "main")

    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "--quiet", "--depth=1", f"file://{remote}", str(shallow))
    git(shallow, "checkout", "--quiet", "--detach")
    (shallow / "models" / "openai.json").write_text('{"data": [{"id": "c"}]}\n')
    result = publish(options(shallow, github), summarize)
    assert result.operation == "updated"
    assert git(remote, "rev-parse", f"{result.head_sha}^") == remote_ref(remote, "main")
    assert git(shallow, "rev-parse", "--is-shallow-repository") == "true"


def test_refused_push_is_not_retried_and_is_redacted(work, remote, github, capsys):
    hook = remote / "hooks" / "pre-receive"
    # A server that echoes the credential back: the message must still not carry it.
    hook.write_text(
        f"#!/bin/sh\necho 'Permission to octo/models.git denied ({TOKEN})' >&2\nexit 1\n"
    )
    hook.chmod(0o755)
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    with pytest.raises(DumpModelsError) as caught:
        publish(options(work, github), summarize)
    message = str(caught.value)
    assert message.startswith(f"publishing failed: origin refused the push to {BRANCH}")
    assert "pre-receive hook" in message and "Permission to octo/models.git denied" in message
    assert TOKEN not in message and "\n" not in message
    out = capsys.readouterr()
    assert "origin moved" not in out.out
    assert TOKEN not in out.out + out.err
    assert github.writes() == []


def push_from_clone(remote: Path, tmp_path: Path, name: str, files: dict[str, str]) -> str:
    """Someone else's commit on main, pushed from a clone of its own: its sha."""
    clone = tmp_path / name
    git(tmp_path, "clone", "--quiet", str(remote), str(clone))
    for path, text in files.items():
        (clone / path).parent.mkdir(parents=True, exist_ok=True)
        (clone / path).write_text(text)
    git(clone, "add", "--all")
    git(clone, "commit", "--quiet", "-m", f"by {name}")
    git(clone, "push", "--quiet", "origin", "main")
    return git(clone, "rev-parse", "HEAD")


def test_files_this_run_did_not_change_come_from_the_moved_base(work, remote, github, tmp_path):
    # Commit A, the checkout's HEAD: other.json and gone.json, *.tmp ignored.
    push_from_clone(
        remote,
        tmp_path,
        "a",
        {
            "models/other.json": '{"data": [{"id": "old"}]}\n',
            "models/gone.json": '{"data": []}\n',
            ".gitignore": "*.tmp\n",
        },
    )
    git(work, "pull", "--quiet", "--ff-only", "origin", "main")
    # Commit B on base after the checkout (the previous update PR merged, say).
    b = push_from_clone(
        remote,
        tmp_path,
        "b",
        {"models/other.json": '{"data": [{"id": "new"}]}\n', "README.md": "moved on\n"},
    )
    # The run: openai.json modified, mistral.json new, gone.json deleted, a scratch file ignored.
    write_model(work, "openai.json", '{"data": [{"id": "ours"}]}\n')
    write_model(work, "mistral.json", '{"data": []}\n')
    (work / "models" / "gone.json").unlink()
    write_model(work, "scratch.tmp", "ignored\n")
    seen: list[list[FileChange]] = []

    opts = options(work, github, providers=("openai", "mistral", "other", "gone"))
    result = publish(opts, lambda c: seen.append(c) or summarize(c))
    assert result.operation == "created"
    assert git(remote, "rev-parse", f"{result.head_sha}^") == b
    show = lambda path: git(remote, "show", f"{result.head_sha}:{path}")  # noqa: E731
    assert show("models/other.json") == '{"data": [{"id": "new"}]}'  # B's, not reverted
    assert show("README.md") == "moved on"
    assert show("models/openai.json") == '{"data": [{"id": "ours"}]}'
    assert show("models/mistral.json") == '{"data": []}'
    assert git(remote, "ls-tree", "-r", "--name-only", result.head_sha, "models").split() == [
        "models/changes.jsonl",
        "models/gone.json",  # deleted here, but the tool never deletes a dump
        "models/mistral.json",
        "models/openai.json",
        "models/other.json",
    ]
    # summarize sees what differs between the base tip and the committed tree.
    assert sorted(c.path for c in seen[0]) == ["changes.jsonl", "mistral.json", "openai.json"]
    assert git(remote, "diff", "--name-only", "--no-renames", b, result.head_sha).split() == [
        ".gitattributes",
        "models/changes.jsonl",
        "models/mistral.json",
        "models/openai.json",
    ]


def test_unchanged_checkout_of_an_old_base_publishes_nothing(work, remote, github, tmp_path):
    push_from_clone(remote, tmp_path, "b", {"models/openai.json": '{"data": [{"id": "new"}]}\n'})
    result = publish(options(work, github), summarize)  # HEAD is the old main, nothing written
    assert result.operation == "none"
    assert remote_ref(remote, BRANCH) is None and github.writes() == []


def test_unborn_head_lays_the_whole_output_dir_over_the_base(remote, github, tmp_path):
    fresh = tmp_path / "fresh"
    git(tmp_path, "init", "--quiet", "-b", "main", str(fresh))
    git(fresh, "remote", "add", "origin", str(remote))
    (fresh / "models").mkdir()
    write_model(fresh, "mistral.json", '{"data": []}\n')  # openai.json absent: kept
    result = publish(options(fresh, github), summarize)
    assert result.operation == "created"
    assert git(remote, "ls-tree", "-r", "--name-only", result.head_sha).split() == [
        "README.md",
        "models/mistral.json",
        "models/openai.json",
    ]


def test_stale_update_branch_without_a_pull_request_is_deleted(work, remote, github, capsys):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    first = publish(options(work, github), summarize)
    github.pulls[0]["state"] = "closed"  # closed by hand
    (work / "models" / "openai.json").write_bytes(BASE_JSON)  # and nothing to publish now

    emitted: list[str] = []
    dry = publish(options(work, github, dry_run=True), summarize, emit=emitted.append)
    assert dry.operation == "none"
    assert any(f"would delete {BRANCH}" in line for line in emitted)
    assert remote_ref(remote, BRANCH) == first.head_sha
    github.requests.clear()
    assert publish(options(work, github, mode="none"), summarize).operation == "none"
    assert remote_ref(remote, BRANCH) == first.head_sha

    result = publish(options(work, github), summarize)
    assert (result.operation, result.pr_number) == ("none", None)  # `closed` is for a PR
    assert remote_ref(remote, BRANCH) is None
    assert github.writes() == []
    assert github.pulls[0]["state"] == "closed"


def test_custom_author_is_author_and_committer(work, remote, github):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    author = "  Model Bot <models@example.com> "
    result = publish(options(work, github, author=author), summarize)
    assert git(remote, "log", "-1", "--format=%an|%ae|%cn|%ce", result.head_sha) == (
        "Model Bot|models@example.com|Model Bot|models@example.com"
    )
    pushed = publish(options(work, github, mode="push", author=author), summarize)
    assert git(remote, "log", "-1", "--format=%an|%ae|%cn|%ce", pushed.head_sha) == (
        "Model Bot|models@example.com|Model Bot|models@example.com"
    )


@pytest.mark.parametrize(
    "author",
    ["robot", "robot <>", "<bot@example.com>", "robot <bot>", "robot <bot@example.com> x",
     "robot <a b@example.com>", "robot\n <bot@example.com>", ""],
)  # fmt: skip
def test_bad_author_is_a_usage_error(work, remote, github, author):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    with pytest.raises(DumpModelsError) as caught:
        publish(options(work, github, author=author, dry_run=True), summarize)
    message = str(caught.value)
    assert caught.value.exit_code == 2
    assert "\n" not in message
    assert "Name <email>" in message and "--author" in message
    assert remote_ref(remote, BRANCH) is None and github.writes() == []


def test_secrets_in_the_summary_are_redacted_before_sending(work, remote, github, capsys):
    canary = "sk-CANARY" + "9" * 24
    secrets.register(canary)

    def leaky(changes):
        return PublishText(
            f"Update {canary}", f"body {canary}", f"commit {canary}\n\nmore {canary}"
        )

    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    publish(options(work, github, dry_run=True), leaky)
    result = publish(options(work, github), leaky)
    pull = github.pulls[0]
    assert (pull["title"], pull["body"].split("\n")[0]) == ("Update ***", "body ***")
    assert canary not in pull["body"]
    assert git(remote, "log", "-1", "--format=%B", result.head_sha) == (
        f"commit ***\n\nmore ***\n\n{TRAILER}"
    )
    for request in github.requests:
        assert canary not in json.dumps(request.body)
    assert canary not in capsys.readouterr().out

    opts = options(work, github, mode="push", title=f"t {canary}", commit_message=f"m {canary}")
    pushed = publish(opts, leaky)
    assert git(remote, "log", "-1", "--format=%B", pushed.head_sha) == f"m ***\n\n{TRAILER}"


# -- the update branch is the tool's own: recognised by its trailer -------------------------


def persons_branch(remote: Path, tmp_path: Path, branch: str, *, on: str = "main") -> str:
    """A person's commit (no trailer) pushed to ``branch`` on top of ``on``: its sha."""
    clone = tmp_path / f"person-{branch.replace('/', '-')}"
    git(tmp_path, "clone", "--quiet", "--branch", on, str(remote), str(clone))
    (clone / "models" / "openai.json").write_text('{"data": [{"id": "by hand"}]}\n')
    git(clone, "commit", "--quiet", "-am", "Fix the listing by hand")
    git(clone, "push", "--quiet", "origin", f"HEAD:refs/heads/{branch}")
    return git(clone, "rev-parse", "HEAD")


def assert_refusal(caught, branch: str, tip: str, doing: str) -> None:
    message = str(caught.value)
    assert caught.value.exit_code == 1
    assert "\n" not in message
    assert message.startswith(f"refusing to {doing} {branch}: its tip {tip[:12]} ")
    assert "merge or delete it, or set another `branch`" in message


def test_commits_carry_the_trailer_with_any_message(work, remote, github):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    made = publish(options(work, github), summarize)
    assert git(remote, "log", "-1", "--format=%B", made.head_sha) == f"Update models\n\n{TRAILER}"
    trailers = "--format=%(trailers:key=Generated-by,valueonly)"
    assert git(remote, "log", "-1", trailers, made.head_sha) == "dump-models"

    write_model(work, "openai.json", '{"data": [{"id": "c"}]}\n')
    message = "chore: models\n\nCo-authored-by: A <a@example.com>"
    custom = publish(options(work, github, commit_message=message), summarize)
    assert git(remote, "log", "-1", "--format=%B", custom.head_sha) == f"{message}\n{TRAILER}"

    pushed = publish(options(work, github, mode="push", commit_message="Straight"), summarize)
    assert git(remote, "log", "-1", "--format=%B", pushed.head_sha) == f"Straight\n\n{TRAILER}"


def test_a_persons_commit_on_the_update_branch_is_never_force_pushed(
    work, remote, github, tmp_path
):
    tip = persons_branch(remote, tmp_path, BRANCH)  # no pull request open
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    with pytest.raises(DumpModelsError) as caught:
        publish(options(work, github), summarize)
    assert_refusal(caught, BRANCH, tip, "overwrite")
    assert remote_ref(remote, BRANCH) == tip
    assert github.writes() == []


@pytest.mark.parametrize("branch", [BRANCH, "develop"])
def test_nothing_to_publish_never_deletes_a_persons_branch(work, remote, github, tmp_path, branch):
    tip = persons_branch(remote, tmp_path, branch)
    with pytest.raises(DumpModelsError) as caught:
        publish(options(work, github, branch=branch), summarize)
    assert_refusal(caught, branch, tip, "delete")
    assert remote_ref(remote, branch) == tip
    assert github.writes() == []


def test_branch_develop_with_changes_is_not_overwritten(work, remote, github, tmp_path):
    tip = persons_branch(remote, tmp_path, "develop")
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    with pytest.raises(DumpModelsError) as caught:
        publish(options(work, github, branch="develop"), summarize)
    assert_refusal(caught, "develop", tip, "overwrite")
    assert remote_ref(remote, "develop") == tip


def test_a_fix_pushed_to_the_bots_pull_request_is_kept(work, remote, github, tmp_path):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    first = publish(options(work, github), summarize)
    fix = persons_branch(remote, tmp_path, BRANCH, on=BRANCH)  # on top of the bot's commit
    assert git(remote, "rev-parse", f"{fix}^") == first.head_sha
    github.requests.clear()

    write_model(work, "openai.json", '{"data": [{"id": "c"}]}\n')
    with pytest.raises(DumpModelsError) as caught:
        publish(options(work, github), summarize)
    assert_refusal(caught, BRANCH, fix, "overwrite")
    assert remote_ref(remote, BRANCH) == fix
    assert github.writes() == []

    # Nothing to publish any more: the pull request is not closed, the branch not deleted.
    (work / "models" / "openai.json").write_bytes(BASE_JSON)
    with pytest.raises(DumpModelsError) as caught:
        publish(options(work, github), summarize)
    assert_refusal(caught, BRANCH, fix, "delete")
    assert remote_ref(remote, BRANCH) == fix
    assert github.open_pulls() and github.writes() == []

    # A dry run says the same as a warning, and still shows the would-be pull request.
    write_model(work, "openai.json", '{"data": [{"id": "c"}]}\n')
    emitted: list[str] = []
    dry = publish(options(work, github, dry_run=True), summarize, emit=emitted.append)
    assert dry.operation == "none"
    assert any(line.startswith(f"warning: refusing to overwrite {BRANCH}") for line in emitted)
    assert not any(line.startswith("would push") for line in emitted)
    assert "would update pull request #1: Update LLM model listings (openai.json)" in emitted
    assert "Changed: openai.json" in emitted


def test_a_race_to_a_persons_commit_is_caught_by_the_lease(work, remote, github, tmp_path):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    publish(options(work, github), summarize)
    racer = someone_elses_commit(remote, tmp_path)  # a person's, no trailer
    marker = racing_hook(remote, tmp_path, f"refs/heads/{BRANCH}", racer)

    write_model(work, "openai.json", '{"data": [{"id": "c"}]}\n')
    with pytest.raises(DumpModelsError) as caught:
        publish(options(work, github), summarize)
    assert marker.exists()  # our lease refused the push; the rebuilt round saw the new tip
    assert_refusal(caught, BRANCH, racer, "overwrite")
    assert remote_ref(remote, BRANCH) == racer


# -- only the tool's own files are committed -------------------------------------------------


def test_only_owned_files_are_committed_the_rest_named_in_one_warning(work, remote, github):
    canary = "sk-CANARY-debug-" + "4" * 20
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    write_model(work, "mistral.json", '{"data": []}\n')
    write_model(work, "debug.env", f"OPENAI_API_KEY={canary}\n")
    write_model(work, ".openai.json.abc123.tmp", '{"half": \n')
    write_model(work, "notes.md", "my notes\n")
    (work / "models" / "sub").mkdir()
    write_model(work, "sub/openai.json", "{}\n")  # not the dump: that is models/openai.json
    emitted: list[str] = []
    seen: list[list[FileChange]] = []

    opts = options(work, github, providers=("openai", "mistral"))
    result = publish(opts, lambda c: seen.append(c) or summarize(c), emit=emitted.append)
    assert result.operation == "created"
    files = git(remote, "ls-tree", "-r", "--name-only", result.head_sha).split()
    assert files == [
        ".gitattributes",
        "README.md",
        "models/changes.jsonl",
        "models/mistral.json",
        "models/openai.json",
    ]
    assert sorted(c.path for c in seen[0]) == ["changes.jsonl", "mistral.json", "openai.json"]
    assert "3 changed files in models/ against main" in emitted
    [warning] = [line for line in emitted if line.startswith("warning: ")]
    for name in ("debug.env", ".openai.json.abc123.tmp", "notes.md", "sub/openai.json"):
        assert name in warning
    assert "left alone" in warning
    # The key's bytes reached no object, here or on origin.
    blob = git(work, "hash-object", "models/debug.env")
    for repo in (work, remote):
        assert subprocess.run(["git", "cat-file", "-e", blob], cwd=repo).returncode != 0
    assert canary not in "\n".join(emitted)
    assert (work / "models" / "debug.env").read_text() == f"OPENAI_API_KEY={canary}\n"
    assert "debug.env" in git(work, "status", "--porcelain")  # left alone: still untracked


def test_without_a_provider_list_every_builtin_name_is_owned(work, remote, github):
    write_model(work, "groq.json", "[]\n")
    write_model(work, "acme.json", "[]\n")  # not a built-in provider
    emitted: list[str] = []
    result = publish(options(work, github), summarize, emit=emitted.append)
    files = git(remote, "ls-tree", "-r", "--name-only", result.head_sha, "models").split()
    assert files == ["models/groq.json", "models/openai.json"]
    assert any(line.startswith("warning: ") and "acme.json" in line for line in emitted)


def test_a_dump_that_is_a_symlink_is_never_read(work, remote, github, tmp_path):
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE KEY\n")
    (work / "models" / "openai.json").unlink()
    (work / "models" / "openai.json").symlink_to(secret)
    write_model(work, "mistral.json", '{"data": []}\n')
    emitted: list[str] = []
    result = publish(options(work, github), summarize, emit=emitted.append)
    assert (
        git(remote, "show", f"{result.head_sha}:models/openai.json") == BASE_JSON.decode().strip()
    )
    assert "PRIVATE KEY" not in git(remote, "log", "--all", "-p")
    [warning] = [line for line in emitted if line.startswith("warning: ")]
    assert "openai.json" in warning


def test_odd_file_names_are_shown_escaped(work, github):
    write_model(work, "x\n::error::boom ##[set-output name=a;]b", "{}\n")
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    emitted: list[str] = []
    publish(options(work, github, dry_run=True), summarize, emit=emitted.append)
    [warning] = [line for line in emitted if line.startswith("warning: ")]
    assert "\n" not in warning and "##[" not in warning and "::error" not in warning


@pytest.mark.parametrize(
    ("providers", "owned", "not_owned"),
    [
        (
            ("openai",),
            ["openai.json"],
            ["openai.json.tmp", "sub/openai.json", "debug.env", "openai"],
        ),
        (("a", "b.c"), ["a.json", "b.c.json"], ["b.json", "c.json", ".a.json"]),
    ],
)
def test_owned_paths(providers, owned, not_owned):
    paths = owned_paths(providers)
    assert all(name in paths for name in owned)
    assert not any(name in paths for name in not_owned)


# -- publish: none and --dry-run need neither origin nor the API -----------------------------


@pytest.mark.parametrize("mode", ["dry-run", "none"])
def test_without_origin_a_dry_run_still_prints_the_pull_request(work, github, mode):
    git(work, "remote", "remove", "origin")
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    extra = {"dry_run": True} if mode == "dry-run" else {"mode": "none"}
    emitted: list[str] = []
    result = publish(options(work, github, **extra), summarize, emit=emitted.append)
    assert result.operation == "none"
    warnings = [line for line in emitted if line.startswith("warning: ")]
    assert warnings and all("origin" in line for line in warnings)
    assert "would open a pull request dump-models/update → main: " \
        "Update LLM model listings (openai.json)" in emitted  # fmt: skip
    assert "Changed: openai.json" in emitted
    assert github.writes() == []


def test_dry_run_with_unreachable_api_and_no_branch_on_origin(work, remote, github):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    emitted: list[str] = []
    opts = PublishOptions(
        workspace=work, token=TOKEN, api_url="http://127.0.0.1:9", repository="octo/models",
        dry_run=True, base="release",
    )  # fmt: skip
    result = publish(opts, summarize, emit=emitted.append)
    assert result.operation == "none"
    warnings = [line for line in emitted if line.startswith("warning: ")]
    assert any("release is not on origin" in line for line in warnings)
    assert any("pull request" in line and "127.0.0.1:9" in line for line in warnings)
    assert "would open a pull request dump-models/update → release: " \
        "Update LLM model listings (openai.json)" in emitted  # fmt: skip
    assert all(TOKEN not in line for line in emitted)


def test_dry_run_with_a_refused_token_warns_and_prints(work, github):
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    emitted: list[str] = []
    wrong = "ghs_CANARYwrong" + "6" * 20
    result = publish(
        options(work, github, token=wrong, mode="none"), summarize, emit=emitted.append
    )
    assert result.operation == "none"
    assert any(line.startswith("warning: ") and "Bad credentials" in line for line in emitted)
    assert "Changed: openai.json" in emitted
    assert all(wrong not in line for line in emitted)


def test_dry_run_of_an_unborn_checkout_without_origin(tmp_path):
    fresh = tmp_path / "fresh"
    git(tmp_path, "init", "--quiet", "-b", "main", str(fresh))
    (fresh / "models").mkdir()
    write_model(fresh, "mistral.json", '{"data": []}\n')
    emitted: list[str] = []
    result = publish(PublishOptions(workspace=fresh, dry_run=True), summarize, emit=emitted.append)
    assert result.operation == "none"
    assert "Changed: mistral.json" in emitted


# -- git push against a real smart-HTTP server, and policy refusals --------------------------


def test_push_rides_out_a_502_and_sends_the_token_only_as_a_header(work, remote, github, tmp_path):
    root = tmp_path / "served"
    (root / "octo").mkdir(parents=True)
    git(tmp_path, "clone", "--quiet", "--bare", str(remote), str(root / "octo" / "models.git"))
    expected = "basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    with GitHTTPServer(root, prefix="/ghe/", require_authorization=expected) as server:
        git(work, "remote", "set-url", "origin", server.url + "octo/models.git")
        server.fail_pushes = 1
        write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
        emitted: list[str] = []
        opts = options(work, github, server_url=server.url.rstrip("/"))
        result = publish(opts, summarize, emit=emitted.append)
    assert result.operation == "created"
    served = root / "octo" / "models.git"
    assert remote_ref(served, BRANCH) == result.head_sha
    pushes = [r for r in server.requests if r.path.endswith("/git-receive-pack")]
    assert len(pushes) == 2
    assert all(r.authorization == [expected] for r in server.requests)
    assert all(TOKEN not in r.path for r in server.requests)
    assert TOKEN not in (work / ".git" / "config").read_text()
    retries = [line for line in emitted if "again in 1 s" in line]
    assert len(retries) == 1 and retries[0].startswith("warning: git push failed in transit")
    assert "502" in retries[0]


@pytest.mark.parametrize(
    ("rule", "mode", "branch", "named", "fix"),
    [
        ("GH006", "push", "main", "branch protection (GH006): Changes must be made through a "
         "pull request", "publish through a pull request (`publish: pull-request`)"),
        ("GH006", "pull-request", BRANCH, "branch protection (GH006)",
         "set a `branch` that no branch protection rule covers"),
        ("GH013", "pull-request", BRANCH, "repository rules (GH013): Changes must be made "
         "through a pull request; Commits must have verified signatures",
         "`sign-commits: true`"),
    ],
)  # fmt: skip
def test_github_policy_refusal_is_one_line_with_the_fix(
    work, remote, github, rule, mode, branch, named, fix
):
    lines = [line.format(branch=branch) for line in GITHUB_REFUSALS[rule]]
    count = refusing_hook(remote, lines)
    write_model(work, "openai.json", '{"data": [{"id": "b"}]}\n')
    emitted: list[str] = []
    with pytest.raises(DumpModelsError) as caught:
        publish(options(work, github, mode=mode), summarize, emit=emitted.append)
    message = str(caught.value)
    assert caught.value.exit_code == 1 and "\n" not in message
    assert message.startswith(f"publishing failed: origin refused the push to {branch} by {named}")
    assert "(fix: " in message and fix in message
    assert count.read_text() == "run\n"  # never retried
    assert not any("origin moved" in line or "again in" in line for line in emitted)
    assert github.writes() == []
