"""The change log and its feeds, written by publish in the same commit as the dumps.

Real git with a bare origin and the fake GitHub API on loopback, as tests/test_publish.py.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import feedparser
import jsonfeed
import pytest
from git_helpers import clone, git, seeded_origin
from github_server import FakeGitHub
from history_helpers import listing_text, openrouter_model
from test_publish import TOKEN, remote_ref, summarize

from dump_models.change_report import render_changes
from dump_models.events import LOG_NAME, event_line, read_log, union_merge_rule, utc_timestamp
from dump_models.history import history_events
from dump_models.providers import builtin_registry
from dump_models.publish import FileChange, PublishOptions, publish, publish_branch
from dump_models.publish.checkout import open_checkout

T1, T2, T3, T4 = 1767326400, 1767412800, 1767499200, 1767585600  # 2026-01-02..05 04:00 UTC
TS1, TS2, TS3, TS4 = (
    "2026-01-02T04:00:00Z",
    "2026-01-03T04:00:00Z",
    "2026-01-04T04:00:00Z",
    "2026-01-05T04:00:00Z",
)
BRANCH = "dump-models/update"
LOG = f"models/{LOG_NAME}"
RULE = "/models/changes.jsonl merge=union"
PROVIDERS = ("openrouter", "mistral")


def base_models() -> list[dict]:
    return [openrouter_model("a/one"), openrouter_model("b/two")]


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare origin whose main holds README.md and models/openrouter.json (two models)."""
    return seeded_origin(
        tmp_path,
        {"models/openrouter.json": listing_text(base_models()), "README.md": "hello\n"},
    )


@pytest.fixture
def work(tmp_path: Path, remote: Path) -> Path:
    return clone(tmp_path, remote)


@pytest.fixture
def github():
    with FakeGitHub(token=TOKEN) as fake:
        yield fake


def options(work: Path, github: FakeGitHub, when: int, **kwargs) -> PublishOptions:
    kwargs.setdefault("providers", PROVIDERS)
    return PublishOptions(
        workspace=work,
        api_url=github.url,
        repository=github.repository,
        token=TOKEN,
        run_time=when,
        **kwargs,
    )


def write(work: Path, name: str, models: list[dict]) -> None:
    (work / "models" / name).write_text(listing_text(models))


def shown(repo: Path, rev: str, path: str) -> bytes | None:
    done = subprocess.run(
        ["git", "cat-file", "blob", f"{rev}:{path}"], cwd=repo, capture_output=True
    )
    return done.stdout if done.returncode == 0 else None


def lines(data: bytes | None) -> list[dict]:
    return [json.loads(line) for line in (data or b"").splitlines() if line.strip()]


def what(data: bytes | None) -> list[tuple]:
    """The log's events without their values: (ts, provider, model, type, field)."""
    return [(e["ts"], e["provider"], e["model"], e["type"], e.get("field")) for e in lines(data)]


def person_clone(tmp_path: Path, remote: Path, name: str) -> Path:
    path = tmp_path / name
    git(tmp_path, "clone", "--quiet", str(remote), str(path))
    return path


def merge_pull(tmp_path: Path, remote: Path, github: FakeGitHub, branch: str, name: str) -> None:
    """A person merges the update branch's pull request (a merge commit), and GitHub closes
    it and deletes the branch."""
    clone = person_clone(tmp_path, remote, name)
    git(clone, "merge", "--quiet", "--no-ff", "-m", f"Merge {branch}", f"origin/{branch}")
    git(clone, "push", "--quiet", "origin", "main", f":{branch}")
    for pull in github.pulls:
        if pull["head"]["ref"] == branch:
            pull["state"] = "closed"


REPRICED_AND_ADDED = [
    openrouter_model("a/one", prompt="0.0000005"),
    openrouter_model("b/two"),
    openrouter_model("c/three"),
]


# -- the log in the same commit as the dumps ------------------------------------------------


