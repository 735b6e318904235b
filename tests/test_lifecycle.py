"""Retiring models: dates set or moved in an update, and dates coming up soon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
import yaml

from dump_models.diff import ProviderReport, compare_listings
from dump_models.errors import DumpModelsError
from dump_models.lifecycle import (
    LifecycleSettings,
    Retiring,
    parse_lifecycle,
    render_retiring,
    retiring,
)
from dump_models.report import escape

TODAY = date(2026, 3, 1)


@dataclass(frozen=True)
class Record:
    """The fields of a normalized record (records.ModelRecord) that the lifecycle reads."""

    provider: str
    id: str
    deprecation_date: str | None = None


class At:
    def error(self, message: str, *keys: str) -> DumpModelsError:
        return DumpModelsError(f"cfg.yml[{'.'.join(keys)}]: {message}")


def mistral(model_id: str, deprecation: str | None = None) -> dict:
    model = {"id": model_id, "max_context_length": 32768}
    if deprecation is not None:
        model["deprecation"] = deprecation
    return model


def test_a_date_set_and_a_date_moved_in_this_update():
    old = [mistral("large-2402"), mistral("small-2312", "2026-09-30T00:00:00Z"), mistral("x")]
    new = [
        mistral("large-2402", "2026-12-31T12:00:00Z"),
        mistral("small-2312", "2026-03-15"),
        mistral("x"),
    ]
    report = compare_listings("mistral", old, new)
    records = [
        Record("mistral", "large-2402", "2026-12-31"),
        Record("mistral", "small-2312", "2026-03-15"),
        Record("mistral", "x"),
    ]
    assert retiring([report], records, today=TODAY, within_days=90) == [
        Retiring("mistral", "small-2312", date(2026, 3, 15), date(2026, 9, 30), True, 14),
        Retiring("mistral", "large-2402", date(2026, 12, 31), None, True, 305),
    ]


def test_dates_within_the_window_from_the_whole_listing():
    records = [
        Record("openrouter", "a/soon", "2026-05-30"),  # 90 days: inside
        Record("openrouter", "a/later", "2026-05-31"),  # 91 days: outside
        Record("openrouter", "a/today", "2026-03-01"),
        Record("openrouter", "a/past", "2026-02-28"),  # retired already: not "retiring"
        Record("groq", "b", None),
        Record("groq", "bad", "2026-02-31"),  # no such day
        Record("groq", "worse", "soon"),
    ]
    unchanged = ProviderReport("openrouter", "unchanged", models_before=4, models_after=4)
    found = retiring([unchanged], records, today=TODAY, within_days=90)
    assert [(r.model, r.days_left, r.changed) for r in found] == [
        ("a/today", 0, False),
        ("a/soon", 90, False),
    ]
    assert retiring([], records, today=TODAY, within_days=0) == [
        Retiring("openrouter", "a/today", TODAY, None, False, 0)
    ]


def test_a_model_added_with_a_date_counts_as_set():
    report = compare_listings("mistral", [mistral("x")], [mistral("x"), mistral("y", "2027-01-01")])
    records = [Record("mistral", "x"), Record("mistral", "y", "2027-01-01")]
    assert retiring([report], records, today=TODAY, within_days=90) == [
        Retiring("mistral", "y", date(2027, 1, 1), None, True, 306)
    ]


def test_a_past_date_set_in_this_update_is_shown_and_a_cleared_date_is_not():
    old = [mistral("a", "2026-06-01"), mistral("b")]
    new = [mistral("a"), mistral("b", "2026-01-01")]
    report = compare_listings("mistral", old, new)
    records = [Record("mistral", "a"), Record("mistral", "b", "2026-01-01")]
    assert retiring([report], records, today=TODAY, within_days=90) == [
        Retiring("mistral", "b", date(2026, 1, 1), None, True, -59)
    ]


def test_to_json():
    item = Retiring("mistral", "small", date(2026, 3, 15), date(2026, 9, 30), True, 14)
    assert item.to_json() == {
        "provider": "mistral",
        "model": "small",
        "date": "2026-03-15",
        "previous": "2026-09-30",
        "changed": True,
        "days_left": 14,
    }


def test_render_retiring_escapes_and_says_when():
    items = [
        Retiring("mistral", "small|<b>", date(2026, 2, 1), None, True, -28),
        Retiring("openrouter", "@octocat/#12", date(2026, 3, 1), None, False, 0),
        Retiring("mistral", "large", date(2026, 3, 2), date(2026, 9, 30), True, 1),
        Retiring("x", "y", date(2026, 4, 1), None, False, 31),
    ]
    assert render_retiring(items) == [
        "### Retiring",
        "",
        "| provider | model | date | when |",
        "| --- | --- | --- | --- |",
        f"| mistral | {escape('small|<b>')} | 2026-02-01 | 28 days ago; set in this update |",
        f"| openrouter | {escape('@octocat/#12')} | 2026-03-01 | today |",
        "| mistral | large | 2026-03-02 | in 1 day; moved from 2026-09-30 |",
        "| x | y | 2026-04-01 | in 31 days |",
        "",
    ]
    assert render_retiring([]) == []


def test_render_retiring_cuts_long_tables():
    items = [Retiring("x", f"m{i}", date(2026, 4, 1), None, False, 31) for i in range(12)]
    lines = render_retiring(items, limit=10)
    assert len([line for line in lines if line.startswith("| x |")]) == 10
    assert lines[-2:] == ["\u2026 and 2 more (see the JSON report)", ""]


def test_parse_lifecycle():
    def parse(text: str) -> LifecycleSettings:
        return parse_lifecycle(yaml.safe_load(text)["lifecycle"], At())

    assert parse_lifecycle(None, At()) == LifecycleSettings(retiring_within_days=90)
    assert parse("lifecycle: {retiring_within_days: 30}") == LifecycleSettings(30)
    assert parse("lifecycle: {retiring_within_days: 0}") == LifecycleSettings(0)
    for text, message in [
        ("lifecycle: 3", "cfg.yml[lifecycle]: lifecycle must be a mapping"),
        (
            "lifecycle: {days: 3}",
            "cfg.yml[lifecycle.days]: unknown key 'days' in lifecycle; "
            "expected one of: retiring_within_days",
        ),
        (
            "lifecycle: {retiring_within_days: -1}",
            "cfg.yml[lifecycle.retiring_within_days]: lifecycle.retiring_within_days is -1; "
            "it must be a whole number of days from 0 to 3660",
        ),
        ("lifecycle: {retiring_within_days: 1.5}", "retiring_within_days is 1.5; it must be"),
        ("lifecycle: {retiring_within_days: true}", "retiring_within_days is True; it must be"),
        ("lifecycle: {retiring_within_days: 99999}", "retiring_within_days is 99999; it must"),
    ]:
        with pytest.raises(DumpModelsError) as caught:
            parse(text)
        assert message in str(caught.value)
