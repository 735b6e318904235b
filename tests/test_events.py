"""Events from a provider's changes, the log's line format, and the PR's changes.jsonl."""

from __future__ import annotations

import json
import subprocess

import pytest
from git_helpers import git
from history_helpers import commit_files, init_repo, openrouter_model

from dump_models.diff import compare_listings
from dump_models.events import (
    Event,
    Listing,
    event_line,
    listing_events,
    log_with_events,
    parse_line,
    read_log,
    report_events,
    union_merge_rule,
    utc_timestamp,
    with_union_merge_rule,
)

TS = "2026-01-02T04:00:00Z"


def _events(old, new, **kwargs):
    old_listing = None if old is None else Listing.of(old, **kwargs)
    return listing_events("openrouter", old_listing, Listing.of(new, **kwargs), TS)


def test_utc_timestamp():
    assert utc_timestamp(0) == "1970-01-01T00:00:00Z"
    assert utc_timestamp(1767326400.9) == "2026-01-02T04:00:00Z"


def test_every_type_of_event_sorted_by_model_type_field():
    old = [
        openrouter_model("b/priced"),
        openrouter_model("a/gone"),
        openrouter_model("c/limits", context_length=8192),
        openrouter_model("d/caps"),
    ]
    new = [
        openrouter_model("b/priced", prompt="0.00000055"),
        openrouter_model("c/limits", context_length=16384),
        openrouter_model("d/caps", supported_parameters=["max_tokens", "tools"]),
        openrouter_model("e/new", prompt="0.000002"),
    ]
    new[2]["architecture"]["input_modalities"] = ["text", "image"]
    events = _events(old, new)
    assert [(e.model, e.type, e.field, e.old, e.new) for e in events] == [
        (
            "a/gone",
            "model_removed",
            None,
            {
                "input_price": "0.25",
                "output_price": "1",
                "cache_read_price": "0",
                "cache_write_price": "0",
                "context_length": 131072,
                "input_modalities": ["text"],
                "output_modalities": ["text"],
                "tools": False,
                "vision": False,
                "reasoning": False,
            },
            None,
        ),
        ("b/priced", "price_changed", "input_price", "0.25", "0.55"),
        ("c/limits", "limit_changed", "context_length", 8192, 16384),
        ("d/caps", "capability_changed", "input_modalities", ["text"], ["image", "text"]),
        ("d/caps", "capability_changed", "tools", False, True),
        ("d/caps", "capability_changed", "vision", False, True),
        ("e/new", "model_added", None, None, events[-1].new),
    ]
    assert events[-1].new["input_price"] == "2"
    assert {e.ts for e in events} == {TS} and {e.provider for e in events} == {"openrouter"}


def test_churn_is_no_event():
    old = [openrouter_model("a/x", benchmarks={"latency": 1}, top_provider={"x": 1})]
    new = [openrouter_model("a/x", benchmarks={"latency": 2}, top_provider={"x": 2})]
    assert compare_listings("openrouter", old, new).changed  # the report shows the churn
    assert _events(old, new) == []


def test_deprecation_event():
    old = [{"id": "m", "deprecation": None}]
    new = [{"id": "m", "deprecation": "2026-03-01T00:00:00Z"}]
    events = listing_events("mistral", Listing.of(old), Listing.of(new), TS)
    assert [(e.type, e.field, e.old, e.new) for e in events] == [
        ("deprecation_changed", "deprecation_date", None, "2026-03-01")
    ]


def test_first_snapshot_adds_every_model_and_gone_file_removes_every_model():
    models = [openrouter_model("b"), openrouter_model("a")]
    added = _events(None, models)
    assert [(e.type, e.model) for e in added] == [("model_added", "a"), ("model_added", "b")]
    gone = listing_events("openrouter", Listing.of(models), None, TS)
    assert [(e.type, e.model) for e in gone] == [("model_removed", "a"), ("model_removed", "b")]