def test_the_log_is_committed_with_the_dumps_computed_against_the_base(work, remote, github):
    main_tip = remote_ref(remote, "main")
    write(work, "openrouter.json", REPRICED_AND_ADDED)
    seen: list[list[FileChange]] = []
    result = publish(
        options(work, github, T1), lambda c: seen.append(c) or summarize(c), emit=lambda _: None
    )
    assert result.operation == "created"
    tip = result.head_sha
    assert git(remote, "rev-parse", f"{tip}^") == main_tip  # one commit: dumps, log, rule
    assert git(remote, "diff", "--name-only", main_tip, tip).split() == [
        ".gitattributes",
        LOG,
        "models/openrouter.json",
    ]
    assert what(shown(remote, tip, LOG)) == [
        (TS1, "openrouter", "a/one", "price_changed", "input_price"),
        (TS1, "openrouter", "c/three", "model_added", None),
    ]
    [repriced, added] = lines(shown(remote, tip, LOG))
    assert (repriced["old"], repriced["new"]) == ("0.25", "0.5")
    assert added["new"]["input_price"] == "0.25" and added["new"]["context_length"] == 131072
    assert shown(remote, tip, ".gitattributes") == f"{RULE}\n".encode()
    # The renderer gets the log as a file derived from the dumps: no provider.
    assert [(c.path, c.provider) for c in seen[0]] == [
        (LOG_NAME, None),
        ("openrouter.json", "openrouter"),
    ]


def test_the_pull_request_body_says_how_many_events_were_logged(work, remote, github):
    write(work, "openrouter.json", REPRICED_AND_ADDED)
    render = partial(render_changes, spec_for=builtin_registry().get)
    publish(options(work, github, T1), render, emit=lambda _: None)
    body = github.pulls[0]["body"]
    assert "2 change events logged in `changes.jsonl`" in body
    assert body.startswith("## Model listing changes\n\n**1** provider,")  # not the log


def test_rebuilding_the_rolling_pr_never_repeats_a_line_and_keeps_its_time(
    work, remote, github, tmp_path
):
    write(work, "openrouter.json", REPRICED_AND_ADDED)
    first = publish(options(work, github, T1), summarize, emit=lambda _: None)
    expected = [
        (TS1, "openrouter", "a/one", "price_changed", "input_price"),
        (TS1, "openrouter", "c/three", "model_added", None),
    ]
    assert what(shown(remote, first.head_sha, LOG)) == expected

    # The same content a day later: nothing to push, the events keep the first run's time.
    again = publish(options(work, github, T2), summarize, emit=lambda _: None)
    assert again.operation == "unchanged" and again.head_sha == first.head_sha

    # The base moved (not under models/): rebuilt on it, still the same events and time.
    other = person_clone(tmp_path, remote, "other")
    (other / "README.md").write_text("moved on\n")
    git(other, "commit", "--quiet", "-am", "someone else")
    git(other, "push", "--quiet", "origin", "main")
    rebuilt = publish(options(work, github, T3), summarize, emit=lambda _: None)
    assert rebuilt.operation == "updated"
    assert git(remote, "rev-parse", f"{rebuilt.head_sha}^") == remote_ref(remote, "main")
    assert what(shown(remote, rebuilt.head_sha, LOG)) == expected

    # Another change: the events are computed again against the base, at this run's time.
    write(work, "openrouter.json", [openrouter_model("a/one", prompt="0.0000005")])
    changed = publish(options(work, github, T4), summarize, emit=lambda _: None)
    assert changed.operation == "updated"
    assert what(shown(remote, changed.head_sha, LOG)) == [
        (TS4, "openrouter", "a/one", "price_changed", "input_price"),
        (TS4, "openrouter", "b/two", "model_removed", None),
    ]


def test_each_merged_update_appends_to_the_log_of_the_base(work, remote, github, tmp_path):
    write(work, "openrouter.json", REPRICED_AND_ADDED)
    publish(options(work, github, T1), summarize, emit=lambda _: None)
    merge_pull(tmp_path, remote, github, BRANCH, "merger1")
    base_log = shown(remote, "main", LOG)
    assert base_log is not None and len(lines(base_log)) == 2

    write(work, "openrouter.json", REPRICED_AND_ADDED[:2])  # c/three gone again
    second = publish(options(work, github, T2), summarize, emit=lambda _: None)
    assert second.operation == "created"  # the first pull request was merged
    log = shown(remote, second.head_sha, LOG)
    assert log is not None and log.startswith(base_log)
    assert what(log[len(base_log) :]) == [(TS2, "openrouter", "c/three", "model_removed", None)]
    # The rule came with the first log; the second commit leaves .gitattributes alone.
    assert (
        "\n.gitattributes\n"
        not in "\n" + git(remote, "diff", "--name-only", "main", second.head_sha) + "\n"
    )


