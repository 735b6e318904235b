"""Canonical form: sorting, volatile and request-time fields, paging cursors, atomic writes."""

from __future__ import annotations

import json
import os
import time

import pytest

from dump_models.canonical import (
    MAX_NESTING,
    canonical_document,
    drop_paths,
    dumps,
    guard_reason,
    id_problem,
    request_time_fields,
    unstorable_reason,
    write_if_changed,
)
from dump_models.providers import builtin_registry

REG = builtin_registry()
NOW = 1_764_000_000.0


def test_mistral_request_time_created_is_dropped_and_order_is_canonical():
    doc = {
        "object": "list",
        "data": [
            {"id": "mistral-small", "created": int(NOW) - 5, "max_context_length": 32000},
            {"id": "codestral", "created": int(NOW), "object": "model"},
        ],
    }
    out, dropped = canonical_document(REG["mistral"], doc, fetched_at=NOW)
    assert [m["id"] for m in out["data"]] == ["codestral", "mistral-small"]
    assert all("created" not in m for m in out["data"])
    assert list(out) == ["object", "data"]
    assert list(out["data"][0]) == ["id", "object"]  # id first, the rest sorted


def test_request_time_rule_spots_any_field_but_spares_real_dates():
    models = [{"id": str(i), "stamp": NOW - i, "created": 1_700_000_000 + i} for i in range(10)]
    assert request_time_fields(models, NOW) == ("stamp",)
    # ISO strings and milliseconds count too.
    iso = [{"t": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW))} for _ in range(3)]
    assert request_time_fields(iso, NOW) == ("t",)
    ms = [{"t": int(NOW * 1000)} for _ in range(3)]
    assert request_time_fields(ms, NOW) == ("t",)
    # A minority of fresh models (one added today) is data, not the request time.
    mixed = [{"created": NOW}] + [{"created": 1_600_000_000} for _ in range(5)]
    assert request_time_fields(mixed, NOW) == ()


def test_openrouter_paging_links_dropped_total_count_kept():
    doc = {"data": [{"id": "b"}, {"id": "a"}], "total_count": 2, "links": {"next": None}}
    out, _ = canonical_document(REG["openrouter"], doc, fetched_at=NOW)
    assert out == {"total_count": 2, "data": [{"id": "a"}, {"id": "b"}]}


def test_anthropic_cursors_dropped_and_bare_arrays_kept_bare():
    doc = {"data": [{"id": "x"}], "has_more": False, "first_id": "x", "last_id": "x"}
    out, _ = canonical_document(REG["anthropic"], doc, fetched_at=NOW)
    assert out == {"data": [{"id": "x"}]}
    arr, _ = canonical_document(REG["together"], [{"id": "z"}, {"id": "y"}], fetched_at=NOW)
    assert arr == [{"id": "y"}, {"id": "z"}]
    gem, _ = canonical_document(
        REG["gemini"],
        {"models": [{"name": "models/b"}, {"name": "models/a"}], "nextPageToken": ""},
        fetched_at=NOW,
    )
    assert gem == {"models": [{"name": "models/a"}, {"name": "models/b"}]}


def test_drop_paths_nested_and_missing():
    model = {"a": 1, "b": {"c": 2, "d": 3}}
    assert drop_paths(model, ["b.c", "x.y", "a.z"]) == {"a": 1, "b": {"d": 3}}
    assert model == {"a": 1, "b": {"c": 2, "d": 3}}


def test_dumps_is_pretty_utf8_with_final_newline():
    text = dumps({"name": "Modèle ☃", "n": [1]})
    assert text == '{\n  "name": "Modèle ☃",\n  "n": [\n    1\n  ]\n}\n'


def test_write_if_changed_is_atomic_and_skips_equal_content(tmp_path):
    path = tmp_path / "deep" / "x.json"
    assert write_if_changed(path, "one\n") is True
    mtime = path.stat().st_mtime_ns
    time.sleep(0.01)
    assert write_if_changed(path, "one\n") is False
    assert path.stat().st_mtime_ns == mtime
    assert write_if_changed(path, "two\n") is True
    assert path.read_text() == "two\n"
    assert [p.name for p in path.parent.iterdir()] == ["x.json"]  # no temporary left behind


def test_write_if_changed_keeps_the_mode_and_writes_no_partial_file(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("old\n")
    path.chmod(0o600)
    assert write_if_changed(path, "new\n") is True
    assert path.stat().st_mode & 0o777 == 0o600


def _fifo(path):
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda p, other: p.symlink_to(other), "a symbolic link"),
        (lambda p, other: p.symlink_to(_fifo(p.parent / "fifo")), "a symbolic link"),
        (lambda p, other: p.symlink_to(p.parent / "dangling"), "a symbolic link"),
        (lambda p, other: _fifo(p), "a FIFO"),
        (lambda p, other: p.mkdir(), "a directory"),
    ],
    ids=["link-to-file", "link-to-fifo", "dangling-link", "fifo", "directory"],
)
def test_write_if_changed_never_replaces_or_follows_what_is_not_a_regular_file(
    tmp_path, make, kind
):
    """A symlink is not followed (its target keeps its bytes) and not replaced; a FIFO, a
    device or a directory is never replaced by a plain file (``--report-md /dev/stdout``)."""
    other = tmp_path / "elsewhere.txt"
    other.write_text("someone else's\n")
    path = tmp_path / "report.md"
    make(path, other)
    before = os.lstat(path)

    with pytest.raises(OSError, match=kind) as caught:
        write_if_changed(path, "report\n")
    assert str(path) in str(caught.value)
    after = os.lstat(path)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert other.read_text() == "someone else's\n"
    assert not (tmp_path / "dangling").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("old", "new", "removed", "guarded"),
    [
        (None, 0, 0, True),
        (10, 0, 10, True),
        (10, 4, 6, True),
        (10, 5, 5, False),
        (None, 3, 0, False),
        (10, 12, 0, False),
    ],
)
def test_guard(old, new, removed, guarded):
    reason = guard_reason(old, new, 0.5, removed)
    assert (reason is not None) == guarded
    if guarded and old:
        assert str(old) in reason


