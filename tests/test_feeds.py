"""Atom 1.0 and JSON Feed 1.1 from the log, read back by real parsers."""

from __future__ import annotations

import calendar
import json
import re
import xml.etree.ElementTree as ET

import feedparser
import jsonfeed
import jsonschema
import pytest

from dump_models.cli import main
from dump_models.events import Event, event_line
from dump_models.feeds import FEED_LIMIT, atom_feed, entries, entry_summary, json_feed

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
T1, T2, T3 = "2026-01-02T04:00:00Z", "2026-01-03T04:00:00Z", "2026-01-04T04:00:00Z"
HOSTILE = "<script>alert(1)</script>&\"q\"'s' ##[error]x\n::warning::y\x01z"

# JSON Feed 1.1 (jsonfeed.org/version/1.1): what a feed and an item must have.
JSON_FEED_SCHEMA = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": {"type": "string"},
        "feed_url": {"type": "string"},
        "description": {"type": "string"},
        "authors": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "object", "minProperties": 1},
        },
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "title": {"type": "string"},
                    "summary": {"type": "string"},
                    "content_html": {"type": "string"},
                    "content_text": {"type": "string"},
                    "date_published": {"type": "string", "pattern": RFC3339.pattern},
                    "date_modified": {"type": "string", "pattern": RFC3339.pattern},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def _log() -> list[Event]:
    return [
        Event(T1, "openrouter", "a/x", "model_added", new={"input_price": "0.25"}),
        Event(T1, "openrouter", "b/y", "model_added", new={}),
        Event(T1, "groq", "g", "model_added", new={"context_length": 8192}),
        Event(T2, "openrouter", "a/x", "price_changed", "input_price", "0.25", "0.55"),
        Event(T2, "openrouter", "a/x", "price_changed", "output_price", "1", "1.5"),
        Event(T2, "openrouter", "b/y", "limit_changed", "context_length", 8192, 16384),
        Event(T2, "openrouter", "b/y", "model_removed", old={}),
        Event(T3, "openrouter", HOSTILE, "model_added", new={"input_price": "1"}),
        Event(T3, "openrouter", "a/x", "capability_changed", "tools", None, True),
        Event(
            T3, "openrouter", "a/x", "deprecation_changed", "deprecation_date", None, "2026-06-01"
        ),
    ]


def _seconds(struct) -> str:
    return calendar.timegm(struct)


def test_entries_one_per_provider_and_run_newest_first():
    found = entries(_log())
    assert [(e.provider, e.ts) for e in found] == [
        ("openrouter", T3),
        ("openrouter", T2),
        ("groq", T1),
        ("openrouter", T1),
    ]
    assert len({e.id for e in found}) == 4
    assert all(e.id.startswith("urn:uuid:") for e in found)


@pytest.mark.parametrize(
    ("events", "summary"),
    [
        (_log()[:2], "openrouter: +2"),
        (_log()[3:7], "openrouter: \u22121, 1 repriced, 1 context change"),
        (_log()[7:], "openrouter: +1, 1 capability change, 1 deprecation change"),
    ],
)
def test_summary(events, summary):
    assert entry_summary(events[0].provider, events) == summary


def test_summary_counts_models_and_says_plurals():
    events = [
        Event(T1, "p", f"m{n}", "limit_changed", field, 1, 2)
        for n in range(3)
        for field in ("context_length", "max_output_tokens")
    ]
    events += [Event(T1, "p", "n", "model_added", new={}), Event(T1, "p", "o", "model_removed")]
    assert entry_summary("p", events) == (
        "p: +1 \u22121, 3 context changes, 3 output limit changes"
    )


def test_ids_are_stable_across_rebuilds_and_new_runs():
    before = {(e.provider, e.ts): e.id for e in entries(_log())}
    later = _log() + [Event("2026-01-05T04:00:00Z", "groq", "g", "model_removed", old={})]
    after = {(e.provider, e.ts): e.id for e in entries(later)}
    assert before.items() <= after.items() and len(after) == len(before) + 1
    assert atom_feed(_log()) == atom_feed(list(_log()))