@pytest.mark.parametrize("base_has_a_log", [False, True])
def test_a_persons_merge_of_two_update_branches_keeps_both_runs_lines(
    work, remote, github, tmp_path, base_has_a_log
):
    kept = []  # what update-a leaves as it is
    if base_has_a_log:
        kept = [openrouter_model("z/zero")]
        write(work, "openrouter.json", [*base_models(), *kept])
        publish(options(work, github, T1, mode="push"), summarize, emit=lambda _: None)
        git(work, "checkout", "--quiet", "--", "models")
        git(work, "pull", "--quiet", "origin", "main")
    base_log = shown(remote, "main", LOG) or b""

    write(work, "openrouter.json", [openrouter_model("a/one", prompt="0.000001"), *kept])
    publish(options(work, github, T2, branch="update-a"), summarize, emit=lambda _: None)
    git(work, "checkout", "--quiet", "--", "models/openrouter.json")
    write(work, "mistral.json", [{"id": "mistral-large", "max_context_length": 131072}])
    publish(options(work, github, T3, branch="update-b"), summarize, emit=lambda _: None)

    person = person_clone(tmp_path, remote, "person")
    git(person, "merge", "--quiet", "--no-ff", "-m", "a", "origin/update-a")
    git(person, "merge", "--quiet", "--no-ff", "-m", "b", "origin/update-b")  # no conflict
    merged = (person / "models" / LOG_NAME).read_bytes()
    assert merged.startswith(base_log)
    assert sorted(what(merged[len(base_log) :])) == [
        (TS2, "openrouter", "a/one", "price_changed", "input_price"),
        (TS2, "openrouter", "b/two", "model_removed", None),
        (TS3, "mistral", "mistral-large", "model_added", None),
    ]
    assert (person / ".gitattributes").read_text().count(RULE) == 1


def test_a_dry_run_prints_the_events_it_would_append(work, remote, github):
    write(work, "openrouter.json", REPRICED_AND_ADDED)
    emitted: list[str] = []
    result = publish(options(work, github, T1, dry_run=True), summarize, emit=emitted.append)
    assert result.operation == "none" and remote_ref(remote, BRANCH) is None
    at = emitted.index("would append 2 change events to models/changes.jsonl:")
    shown_lines = [json.loads(line) for line in emitted[at + 1 : at + 3]]
    assert [(e["ts"], e["model"], e["type"]) for e in shown_lines] == [
        (TS1, "a/one", "price_changed"),
        (TS1, "c/three", "model_added"),
    ]
    assert any(f"would add `{RULE}` to .gitattributes" in line for line in emitted)


def test_push_mode_appends_to_the_log_on_the_base(work, remote, github):
    write(work, "openrouter.json", REPRICED_AND_ADDED)
    pushed = publish(options(work, github, T1, mode="push"), summarize, emit=lambda _: None)
    assert pushed.head_sha == remote_ref(remote, "main")
    assert len(lines(shown(remote, "main", LOG))) == 2
    write(work, "openrouter.json", REPRICED_AND_ADDED[:2])
    publish(options(work, github, T2, mode="push"), summarize, emit=lambda _: None)
    assert [e[0] for e in what(shown(remote, "main", LOG))] == [TS1, TS1, TS2]


def test_the_log_equals_what_history_rebuilds_from_the_same_commits(work, remote, github, tmp_path):
    seed = remote_ref(remote, "main")
    steps = [
        # a repriced, c added
        {"openrouter.json": REPRICED_AND_ADDED},
        # b removed, a new provider; openrouter's top_provider churn is no event
        {
            "openrouter.json": [
                openrouter_model("a/one", prompt="0.0000005", top_provider={"x": 1}),
                openrouter_model("c/three"),
            ],
            "mistral.json": [{"id": "m1", "max_context_length": 32768}],
        },
        # b re-added, a repriced again, c's context changed, m1 gets tools
        {
            "openrouter.json": [
                openrouter_model("a/one", prompt="0.000001"),
                openrouter_model("b/two"),
                openrouter_model("c/three", context_length=200000),
            ],
            "mistral.json": [
                {
                    "id": "m1",
                    "max_context_length": 32768,
                    "capabilities": {"function_calling": True},
                }
            ],
        },
    ]
    for number, (files, when) in enumerate(zip(steps, (T1, T2, T3), strict=True)):
        for name, models in files.items():
            write(work, name, models)
        if number == 1:  # through a pull request merged by a person
            publish(options(work, github, when), summarize, emit=lambda _: None)
            merge_pull(tmp_path, remote, github, BRANCH, f"merger{number}")
        else:
            publish(options(work, github, when, mode="push"), summarize, emit=lambda _: None)

    reader = person_clone(tmp_path, remote, "reader")
    log, junk = read_log((reader / "models" / LOG_NAME).read_bytes())
    assert not junk and len(log) >= 8
    rebuilt = [e for e in history_events(reader / "models", workspace=reader) if e.commit != seed]

    def bare(events):
        return [event_line(replace(e, ts=TS1, commit=None)) for e in events]

    assert bare(rebuilt) == bare(log)
    assert {e.ts for e in log} == {TS1, TS2, TS3}


