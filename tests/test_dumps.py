"""Reading dumps back: the one reader (``listing_in``, ``read_previous``) and ``compare_paths``
(``dump-models diff OLD NEW`` on directories and single files)."""

from __future__ import annotations

import json

import pytest

from dump_models.dumps import (
    NotADump,
    compare_paths,
    is_tool_file,
    listing_in,
    parse_dump,
    read_previous,
)
from dump_models.errors import DumpModelsError
from dump_models.providers import builtin_registry

REGISTRY = builtin_registry()


def _write(path, document) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def _openrouter(*models):
    return {"data": list(models)}


def _by_name(reports):
    return {report.name: report for report in reports}


def test_directories(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    _write(old / "openrouter.json", _openrouter({"id": "a", "pricing": {"prompt": "0.000001"}}))
    _write(new / "openrouter.json", _openrouter({"id": "a", "pricing": {"prompt": "0.000002"}}))
    # gemini: models under "models", id is "name"
    _write(old / "gemini.json", {"models": [{"name": "models/g", "inputTokenLimit": 1}]})
    _write(new / "gemini.json", {"models": [{"name": "models/g", "inputTokenLimit": 2}]})
    # mistral's created is volatile: never a change
    _write(old / "mistral.json", {"data": [{"id": "m", "created": 1}]})
    _write(new / "mistral.json", {"data": [{"id": "m", "created": 2}]})
    # together: a top-level array
    _write(old / "together.json", [{"id": "t"}])
    _write(new / "together.json", [{"id": "t"}, {"id": "u"}])
    _write(old / "gone.json", {"data": [{"id": "x"}, {"id": "y"}]})
    _write(new / "fresh.json", {"models": [{"name": "only-a-name"}]})
    (new / "notes.txt").write_text("not a listing")

    reports = compare_paths(old, new)
    assert [r.name for r in reports] == sorted(r.name for r in reports)
    by_name = _by_name(reports)
    assert set(by_name) == {"openrouter", "gemini", "mistral", "together", "gone", "fresh"}
    assert by_name["openrouter"].changed == {"a": {"input_price": {"old": "1", "new": "2"}}}
    assert by_name["gemini"].changed == {"models/g": {"context_length": {"old": 1, "new": 2}}}
    assert by_name["mistral"].status == "unchanged"
    assert by_name["together"].added == ["u"]
    assert by_name["gone"].status == "changed"
    assert by_name["gone"].removed == ["x", "y"]
    assert (by_name["gone"].models_before, by_name["gone"].models_after) == (2, 0)
    assert by_name["fresh"].status == "new"
    assert by_name["fresh"].added == ["only-a-name"]  # custom file without ids: keyed by name


def test_the_tools_own_files_are_never_read_as_dumps(tmp_path):
    """The change log, the catalog and the feeds sit next to the dumps; diff reads the dumps."""
    old, new = tmp_path / "old", tmp_path / "new"
    for directory, price in ((old, "0.000001"), (new, "0.000002")):
        _write(
            directory / "openrouter.json", _openrouter({"id": "a", "pricing": {"prompt": price}})
        )
        (directory / "changes.jsonl").write_text('{"ts": "x"}\n')
        _write(directory / "catalog.json", {"data": [{"id": str(directory)}]})
        _write(directory / "feeds" / "feed.json", {"items": []})
    assert [r.name for r in compare_paths(old, new)] == ["openrouter"]


@pytest.mark.parametrize(
    ("name", "tools"),
    [
        ("changes.jsonl", True),
        ("catalog.json", True),
        ("feeds/atom.xml", True),
        ("feeds/openrouter.feed.json", True),
        ("openrouter.json", False),
        ("changes.json", False),
        ("feeds.json", False),
        ("sub/changes.jsonl", False),
    ],
)
def test_is_tool_file(name, tools):
    assert is_tool_file(name) is tools


def test_single_files(tmp_path):
    old, new = tmp_path / "a" / "openrouter.json", tmp_path / "b" / "openrouter.json"
    _write(old, _openrouter({"id": "a"}, {"id": "b"}))
    _write(new, _openrouter({"id": "b", "top_provider": {"is_moderated": True}}))
    (report,) = compare_paths(old, new)
    assert report.name == "openrouter"
    assert report.removed == ["a"]
    # top_provider feeds no normalized field: the subtree added whole is one change
    assert report.changed == {"b": {"top_provider": {"old": None, "new": {"is_moderated": True}}}}


def test_single_files_with_other_names_use_new_name(tmp_path):
    old, new = tmp_path / "before.json", tmp_path / "groq.json"
    _write(old, {"data": [{"id": "g", "active": True}]})
    _write(new, {"data": [{"id": "g", "active": False}]})
    (report,) = compare_paths(old, new)
    assert report.name == "groq"
    # docs/report.md normalizes no "deprecated": Groq's active is reported under its own path
    assert report.changed == {"g": {"active": {"old": True, "new": False}}}


def test_file_against_directory(tmp_path):
    _write(tmp_path / "old" / "together.json", [{"id": "t"}])
    _write(tmp_path / "old" / "xai.json", {"data": [{"id": "grok"}]})
    _write(tmp_path / "together.json", [{"id": "t"}, {"id": "u"}])
    (report,) = compare_paths(tmp_path / "old", tmp_path / "together.json")
    assert (report.name, report.added) == ("together", ["u"])


def test_invalid_json(tmp_path):
    bad = tmp_path / "new" / "openrouter.json"
    _write(tmp_path / "old" / "openrouter.json", {"data": []})
    bad.parent.mkdir()
    bad.write_text('{"data": [\n  {"id": "a",}\n]}', encoding="utf-8")
    with pytest.raises(DumpModelsError) as caught:
        compare_paths(tmp_path / "old", tmp_path / "new")
    message = str(caught.value)
    assert message.startswith(f"{bad}: not valid JSON (line 2): ")
    assert message.endswith("; pass a models/<provider>.json file or a directory of them")
    assert caught.value.exit_code == 2


def test_not_a_listing(tmp_path):
    _write(tmp_path / "old.json", {"object": "list"})
    _write(tmp_path / "new.json", {"data": []})
    with pytest.raises(DumpModelsError, match="no model list") as caught:
        compare_paths(tmp_path / "old.json", tmp_path / "new.json")
    assert caught.value.exit_code == 2


def test_missing_path(tmp_path):
    _write(tmp_path / "new.json", {"data": []})
    with pytest.raises(DumpModelsError, match="no such file or directory") as caught:
        compare_paths(tmp_path / "nope", tmp_path / "new.json")
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "not a dump: it nests objects and arrays deeper than 64"),
        (b'{"a": 1,}', "not valid JSON (line 1): Expecting property name"),
        (b"\xff", "not valid JSON (line 1): invalid start byte"),
        (b'{"data": [{"id": "m", "n": ' + b"9" * 5000 + b"}]}", "not a dump: Exceeds the limit"),
    ],
)
def test_bytes_that_are_no_dump_say_why_in_one_line(data, reason):
    with pytest.raises(NotADump) as caught:
        parse_dump(data)
    assert str(caught.value).startswith(reason)
    assert "\n" not in str(caught.value)
    assert listing_in(data, REGISTRY["openrouter"]) is None


