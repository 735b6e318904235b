"""`dump-models history`: the log's events rebuilt from a real git repository of snapshots."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from git_helpers import git
from history_helpers import commit_files, dated_env, init_repo, listing_text, openrouter_model

from dump_models.cli import main
from dump_models.diff import compare_listings
from dump_models.errors import DumpModelsError
from dump_models.events import Listing, event_line, report_events, utc_timestamp
from dump_models.history import history_events, parse_since

DAY = 86400
T0 = 1767326400  # 2026-01-02T04:00:00Z


def _together(model_id: str, context: int = 8192, price: float = 0.2) -> dict:
    return {"id": model_id, "context_length": context, "pricing": {"input": price, "output": 1}}


class Story:
    """A repository whose models/ went through every case, and what each commit changed."""

    def __init__(self, root: Path) -> None:
        self.repo = init_repo(root)
        # (sha, ts, provider, old models or None, new models or None) per listing change
        self.transitions: list[tuple[str, str, str, list | None, list | None]] = []
        self.when = T0

    def commit(self, files: dict[str, str | None], message: str) -> str:
        self.when += DAY
        return commit_files(self.repo, files, self.when, message)

    def changed(self, sha: str, provider: str, old: list | None, new: list | None) -> None:
        self.transitions.append((sha, utc_timestamp(self.when), provider, old, new))

    def expected(self, since: str = "") -> list:
        """The events of each change, computed pair by pair with compare_listings."""
        events = []
        for sha, ts, provider, old, new in self.transitions:
            if ts < since:
                continue
            report = compare_listings(provider, old, new or [])
            before = None if old is None else Listing.of(old)
            after = None if new is None else Listing.of(new)
            events += report_events(report, ts, before=before, after=after, commit=sha)
        return events


def _story(tmp_path: Path) -> Story:
    story = Story(tmp_path / "repo")
    a, b, c = openrouter_model("a/one"), openrouter_model("b/two"), openrouter_model("c/<&\"3'>")
    v1 = [a, b, c]
    x = [_together("x/model")]
    sha = story.commit(
        {
            "models/openrouter.json": listing_text(v1),
            "models/together.json": listing_text(x, None),
            "models/notes.txt": "not a listing\n",
            "models/catalog.json": "{}\n",
            "models/feeds/openrouter.json": "{}\n",
            "README.md": "top\n",
        },
        "first snapshot",
    )
    story.changed(sha, "openrouter", None, v1)
    story.changed(sha, "together", None, x)

    # a repriced; together failed to fetch and so did not change.
    v2 = [openrouter_model("a/one", prompt="0.0000003"), b, c]
    sha = story.commit({"models/openrouter.json": listing_text(v2)}, "a repriced")
    story.changed(sha, "openrouter", v1, v2)

    # b removed, a repriced a second time; churn in c (not an event).
    c_churn = openrouter_model("c/<&\"3'>", benchmarks={"latency": 3})
    v3 = [openrouter_model("a/one", prompt="0.0000004"), c_churn]
    sha = story.commit({"models/openrouter.json": listing_text(v3)}, "b removed")
    story.changed(sha, "openrouter", v2, v3)

    # The directory changes, no listing does.
    story.commit(
        {
            "models/notes.txt": "still not a listing\n",
            "models/changes.jsonl": "{}\n",
            "models/catalog.json": "[]\n",
        },
        "nothing in the listings",
    )

    # b re-added; together's context grows.
    v4 = v3 + [b]
    x2 = [_together("x/model", context=16384)]
    sha = story.commit(
        {
            "models/openrouter.json": listing_text(v4),
            "models/together.json": listing_text(x2, None),
        },
        "b back",
    )
    story.changed(sha, "openrouter", v3, v4)
    story.changed(sha, "together", x, x2)

    # openrouter's file is broken: skipped, with a warning.
    story.commit({"models/openrouter.json": '{"data": [\n'}, "broken")

    # Readable again: compared with the last readable version.
    v5 = [openrouter_model("a/one", prompt="0.0000004"), c, b]
    sha = story.commit({"models/openrouter.json": listing_text(v5)}, "fixed")
    story.changed(sha, "openrouter", v4, v5)

    # Outside the directory: not in the history.
    story.commit({"README.md": "changed\n"}, "readme")

    # A side branch with two commits, merged: the first-parent history sees the merge only.
    git(story.repo, "checkout", "-q", "-b", "side")
    v6 = [openrouter_model("a/one", prompt="0.0000005"), c, b]
    story.commit({"models/openrouter.json": listing_text(v6)}, "side 1")
    v7 = [openrouter_model("a/one", prompt="0.0000005"), b]
    story.commit({"models/openrouter.json": listing_text(v7)}, "side 2")
    git(story.repo, "checkout", "-q", "main")
    story.when += DAY
    subprocess.run(
        ["git", "merge", "-q", "--no-ff", "-m", "merge side", "side"],
        cwd=story.repo,
        check=True,
        env=dated_env(story.when),
    )
    story.changed(git(story.repo, "rev-parse", "HEAD"), "openrouter", v5, v7)

    # together's file removed: every model removed.
    sha = story.commit({"models/together.json": None}, "together dropped")
    story.changed(sha, "together", x2, None)
    return story


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> Story:
    return _story(tmp_path_factory.mktemp("history"))


def test_events_equal_those_computed_pair_by_pair(story):
    warnings: list[str] = []
    events = history_events(story.repo / "models", warn=warnings.append)
    assert events == story.expected()
    assert len(warnings) == 1
    assert "openrouter.json" in warnings[0] and "not a readable listing" in warnings[0]


def test_the_cases_read_as_a_person_would_say_them(story):
    events = history_events(story.repo / "models")
    b = [(e.type, e.ts) for e in events if e.model == "b/two"]
    assert [kind for kind, _ts in b] == ["model_added", "model_removed", "model_added"]
    a_prices = [(e.old, e.new) for e in events if e.model == "a/one" and e.type == "price_changed"]
    assert a_prices == [("0.25", "0.3"), ("0.3", "0.4"), ("0.4", "0.5")]
    assert [e.type for e in events if e.model == "c/<&\"3'>"] == ["model_added", "model_removed"]
    # the commit that touched only notes, catalog and log, and the README commit: nothing
    touched = {e.commit for e in events}
    quiet = git(story.repo, "log", "--format=%H", "--grep=nothing in the listings")
    assert quiet and quiet not in touched
    assert {e.provider for e in events} == {"openrouter", "together"}
    assert [e.type for e in events if e.provider == "together"][-1] == "model_removed"
    assert all(e.ts.endswith("Z") for e in events)


def test_since_compares_the_first_change_in_range_with_the_version_before(story):
    since = utc_timestamp(T0 + 3 * DAY)  # from "b removed" on
    events = history_events(story.repo / "models", since=parse_since(since))
    assert events == story.expected(since)
    assert events[0].ts == since and not any(
        e.type == "model_added" and e.model == "a/one" for e in events
    )


def test_two_runs_are_byte_identical_and_the_file_equals_stdout(story, monkeypatch, capsysbinary):
    monkeypatch.chdir(story.repo)
    assert main(["history"]) == 0
    first = capsysbinary.readouterr()
    assert main(["history"]) == 0
    second = capsysbinary.readouterr()
    assert first.out == second.out and first.out
    assert b"not a readable listing" in first.err
    assert main(["history", "--output", "out.jsonl"]) == 0
    assert (story.repo / "out.jsonl").read_bytes() == first.out
    expected = "".join(event_line(event) for event in story.expected())
    assert first.out.decode("utf-8") == expected
    assert json.loads(first.out.splitlines()[0])["commit"]


def test_constant_number_of_git_processes(story, tmp_path, monkeypatch):
    """Counted by git itself (trace2 'start' events): no process per commit or file."""

    def processes(directory: Path, trace: Path) -> tuple[int, int]:
        monkeypatch.setenv("GIT_TRACE2_EVENT", str(trace))
        events = history_events(directory)
        monkeypatch.delenv("GIT_TRACE2_EVENT")
        lines = trace.read_text().splitlines()
        return sum(json.loads(line)["event"] == "start" for line in lines), len(events)

    count, _ = processes(story.repo / "models", tmp_path / "story.json")
    assert count <= 3
    bigger = init_repo(tmp_path / "bigger")
    for n in range(12):
        models = [openrouter_model(f"m/{k}", prompt=f"0.00000{n}1") for k in range(3)]
        commit_files(bigger, {"models/openrouter.json": listing_text(models)}, T0 + n, f"{n}")
    assert processes(bigger / "models", tmp_path / "bigger.json") == (count, 3 + 11 * 3)


def test_shallow_clone_starts_from_its_oldest_commit(tmp_path):
    repo = init_repo(tmp_path / "repo")
    for n in range(3):
        listing = listing_text([openrouter_model("m/x", prompt=f"0.00000{n + 1}")])
        commit_files(repo, {"models/openrouter.json": listing}, T0 + n * DAY, f"run {n}")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo}", str(clone)], check=True)
    warnings: list[str] = []
    events = history_events(clone / "models", warn=warnings.append)
    assert [(e.type, e.old, e.new) for e in events] == [("price_changed", "2", "3")]
    assert len(warnings) == 1 and "shallow" in warnings[0]


def test_unreadable_listings_are_skipped_never_fatal(tmp_path):
    repo = init_repo(tmp_path / "repo")
    good = listing_text([openrouter_model("m/x")])
    cases = [
        "[1, 2]",  # no model list
        '{"data": [{"id": "m/x", "pricing": {"prompt": NaN}}]}',  # not storable
        '{"data": ' + "[" * 5000 + "]" * 5000 + "}",  # too deep for the parser
        "not json",
        '{"data": [{"id": "m/x", "name": "\\ud800"}]}',  # a lone surrogate
    ]
    commit_files(repo, {"models/openrouter.json": good}, T0, "good")
    for n, text in enumerate(cases, start=1):
        commit_files(repo, {"models/openrouter.json": text}, T0 + n, f"bad {n}")
    (repo / "models" / "link.json").symlink_to("openrouter.json")
    commit_files(repo, {}, T0 + 10, "a link")
    warnings: list[str] = []
    events = history_events(repo / "models", warn=warnings.append)
    assert [e.type for e in events] == ["model_added"]
    assert len(warnings) == len(cases) + 1
    assert all("not a readable listing" in line for line in warnings)


def test_no_repository_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    (tmp_path / "models").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert main(["history"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "git" in err and "models" in err
    assert main(["history", "--dir", "nowhere"]) == 2
    assert "nowhere" in capsys.readouterr().err


def test_repository_without_commits_has_no_events(tmp_path):
    repo = init_repo(tmp_path / "repo")
    (repo / "models").mkdir()
    assert history_events(repo / "models") == []


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-01-02", datetime(2026, 1, 2, tzinfo=timezone.utc)),
        ("2026-01-02T04:05:06Z", datetime(2026, 1, 2, 4, 5, 6, tzinfo=timezone.utc)),
        ("2026-01-02T05:05:06+01:00", datetime(2026, 1, 2, 4, 5, 6, tzinfo=timezone.utc)),
    ],
)
def test_parse_since(text, moment):
    assert parse_since(text) == moment


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "", "2026-01-02T04:05"])
def test_parse_since_refuses_what_is_no_date(text):
    with pytest.raises(DumpModelsError) as caught:
        parse_since(text)
    assert caught.value.exit_code == 2 and "YYYY-MM-DD" in str(caught.value)


def test_the_users_git_config_does_not_change_the_events(tmp_path):
    """Settings that change what `git log` shows (the root commit's diff, renames, following
    one path, signatures) are overridden: the events stay those of the listings."""
    repo = init_repo(tmp_path / "repo")
    for key, value in [
        ("log.showRoot", "false"),
        ("log.follow", "true"),
        ("log.showSignature", "true"),
        ("diff.renames", "copies"),
        ("core.quotePath", "true"),
    ]:
        git(repo, "config", key, value)
    models = [openrouter_model("m/x")]
    commit_files(repo, {"models/openrouter.json": listing_text(models)}, T0, "first")
    commit_files(repo, {"models/copy.json": listing_text(models)}, T0 + DAY, "copied")
    events = history_events(repo / "models")
    assert [(e.provider, e.type, e.model) for e in events] == [
        ("openrouter", "model_added", "m/x"),
        ("copy", "model_added", "m/x"),
    ]


def test_a_configured_providers_shape_is_read_as_publish_reads_it(tmp_path, monkeypatch, capsys):
    # A custom provider whose models are named by `name` (id_field): without the config its
    # models have no `id` and the history could not tell them apart.
    repo = init_repo(tmp_path / "repo")
    (repo / ".github").mkdir()
    (repo / ".github" / "dump-models.yml").write_text(
        "providers:\n  acme: {endpoint: 'https://acme.example/v1', id_field: name}\n",
        encoding="utf-8",
    )
    first = json.dumps({"data": [{"name": "m-1", "context_length": 100}]})
    second = json.dumps({"data": [{"name": "m-1", "context_length": 200}]})
    commit_files(repo, {"models/acme.json": first}, T0, "first")
    commit_files(repo, {"models/acme.json": second}, T0 + DAY, "second")
    monkeypatch.chdir(repo)
    assert main(["history"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["type"], e["model"]) for e in events] == [
        ("model_added", "m-1"),
        ("limit_changed", "m-1"),
    ]
    assert events[1]["old"] == 100 and events[1]["new"] == 200