# -- per-provider branches: each appends only its own events ----------------------------------


def test_each_branch_logs_only_the_events_of_the_entries_it_publishes(work, remote, github):
    write(work, "openrouter.json", REPRICED_AND_ADDED)
    write(work, "mistral.json", [{"id": "m1", "max_context_length": 32768}])
    checkout = open_checkout(options(work, github, T1), lambda _: None)
    assert checkout is not None
    for provider in PROVIDERS:
        entries = [e for e in checkout.entries if e.path == f"models/{provider}.json"]
        result = publish_branch(checkout, f"{BRANCH}/{provider}", entries, summarize)
        assert result.operation == "created"
        assert {e[1] for e in what(shown(remote, result.head_sha, LOG))} == {provider}


# -- what the tool edits outside its files, and what it never takes ------------------------


def seed_base(tmp_path: Path, remote: Path, files: dict[str, bytes], links=()) -> None:
    clone = person_clone(tmp_path, remote, "seeder")
    for name, data in files.items():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        (clone / name).write_bytes(data)
    for name, target in links:
        (clone / name).symlink_to(target)
    git(clone, "add", "-A")
    git(clone, "commit", "--quiet", "-m", "a person's files")
    git(clone, "push", "--quiet", "origin", "main")


def test_gitattributes_keeps_the_users_lines_and_gets_the_rule_once(work, remote, github, tmp_path):
    seed_base(tmp_path, remote, {".gitattributes": b"*.png binary\n# mine"})
    git(work, "pull", "--quiet", "origin", "main")
    write(work, "openrouter.json", REPRICED_AND_ADDED)
    emitted: list[str] = []
    result = publish(options(work, github, T1), summarize, emit=emitted.append)
    assert shown(remote, result.head_sha, ".gitattributes") == (
        f"*.png binary\n# mine\n{RULE}\n".encode()
    )
    assert any(f"adding `{RULE}` to .gitattributes" in line for line in emitted)
    # git reads the rule as written.
    reader = person_clone(tmp_path, remote, "reader")
    git(reader, "checkout", "--quiet", result.head_sha)
    assert git(reader, "check-attr", "merge", "--", LOG) == f"{LOG}: merge: union"


def test_a_base_whose_log_has_no_rule_is_left_without_one(work, remote, github, tmp_path):
    seed_base(tmp_path, remote, {LOG: b'{"not": "an event"}'})  # and no final newline
    git(work, "pull", "--quiet", "origin", "main")
    write(work, "openrouter.json", REPRICED_AND_ADDED)
    result = publish(options(work, github, T1), summarize, emit=lambda _: None)
    assert shown(remote, result.head_sha, ".gitattributes") is None  # a person's choice
    log = shown(remote, result.head_sha, LOG)
    assert log is not None and log.startswith(b'{"not": "an event"}\n')  # junk kept as it was
    assert len(lines(log)) == 3


def test_a_log_that_is_not_a_file_at_the_base_is_left_alone(work, remote, github, tmp_path):
    seed_base(tmp_path, remote, {"elsewhere.txt": b"x\n"}, links=[(LOG, "../elsewhere.txt")])
    git(work, "pull", "--quiet", "origin", "main")
    write(work, "openrouter.json", REPRICED_AND_ADDED)
    emitted: list[str] = []
    result = publish(options(work, github, T1), summarize, emit=emitted.append)
    assert result.operation == "created"
    assert git(remote, "diff", "--name-only", "main", result.head_sha).split() == [
        "models/openrouter.json"
    ]
    assert any(
        line.startswith("warning: ") and "changes.jsonl" in line and "not a regular file" in line
        for line in emitted
    )


def test_a_copy_of_the_log_in_the_working_tree_is_not_committed(work, remote, github):
    (work / "models" / LOG_NAME).write_text('{"ts":"hand made"}\n')
    write(work, "openrouter.json", REPRICED_AND_ADDED)
    emitted: list[str] = []
    result = publish(options(work, github, T1), summarize, emit=emitted.append)
    assert len(lines(shown(remote, result.head_sha, LOG))) == 2
    assert b"hand made" not in shown(remote, result.head_sha, LOG)
    [warning] = [line for line in emitted if line.startswith("warning: ")]
    assert "changes.jsonl" in warning and "made by publish" in warning


# -- feeds ------------------------------------------------------------------------------------

FEEDS = (
    "models/feeds/atom.xml",
    "models/feeds/feed.json",
    "models/feeds/openrouter.atom.xml",
    "models/feeds/openrouter.feed.json",
)


