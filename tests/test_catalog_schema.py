"""catalog.json's JSON Schema ships in the package, and what `dump-models catalog` writes for
real-shaped and hostile dumps is valid against it."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
from catalog_listings import write_dumps
from runner_rules import commands_in

from dump_models.cli import main


def schema() -> dict:
    text = resources.files("dump_models").joinpath("schemas/catalog.schema.json").read_text()
    data = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(data)
    return data


def catalog_of(tmp_path, monkeypatch, capsys, dumps=None) -> dict:
    monkeypatch.chdir(tmp_path)
    write_dumps(tmp_path / "models", dumps)
    assert main(["catalog"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_catalog_of_every_builtin_shape_is_valid(tmp_path, monkeypatch, capsys):
    document = catalog_of(tmp_path, monkeypatch, capsys)
    jsonschema.validate(document, schema(), cls=jsonschema.Draft202012Validator)
    assert len(document["models"]) == 37


HOSTILE = {
    "data": [
        {"id": "negative", "context_length": -5, "max_output_tokens": -1.0},
        {"id": "huge", "context_length": 10**30, "max_completion_tokens": 1e300},
        {"id": "", "name": ""},
        {"id": 7, "name": ["not", "text"], "context_window": "lots"},
        {"id": "x\n::warning::y", "name": "##[group]z"},
    ]
}
OPENROUTER_HOSTILE = {
    "data": [
        {
            "id": "odd/prices",
            "pricing": {"prompt": "1E+999999", "completion": "-1", "input_cache_read": 1e-30},
            "architecture": {"input_modalities": ["text", 5, "text", None]},
            "expiration_date": "soon",
        }
    ]
}


def test_hostile_values_still_give_a_valid_catalog(tmp_path, monkeypatch, capsys):
    dumps = {"my-proxy": HOSTILE, "openrouter": OPENROUTER_HOSTILE}
    document = catalog_of(tmp_path, monkeypatch, capsys, dumps)
    jsonschema.validate(document, schema(), cls=jsonschema.Draft202012Validator)
    by_id = {m["id"]: m for m in document["models"]}
    assert by_id["negative"]["context_length"] is None  # no count: unknown
    assert by_id["odd/prices"]["cache_read_price"] == "0.000000000000000000000001"
    assert by_id["odd/prices"]["input_modalities"] == ["5", "text"]
    assert by_id["x\n::warning::y"]["name"] == "##[group]z"  # kept, and never a command:
    for argv in (["catalog"], ["models", "--json"], ["models"], ["models", "--csv"]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert commands_in(out) == [], argv


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("input_price", 0.25),  # a float, not a decimal string
        ("input_price", "2.50"),  # trailing zero
        ("context_length", "128000"),
        ("tools", "yes"),
        ("deprecation_date", "2026-03-01T00:00:00Z"),
    ],
)
def test_the_schema_refuses_what_the_catalog_never_writes(
    tmp_path, monkeypatch, capsys, field, value
):
    document = catalog_of(tmp_path, monkeypatch, capsys)
    document["models"][0][field] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema(), cls=jsonschema.Draft202012Validator)