def test_atom_parses_without_error_with_entries_ids_and_dates():
    data = atom_feed(_log())
    parsed = feedparser.parse(data)  # bytes: a str would be taken for a URL or a path
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    ids = [e.id for e in entries(_log())]
    assert [entry.id for entry in parsed.entries] == ids
    assert [_seconds(entry.updated_parsed) for entry in parsed.entries] == [
        calendar.timegm((2026, 1, day, 4, 0, 0)) for day in (4, 3, 2, 2)
    ]
    assert _seconds(parsed.feed.updated_parsed) == calendar.timegm((2026, 1, 4, 4, 0, 0))
    assert parsed.entries[1].title == "openrouter: \u22121, 1 repriced, 1 context change"
    content = parsed.entries[1].content[0]
    assert content.type == "text/html"
    assert "input_price" in content.value and "0.25" in content.value and "+120%" in content.value
    # The hostile id is text in the entry, never markup
    hostile = parsed.entries[0].content[0].value
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile


def test_atom_has_what_rfc_4287_requires():
    root = ET.fromstring(atom_feed(_log()))
    assert root.tag == f"{ATOM}feed"
    for element in [root, *root.findall(f"{ATOM}entry")]:
        for name in ("id", "title", "updated"):
            assert len(element.findall(f"{ATOM}{name}")) == 1, name
        assert RFC3339.fullmatch(element.findtext(f"{ATOM}updated"))
    assert root.find(f"{ATOM}author/{ATOM}name").text == "dump-models"
    for entry in root.findall(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}content").get("type") == "html"


def test_json_feed_is_valid_and_parses():
    data = json_feed(_log())
    document = json.loads(data)
    jsonschema.validate(document, JSON_FEED_SCHEMA)
    parsed = jsonfeed.Feed.parse_string(data.decode("utf-8"))
    assert [item.id for item in parsed.items] == [e.id for e in entries(_log())]
    assert parsed.items[1].title == "openrouter: \u22121, 1 repriced, 1 context change"
    assert [item.date_published for item in parsed.items] == [T3, T2, T1, T1]
    assert "&lt;script&gt;" in parsed.items[0].content_html
    assert "<script>" not in parsed.items[0].content_html


def test_empty_log_is_a_valid_feed():
    parsed = feedparser.parse(atom_feed([]))
    assert not parsed.bozo and parsed.entries == []
    assert parsed.feed.updated == "1970-01-01T00:00:00Z"
    jsonschema.validate(json.loads(json_feed([])), JSON_FEED_SCHEMA)


def test_per_provider_feed():
    parsed = feedparser.parse(atom_feed(_log(), provider="groq"))
    assert [entry.title for entry in parsed.entries] == ["groq: +1"]
    assert "groq" in parsed.feed.title
    assert parsed.feed.id != feedparser.parse(atom_feed(_log())).feed.id


def test_only_the_newest_entries():
    events = [
        Event(f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}Z", "p", "m", "model_added", new={})
        for n in range(FEED_LIMIT + 5)
    ]
    parsed = feedparser.parse(atom_feed(events))
    assert len(parsed.entries) == FEED_LIMIT
    assert parsed.entries[0].updated == events[-1].ts


def test_hostile_text_is_inert_and_well_formed():
    for data in (atom_feed(_log()), json_feed(_log())):
        text = data.decode("utf-8")
        assert "##[" not in text and "\x01" not in text
        assert not any(line.lstrip().startswith("::") for line in text.splitlines())
    assert not feedparser.parse(atom_feed(_log())).bozo


def test_cli_feed_from_the_log(tmp_path, monkeypatch, capsysbinary):
    models = tmp_path / "models"
    models.mkdir()
    junk = b"not an event\n"
    (models / "changes.jsonl").write_bytes(
        junk + "".join(event_line(e) for e in _log()).encode("utf-8")
    )
    monkeypatch.chdir(tmp_path)
    assert main(["feed"]) == 0
    out = capsysbinary.readouterr()
    assert out.out == atom_feed(_log())
    assert b"line 1" in out.err and out.err.count(b"\n") == 1
    assert main(["feed", "--format", "json", "--provider", "groq", "--output", "g.json"]) == 0
    assert (tmp_path / "g.json").read_bytes() == json_feed(_log(), provider="groq")
    assert main(["feed", "--format", "json", "--provider", "groq", "--output", "g.json"]) == 0


def test_cli_feed_without_a_log_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["feed", "--dir", "models"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "changes.jsonl" in err and "history" in err