def test_feeds_are_committed_with_the_log_and_parse(work, remote, github):
    write(work, "openrouter.json", REPRICED_AND_ADDED)
    result = publish(options(work, github, T1, feeds=True), summarize, emit=lambda _: None)
    tip = result.head_sha
    changed = git(remote, "diff", "--name-only", "main", tip).split()
    assert changed == [".gitattributes", LOG, *sorted(FEEDS), "models/openrouter.json"]
    for path in FEEDS[0::2]:  # Atom, read by a feed reader
        parsed = feedparser.parse(shown(remote, tip, path))
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        [entry] = parsed.entries
        assert entry.title == "openrouter: +1, 1 repriced"
        assert entry.published == TS1
    for path in FEEDS[1::2]:  # JSON Feed (feedparser 6 reads no JSON)
        [item] = jsonfeed.Feed.parse_string(shown(remote, tip, path).decode()).items
        assert item.title == "openrouter: +1, 1 repriced"
        assert item.id == entry.id
    assert "mistral" not in " ".join(changed)  # no events: no feed of its own

    # Without feeds, none is written.
    other = publish(options(work, github, T1, branch="no-feeds"), summarize, emit=lambda _: None)
    assert "models/feeds" not in git(remote, "diff", "--name-only", "main", other.head_sha)


def test_a_stray_file_under_feeds_is_left_alone_with_the_warning(work, remote, github, tmp_path):
    seed_base(tmp_path, remote, {"models/feeds/mine.xml": b"<mine/>\n"})
    git(work, "pull", "--quiet", "origin", "main")
    (work / "models" / "feeds" / "notes.txt").write_text("a person's notes\n")
    write(work, "openrouter.json", REPRICED_AND_ADDED)
    emitted: list[str] = []
    result = publish(options(work, github, T1, feeds=True), summarize, emit=emitted.append)
    tip = result.head_sha
    assert shown(remote, tip, "models/feeds/mine.xml") == b"<mine/>\n"
    assert shown(remote, tip, "models/feeds/notes.txt") is None
    assert shown(remote, tip, "models/feeds/atom.xml") is not None
    [warning] = [line for line in emitted if line.startswith("warning: ")]
    assert "feeds/notes.txt" in warning and "left alone" in warning


def test_owned_paths_with_feeds_are_the_names_the_tool_writes():
    from dump_models.publish import owned_paths

    plain = owned_paths(("openrouter",))
    assert LOG_NAME in plain and not any(name.startswith("feeds/") for name in plain)
    with_feeds = owned_paths(("openrouter",), feeds=True)
    assert {
        "feeds/atom.xml",
        "feeds/feed.json",
        "feeds/openrouter.atom.xml",
        "feeds/openrouter.feed.json",
    } <= with_feeds
    assert "feeds/mine.xml" not in with_feeds and "feeds/" not in with_feeds


def test_the_feeds_input_and_option_reach_publish(tmp_path):
    from dump_models import inputs
    from dump_models.cli import build_parser
    from dump_models.config import load_settings
    from dump_models.publish_options import publish_options

    given = inputs.from_environment({"INPUT_FEEDS": "true"})
    assert given.feeds is True and inputs.Inputs().feeds is False
    args = build_parser().parse_args(["publish", "--feeds"])
    assert inputs.from_namespace(args).feeds is True
    settings = load_settings(given, environ={}, workspace=tmp_path)
    made = publish_options(given, settings, environ={}, workspace=tmp_path)
    assert made.feeds is True
    assert union_merge_rule("models") == RULE


def test_the_action_logs_its_run_and_commits_the_feeds_it_is_asked_for(tmp_path):
    from provider_server import ProviderServer, Reply
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
            f"providers:\n  mistral: {{endpoint: '{provider.url}/v1', auth: none}}\n"
        )
        git(work, "add", ".")
        git(work, "commit", "-qm", "seed")
        git(work, "push", "-q", "origin", "HEAD:main")
        before = utc_timestamp(time.time())
        run = run_action(work, {"INPUT_FEEDS": "true"}, github=github)
        after = utc_timestamp(time.time())
    assert run.returncode == 0, run.stdout + run.stderr
    tip = "dump-models/update"
    [added] = lines(shown(remote, tip, LOG))
    assert (added["provider"], added["model"], added["type"]) == ("mistral", "m-1", "model_added")
    assert before <= added["ts"] <= after
    for path in ("models/feeds/atom.xml", "models/feeds/mistral.atom.xml"):
        assert not feedparser.parse(shown(remote, tip, path)).bozo
    assert "1 change event logged in `changes.jsonl`" in github.pulls[0]["body"]
