"""records_of: one normalized record per model of a listing."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from dump_models.normalize import NORMALIZED_FIELDS
from dump_models.records import ModelRecord, display_name, models_by_id, records_of

OPENROUTER = {
    "id": "deepseek/deepseek-chat-v3.1",
    "name": "DeepSeek: DeepSeek V3.1",
    "context_length": 163840,
    "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["text"]},
    "pricing": {"prompt": "0.00000025", "completion": "1E+999999"},
    "supported_parameters": ["tools"],
    "benchmarks": {"latency_ms": 420},
}


def test_the_fields_every_reader_agrees_on():
    names = [f.name for f in dataclasses.fields(ModelRecord)]
    assert names == ["provider", "id", "name", *NORMALIZED_FIELDS, "raw", "unreadable"]


def test_a_record_holds_normalized_values_raw_and_what_could_not_be_read():
    (record,) = records_of("openrouter", [OPENROUTER]).values()
    assert (record.provider, record.id, record.name) == (
        "openrouter",
        "deepseek/deepseek-chat-v3.1",
        "DeepSeek: DeepSeek V3.1",
    )
    assert str(record.input_price) == "0.25"
    assert record.output_price is None  # there, but no price anybody means
    assert record.unreadable == {"output_price": "1E+999999"}
    assert record.cache_read_price == record.cache_write_price == Decimal(0)  # absent: free
    assert record.input_modalities == ("image", "text")
    assert (record.tools, record.vision, record.reasoning) == (True, True, False)
    assert record.max_output_tokens is None  # unknown, never 0
    assert record.deprecation_date is None
    assert record.raw == OPENROUTER
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.tools = False  # type: ignore[misc]


def test_unknown_is_none_never_zero_or_false():
    (record,) = records_of("openrouter", [{"id": "a"}]).values()
    assert all(getattr(record, name) is None for name in NORMALIZED_FIELDS)
    assert record.name is None and record.unreadable == {}


def test_ids_as_text_junk_left_out_last_of_a_repeated_id_kept():
    models = [{"id": 1, "v": "first"}, "junk", {"name": "no id"}, {"id": None}, {"id": "1", "v": 2}]
    records = records_of("my-proxy", models)
    assert list(records) == ["1"]
    assert records["1"].raw == {"id": "1", "v": 2}


def test_other_id_field_and_ignored_fields():
    model = {"name": "models/gemini-2.5-pro", "inputTokenLimit": 1048576, "version": "001"}
    records = records_of("gemini", [model], id_field="name", ignore_fields=["inputTokenLimit"])
    record = records["models/gemini-2.5-pro"]
    assert record.context_length is None  # ignored: neither raw nor normalized
    assert record.raw == {"name": "models/gemini-2.5-pro", "version": "001"}
    assert model["inputTokenLimit"] == 1048576  # the listing is not modified
    assert models_by_id([model], id_field="name") == {"models/gemini-2.5-pro": model}


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ({"name": "Claude", "display_name": "x"}, "Claude"),
        ({"display_name": "Claude Sonnet 4.5"}, "Claude Sonnet 4.5"),
        ({"displayName": "Gemini 2.5 Pro"}, "Gemini 2.5 Pro"),
        ({"name": "", "displayName": "Shown"}, "Shown"),
        ({"name": 5}, None),
        ({}, None),
    ],
)
def test_display_name(model, expected):
    assert display_name(model) == expected


def test_the_display_name_is_per_provider_and_never_the_id():
    gemini = {"name": "models/gemini-2.5-pro", "displayName": "Gemini 2.5 Pro"}
    assert display_name(gemini, "gemini", "name") == "Gemini 2.5 Pro"
    assert display_name({"name": "command-a-03-2025"}, "cohere", "name") is None
    venice = {"id": "qwen3-235b", "model_spec": {"name": "Qwen 3 235B"}}
    assert display_name(venice, "venice") == "Qwen 3 235B"
    (record,) = records_of("gemini", [gemini], id_field="name").values()
    assert record.name == "Gemini 2.5 Pro"


def test_the_report_names_gemini_models_by_their_display_name():
    from dump_models.diff import compare_listings

    old = [{"name": "models/a", "displayName": "Model A"}]
    new = [{"name": "models/b", "displayName": "Model B"}]
    report = compare_listings("gemini", old, new, id_field="name")
    assert report.names == {"models/a": "Model A", "models/b": "Model B"}
    cohere = compare_listings("cohere", [], [{"name": "embed-v4.0"}], id_field="name")
    assert cohere.names == {}  # was "embed-v4.0" twice over in the Markdown