def test_listing_events_equal_report_events_of_the_whole_listings():
    """Listing's exact-text shortcut gives what compare_listings gives on the whole lists,
    including a change that == cannot see (``true`` to ``1``: equal in Python, no flag)."""
    old = [
        {"id": "a", "model_spec": {"capabilities": {"supportsVision": True}}},
        {"id": "b", "model_spec": {"availableContextTokens": 100}},
        {"id": "c", "model_spec": {"pricing": {"input": {"usd": 1}}}},
        {"id": "d", "model_spec": {"pricing": {"input": {"usd": 1}}}},
    ]
    new = [
        {"id": "a", "model_spec": {"capabilities": {"supportsVision": 1}}},
        {"id": "b", "model_spec": {"availableContextTokens": 100.0}},
        {"id": "c", "model_spec": {"pricing": {"input": {"usd": 1.5}}}},
        {"id": "d", "model_spec": {"pricing": {"input": {"usd": 1}}}, "extra": 1},
    ]
    assert old[0] == new[0]
    report = compare_listings("venice", old, new)
    expected = report_events(report, TS, before=Listing.of(old), after=Listing.of(new))
    assert listing_events("venice", Listing.of(old), Listing.of(new), TS) == expected
    assert [(e.model, e.field, e.old, e.new) for e in expected] == [
        ("a", "input_modalities", ["image", "text"], ["text"]),  # Venice's flags read as words
        ("a", "vision", True, None),
        ("c", "input_price", "1", "1.5"),
    ]


def test_ignore_fields_are_not_compared():
    old = [openrouter_model("a", prompt="0.000001")]
    new = [openrouter_model("a", prompt="0.000002")]
    assert _events(old, new, ignore_fields=("pricing.prompt",)) == []


def test_line_format_is_compact_ordered_and_commit_last():
    event = Event(TS, "openrouter", "a/é", "price_changed", "input_price", "0.25", None, "ab12")
    line = event_line(event)
    assert line == (
        '{"ts":"2026-01-02T04:00:00Z","provider":"openrouter","model":"a/é",'
        '"type":"price_changed","field":"input_price","old":"0.25","new":null,"commit":"ab12"}\n'
    )
    added = Event(TS, "p", "m", "model_added", new={"context_length": 1})
    assert event_line(added) == (
        '{"ts":"2026-01-02T04:00:00Z","provider":"p","model":"m","type":"model_added",'
        '"new":{"context_length":1}}\n'
    )


@pytest.mark.parametrize(
    "model",
    ["##[error]x", "a\u2028::warning::b", "a\x85b", "x\ud800y", "line\nbreak", "tab\tq\"'<&"],
)
def test_line_is_one_inert_utf8_line_that_reads_back(model):
    event = Event(TS, "p", model, "model_removed", old={"input_modalities": [model]})
    line = event_line(event)
    data = line.encode("utf-8")  # never raises: lone surrogates are escaped
    assert line.count("\n") == 1 and line.endswith("\n")
    assert len(line.splitlines()) == 1  # no character any reader takes for a line break
    assert "##[" not in line and "#" not in line
    assert json.loads(line) == event.to_json()
    assert parse_line(data) == event


def test_read_log_keeps_going_past_junk():
    good = Event(TS, "p", "m", "model_added", new={})
    data = (
        event_line(good).encode()
        + b"not json\n"
        + b'{"ts":"yesterday","provider":"p","model":"m","type":"model_added"}\n'
        + b'{"ts":"2026-01-02T04:00:00Z","provider":"p","model":"m","type":"explode"}\n'
        + b"\xff\xfe\n"
        + b"\n"
        + event_line(good).encode().rstrip(b"\n")
    )
    events, junk = read_log(data)
    assert events == [good, good]
    assert junk == [2, 3, 4, 5]  # line numbers; an empty line is no junk