def test_listing_in_reads_what_a_run_writes_and_nothing_else():
    openrouter, together = REGISTRY["openrouter"], REGISTRY["together"]
    assert listing_in(b'{"data": [{"id": "a"}], "object": "list"}', openrouter) == [{"id": "a"}]
    assert listing_in(b'[{"id": "t"}]', together) == [{"id": "t"}]
    assert listing_in(b'[{"id": "t"}]', openrouter) is None  # not the provider's shape
    assert listing_in(b'{"data": [{"id": "t"}]}', together) is None
    assert listing_in(b'{"data": [{"id": "m", "price": NaN}]}', openrouter) is None
    assert listing_in(None, openrouter) is None


def test_read_previous(tmp_path):
    spec = REGISTRY["openrouter"]
    assert read_previous(tmp_path / "absent.json", spec) is None
    assert read_previous(tmp_path, spec) is None  # a directory
    (tmp_path / "openrouter.json").write_text('{"data": [{"id": "a"}]}')
    assert read_previous(tmp_path / "openrouter.json", spec) == [{"id": "a"}]


def test_a_model_that_cannot_be_stored_is_named_by_its_id_field(tmp_path):
    _write(tmp_path / "old" / "gemini.json", {"models": []})
    bad = tmp_path / "new" / "gemini.json"
    bad.parent.mkdir()
    bad.write_text('{"models": [{"name": "models/g", "price": NaN}]}', encoding="utf-8")
    with pytest.raises(DumpModelsError) as caught:
        compare_paths(tmp_path / "old", tmp_path / "new")
    assert str(caught.value).startswith(f'{bad}: not a dump: model "models/g": NaN at price')