def test_canonical_document_is_stable_under_key_order():
    a = {"data": [{"id": "m", "b": 1, "a": {"y": 1, "x": 2}}]}
    b = json.loads(json.dumps({"data": [{"a": {"x": 2, "y": 1}, "b": 1, "id": "m"}]}))
    assert dumps(canonical_document(REG["openai"], a)[0]) == dumps(
        canonical_document(REG["openai"], b)[0]
    )


def test_repeated_ids_are_ordered_by_content_not_by_the_provider():
    a = {"data": [{"id": "m", "v": 2}, {"id": "a"}, {"id": "m", "v": 1}]}
    b = {"data": [{"id": "m", "v": 1}, {"id": "m", "v": 2}, {"id": "a"}]}
    out_a = canonical_document(REG["openai"], a)[0]
    assert out_a == canonical_document(REG["openai"], b)[0]
    assert out_a["data"] == [{"id": "a"}, {"id": "m", "v": 1}, {"id": "m", "v": 2}]


def nested(depth: int, leaf=1):
    """``depth`` levels of objects and arrays around ``leaf``."""
    value = leaf
    for level in range(depth):
        value = {"x": value} if level % 2 else [value]
    return value


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_dumps_is_strict_json(value):
    with pytest.raises(ValueError):
        dumps({"data": [{"id": "m", "price": value}]})


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"data": [{"id": "m", "p": {"q": float("nan")}}]}, 'model "m": NaN at p.q;'),
        ({"data": [{"id": "m", "p": [1, float("inf")]}]}, 'model "m": Infinity at p[1];'),
        ([{"id": "m"}, {"p": -float("inf")}], "model at index 1: -Infinity at p;"),
        ({"data": [], "total": float("nan")}, "the listing's top level: NaN at total;"),
        ({"data": [{"id": "m", "d\ud800": 1}]}, 'model "m": text that is not valid Unicode'),
        ({"data": [{"id": "m", "d": "x\udfff"}]}, 'model "m": text that is not valid Unicode'),
    ],
)
def test_unstorable_values_are_named(document, expected):
    models = document if isinstance(document, list) else document["data"]
    reason = unstorable_reason(document, models)
    assert reason is not None and reason.startswith(expected), reason


def test_nesting_limit_counts_from_the_model():
    fine = [{"id": "m", "deep": nested(MAX_NESTING - 1)}]  # the model is level 1
    assert unstorable_reason({"data": fine}, fine) is None
    assert unstorable_reason(fine, fine) is None
    deep = [{"id": "m", "deep": nested(MAX_NESTING)}]
    reason = unstorable_reason({"data": deep}, deep)
    assert reason == f'model "m" nests objects and arrays deeper than {MAX_NESTING} levels'


@pytest.mark.parametrize("depth", [600, 1000, 50_000])
def test_any_depth_is_refused_without_recursion(depth):
    models = [{"id": "deep", "x": nested(depth)}]
    assert "deeper than" in unstorable_reason({"data": models}, models)


@pytest.mark.parametrize(
    ("models", "expected"),
    [
        ([{"id": "a"}, {"id": 2}, {"id": 2.5}], None),
        ([{"id": "a"}, {"id": "a"}], None),  # a model listed twice alike is one model
        (
            [{"name": f"m{i}"} for i in range(45)],
            '45 of 45 models have no "id" field; set id_field for this provider in the '
            "config to the field that names its models",
        ),
        (
            [{"id": "a"}, {"id": None}, {"id": ""}, {"id": {"x": 1}}, {"id": [1]}, {"id": True}],
            '5 of 6 models have no usable "id" (a string or a number); set id_field for this '
            "provider in the config to the field that names its models",
        ),
        (
            [{"id": "a", "v": 1}, {"id": "a", "v": 2}, {"id": "b"}, {"id": 1}, {"id": "1"}],
            'ids repeat with different models: "a" (2 models), "1" (2 models); set id_field '
            "for this provider in the config to a field that tells its models apart",
        ),
    ],
)
def test_id_problem(models, expected):
    assert id_problem(models, "id") == expected


def test_a_reason_never_quotes_invalid_text():
    models = [{"id": "m", "\ud800": float("nan")}]
    reason = unstorable_reason({"data": models}, models)
    assert reason.startswith('model "m": text that is not valid Unicode')
    reason.encode("utf-8")