def test_log_with_events_appends_to_the_base():
    first = Event(TS, "p", "a", "model_added", new={})
    second = Event("2026-01-03T04:00:00Z", "p", "b", "model_added", new={})
    assert log_with_events(None, []) is None  # no file, nothing to say: no file
    assert log_with_events(None, [first]) == event_line(first).encode()
    base = event_line(first).encode()
    assert log_with_events(base, []) == base
    assert log_with_events(base, [second]) == base + event_line(second).encode()
    # A base whose last line has no newline, or holds junk: kept, never joined to a new line.
    assert log_with_events(b"junk", [second]) == b"junk\n" + event_line(second).encode()
    assert log_with_events(b"\xff", [second]) == b"\xff\n" + event_line(second).encode()


def test_rebuilt_pr_never_duplicates_lines():
    """The PR's file is computed from the base each time: rebuilding it with other events
    replaces this update's lines, it does not add to them."""
    base = event_line(Event(TS, "p", "a", "model_added", new={})).encode()
    run1 = [Event("2026-01-03T04:00:00Z", "p", "b", "model_added", new={})]
    run2 = [Event("2026-01-04T04:00:00Z", "p", "b", "model_added", new={})]
    assert log_with_events(base, run1) != log_with_events(base, run2)
    assert log_with_events(base, run2).count(b"\n") == 2


@pytest.mark.parametrize(
    ("output_dir", "rule"),
    [
        ("models", "/models/changes.jsonl merge=union"),
        ("data/models", "/data/models/changes.jsonl merge=union"),
        ("m[1]*?", "/m\\[1\\]\\*\\?/changes.jsonl merge=union"),
        ("my models", '"/my models/changes.jsonl" merge=union'),
        ('q"\\', '"/q\\"\\\\\\\\/changes.jsonl" merge=union'),
    ],
)
def test_union_merge_rule_matches_only_the_log(tmp_path, output_dir, rule):
    assert union_merge_rule(output_dir) == rule
    repo = init_repo(tmp_path / "repo")
    (repo / ".gitattributes").write_text(rule + "\n")
    attr = git(repo, "check-attr", "merge", "--", f"{output_dir}/changes.jsonl")
    assert attr.endswith(": merge: union"), attr
    other = git(repo, "check-attr", "merge", "--", f"{output_dir}x/changes.jsonl")
    assert other.endswith(": merge: unspecified"), other


def test_with_union_merge_rule_adds_the_line_once():
    rule = union_merge_rule("models")
    assert with_union_merge_rule(None, "models") == (rule + "\n").encode()
    assert with_union_merge_rule(b"*.png binary", "models") == f"*.png binary\n{rule}\n".encode()
    once = with_union_merge_rule(b"", "models")
    assert with_union_merge_rule(once, "models") == once


def test_merge_of_two_update_branches_keeps_both_runs_events(tmp_path):
    """Real git: two update branches append to the same log; merging them with the rule keeps
    every line of both runs, where git without it stops on a conflict."""
    repo = init_repo(tmp_path / "repo")
    base_line = event_line(Event(TS, "p", "a", "model_added", new={}))
    run1 = event_line(Event("2026-01-03T04:00:00Z", "p", "b", "model_added", new={}))
    run2 = event_line(Event("2026-01-04T04:00:00Z", "q", "c", "model_added", new={}))
    commit_files(repo, {"models/changes.jsonl": base_line}, 1767326400, "base")
    git(repo, "branch", "one")
    git(repo, "branch", "two")
    git(repo, "checkout", "-q", "one")
    commit_files(repo, {"models/changes.jsonl": base_line + run1}, 1767412800, "one")
    git(repo, "checkout", "-q", "two")
    commit_files(repo, {"models/changes.jsonl": base_line + run2}, 1767499200, "two")

    merge = ["merge", "-q", "--no-edit", "one"]
    with pytest.raises(subprocess.CalledProcessError):
        git(repo, *merge)  # no rule: both appended at the end, a conflict
    git(repo, "merge", "--abort")

    attributes = with_union_merge_rule(None, "models")
    (repo / ".gitattributes").write_bytes(attributes)
    commit_files(repo, {}, 1767499300, "attributes")
    git(repo, *merge)
    merged = (repo / "models" / "changes.jsonl").read_text()
    assert sorted(merged.splitlines(keepends=True)) == sorted([base_line, run1, run2])
    assert read_log(merged.encode())[1] == []
