"""compare_listings on synthetic listing pairs."""

from __future__ import annotations

import copy
import json

from dump_models.diff import compare_listings
from dump_models.results import ProviderReport


def _openrouter(model_id: str, **changes) -> dict:
    model = {
        "id": model_id,
        "name": f"Model {model_id}",
        "created": 1750000000,
        "context_length": 131072,
        "architecture": {
            "modality": "text->text",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
        },
        "pricing": {"prompt": "0.00000025", "completion": "0.000001"},
        "top_provider": {
            "context_length": 131072,
            "max_completion_tokens": 32768,
            "is_moderated": False,
        },
        "supported_parameters": ["max_tokens", "temperature"],
        "benchmarks": {"latency_ms": 420},
    }
    for path, value in changes.items():
        target = model
        *parents, leaf = path.split("__")
        for key in parents:
            target = target[key]
        target[leaf] = value
    return model


def _compare(old: list[dict], new: list[dict], **kwargs) -> ProviderReport:
    return compare_listings("openrouter", old, new, **kwargs)


def test_unchanged():
    old = [_openrouter("a/x"), _openrouter("b/y")]
    report = _compare(old, copy.deepcopy(list(reversed(old))))
    assert report.status == "unchanged"
    assert (report.added, report.removed, report.changed) == ([], [], {})
    assert (report.models_before, report.models_after) == (2, 2)


def test_added_and_removed_sorted_with_names():
    old = [_openrouter("z/gone"), _openrouter("a/gone"), _openrouter("m/kept")]
    new = [_openrouter("y/new"), _openrouter("m/kept"), _openrouter("b/new")]
    report = _compare(old, new)
    assert report.status == "changed"
    assert report.added == ["b/new", "y/new"]
    assert report.removed == ["a/gone", "z/gone"]
    assert report.changed == {}
    assert report.names["y/new"] == "Model y/new"
    assert report.names["z/gone"] == "Model z/gone"
    assert (report.models_before, report.models_after) == (3, 3)


def test_repriced_reported_under_normalized_name_as_strings():
    old = [_openrouter("deepseek/deepseek-chat-v3.1")]
    new = [_openrouter("deepseek/deepseek-chat-v3.1", pricing__prompt="0.00000055")]
    report = _compare(old, new)
    assert report.changed == {
        "deepseek/deepseek-chat-v3.1": {"input_price": {"old": "0.25", "new": "0.55"}}
    }
    json.dumps(report.to_json())  # JSON-safe


def test_new_cache_price_key_from_zero():
    new_model = _openrouter("a/x")
    new_model["pricing"]["input_cache_read"] = "0.000000025"
    report = _compare([_openrouter("a/x")], [new_model])
    assert report.changed == {"a/x": {"cache_read_price": {"old": "0", "new": "0.025"}}}


def test_price_written_differently_is_no_change():
    report = _compare([_openrouter("a/x")], [_openrouter("a/x", pricing__prompt="0.000000250")])
    assert report.status == "unchanged"
    assert report.changed == {}


def test_price_becomes_variable():
    report = _compare([_openrouter("a/x")], [_openrouter("a/x", pricing__prompt="-1")])
    assert report.changed == {"a/x": {"input_price": {"old": "0.25", "new": None}}}


def test_limit_and_capability_changes():
    old = [_openrouter("a/x")]
    new = [
        _openrouter(
            "a/x",
            context_length=262144,
            top_provider__max_completion_tokens=65536,
            supported_parameters=["max_tokens", "temperature", "tools"],
        )
    ]
    new[0]["architecture"]["input_modalities"] = ["text", "image"]
    report = _compare(old, new)
    assert report.changed == {
        "a/x": {
            "context_length": {"old": 131072, "new": 262144},
            "input_modalities": {"old": ["text"], "new": ["image", "text"]},
            "tools": {"old": False, "new": True},
            "vision": {"old": False, "new": True},
            # OpenRouter's top_provider limit is routing, not max_output_tokens (docs/providers.md)
            "top_provider.max_completion_tokens": {"old": 32768, "new": 65536},
        }
    }
    # normalized fields first, in their fixed order, then raw paths
    assert list(report.changed["a/x"]) == [
        "context_length",
        "input_modalities",
        "tools",
        "vision",
        "top_provider.max_completion_tokens",
    ]


def test_spec_example():
    # docs/report.md's machine report, exactly.
    old = [_openrouter("deepseek/deepseek-chat-v3.1")]
    new = [
        _openrouter(
            "deepseek/deepseek-chat-v3.1",
            pricing__prompt="0.00000055",
            top_provider__max_completion_tokens=161000,
        )
    ]
    report = _compare(old, new)
    assert report.status == "changed"
    assert report.to_json()["changed"] == {
        "deepseek/deepseek-chat-v3.1": {
            "input_price": {"old": "0.25", "new": "0.55"},
            "top_provider.max_completion_tokens": {"old": 32768, "new": 161000},
        }
    }


def test_other_providers_keep_max_output_tokens():
    def github(limit):
        return {"id": "g", "limits": {"max_input_tokens": 1, "max_output_tokens": limit}}

    report = compare_listings("github", [github(4096)], [github(8192)])
    assert report.changed == {"g": {"max_output_tokens": {"old": 4096, "new": 8192}}}


def test_alias_id_changes():
    old = [_openrouter("~anthropic/claude-sonnet-latest", name="Sonnet 4.5")]
    new = [_openrouter("~anthropic/claude-sonnet-latest", name="Sonnet 4.6")]
    new[0]["pricing"]["completion"] = "0.000015"
    report = _compare(old, new)
    assert report.changed == {
        "~anthropic/claude-sonnet-latest": {
            "output_price": {"old": "1", "new": "15"},
            "name": {"old": "Sonnet 4.5", "new": "Sonnet 4.6"},
        }
    }


def test_nested_list_and_subtree_paths():
    old = [_openrouter("a/x")]
    new = [_openrouter("a/x", top_provider__is_moderated=True)]
    new[0]["pricing"]["overrides"] = [{"provider": "x", "prompt": "0.000001"}]
    new[0]["supported_parameters"] = ["max_tokens"]
    del new[0]["benchmarks"]
    new[0]["reasoning"] = {"effort": "high"}
    report = _compare(old, new)
    assert report.changed == {
        "a/x": {
            "benchmarks": {"old": {"latency_ms": 420}, "new": None},
            # tools and reasoning stay false: the lost parameter shows under its own path
            "supported_parameters": {"old": ["max_tokens", "temperature"], "new": ["max_tokens"]},
            "pricing.overrides": {"old": None, "new": [{"provider": "x", "prompt": "0.000001"}]},
            "reasoning": {"old": None, "new": {"effort": "high"}},
            "top_provider.is_moderated": {"old": False, "new": True},
        }
    }


def test_reordered_feeding_list_is_no_change():
    # supported_parameters feeds tools/reasoning; the same words in another order are the
    # same list.
    old = [_openrouter("a/x", supported_parameters=["tools", "max_tokens"])]
    new = [_openrouter("a/x", supported_parameters=["max_tokens", "tools"])]
    report = _compare(old, new)
    assert report.status == "unchanged"
    assert report.changed == {}


def test_feeding_list_change_without_normalized_change_is_reported():
    # Adding structured_outputs moves neither tools nor reasoning; it is still a change.
    old = [_openrouter("a/x", supported_parameters=["max_tokens", "tools"])]
    new = [_openrouter("a/x", supported_parameters=["max_tokens", "structured_outputs", "tools"])]
    report = _compare(old, new)
    assert report.status == "changed"
    assert report.changed == {
        "a/x": {
            "supported_parameters": {
                "old": ["max_tokens", "tools"],
                "new": ["max_tokens", "structured_outputs", "tools"],
            }
        }
    }


def test_feeding_list_change_with_normalized_change_is_under_the_normalized_name():
    old = [_openrouter("a/x", supported_parameters=["max_tokens"])]
    new = [_openrouter("a/x", supported_parameters=["max_tokens", "structured_outputs", "tools"])]
    assert _compare(old, new).changed == {"a/x": {"tools": {"old": False, "new": True}}}


def test_duplicated_modality_is_reported():
    old = [_openrouter("a/x")]
    new = [_openrouter("a/x")]
    new[0]["architecture"]["input_modalities"] = ["text", "text"]
    assert _compare(old, new).changed == {
        "a/x": {"architecture.input_modalities": {"old": ["text"], "new": ["text", "text"]}}
    }


def test_lossy_transforms_of_other_providers_keep_their_changes():
    cohere = compare_listings(
        "cohere",
        [{"name": "c", "features": ["tools"]}],
        [{"name": "c", "features": ["tools", "json_mode"]}],
        id_field="name",
    )
    assert cohere.changed == {"c": {"features": {"old": ["tools"], "new": ["tools", "json_mode"]}}}
    github = compare_listings(
        "github",
        [{"id": "g", "capabilities": ["tool-calling"]}],
        [{"id": "g", "capabilities": ["tool-calling", "streaming"]}],
    )
    assert github.status == "changed"
    assert github.changed == {
        "g": {"capabilities": {"old": ["tool-calling"], "new": ["tool-calling", "streaming"]}}
    }
    gemini = compare_listings(
        "gemini",
        [{"name": "m", "thinking": {"budget": 1024}}],
        [{"name": "m", "thinking": {"budget": 8192}}],
        id_field="name",
    )
    assert gemini.changed == {"m": {"thinking.budget": {"old": 1024, "new": 8192}}}
    mistral = compare_listings(
        "mistral",
        [{"id": "m", "deprecation": "2025-03-30T12:00:00Z"}],
        [{"id": "m", "deprecation": "2025-03-30T18:00:00Z"}],
    )
    assert mistral.changed == {
        "m": {"deprecation": {"old": "2025-03-30T12:00:00Z", "new": "2025-03-30T18:00:00Z"}}
    }
    # context_length wins over context_window in the generic mapping: the loser still counts
    generic = compare_listings(
        "my-vllm",
        [{"id": "v", "context_length": 4096, "context_window": 4096}],
        [{"id": "v", "context_length": 4096, "context_window": 8192}],
    )
    assert generic.changed == {"v": {"context_window": {"old": 4096, "new": 8192}}}


def test_groq_active_is_a_raw_path():
    report = compare_listings("groq", [{"id": "g", "active": True}], [{"id": "g", "active": False}])
    assert report.changed == {"g": {"active": {"old": True, "new": False}}}


def test_price_number_written_differently_is_no_change():
    def together(price):
        return {"id": "t", "pricing": {"input": price, "output": 1}}

    assert compare_listings("together", [together(0.88)], [together(0.880)]).changed == {}
    assert compare_listings("together", [together(3)], [together(3.0)]).changed == {}


def test_price_string_to_number_is_reported():
    report = _compare([_openrouter("a/x")], [_openrouter("a/x", pricing__prompt=2.5e-07)])
    assert report.changed == {"a/x": {"pricing.prompt": {"old": "0.00000025", "new": 2.5e-07}}}


def test_empty_pricing_object_removed():
    old = [{"id": "a", "pricing": {}}]
    new = [{"id": "a"}]
    report = _compare(old, new)
    assert report.changed == {
        "a": {
            "cache_read_price": {"old": "0", "new": None},
            "cache_write_price": {"old": "0", "new": None},
            "input_price": {"old": "0", "new": None},
            "output_price": {"old": "0", "new": None},
        }
    }
    assert list(report.changed["a"]) == [
        "input_price",
        "output_price",
        "cache_read_price",
        "cache_write_price",
    ]


def test_equal_by_python_but_not_in_the_file():
    # [1] == [1.0] and {"a": 1} == {"a": True} in Python; the files differ.
    old = [_openrouter("a/x", per_request_limits=[1], default_parameters={"a": 1})]
    new = [_openrouter("a/x", per_request_limits=[1.0], default_parameters={"a": True})]
    assert _compare(old, new).changed == {
        "a/x": {
            "default_parameters.a": {"old": 1, "new": True},
            "per_request_limits": {"old": [1], "new": [1.0]},
        }
    }


def test_every_path_written_differently_in_the_file_is_reported():
    # 0.0 == -0.0 and 1 == 1.0 == true in Python; in the file each is a change, also next to
    # another change of the same model.
    old = [_openrouter("a/x", per_request_limits=0.0), _openrouter("b/y", per_request_limits=0.0)]
    new = [
        _openrouter("a/x", per_request_limits=-0.0),
        _openrouter("b/y", per_request_limits=-0.0, top_provider__is_moderated=True),
    ]
    old[0]["default_parameters"] = {"n": 1}
    new[0]["default_parameters"] = {"n": True}
    assert _compare(old, new).changed == {
        "a/x": {
            "default_parameters.n": {"old": 1, "new": True},
            "per_request_limits": {"old": 0.0, "new": -0.0},
        },
        "b/y": {
            "per_request_limits": {"old": 0.0, "new": -0.0},
            "top_provider.is_moderated": {"old": False, "new": True},
        },
    }


def test_a_price_written_as_minus_zero_is_the_same_price():
    def together(price):
        return {"id": "t", "pricing": {"input": price, "output": 1}}

    assert compare_listings("together", [together(0.0)], [together(-0.0)]).changed == {}


def test_only_ignored_fields_differ():
    old = [_openrouter("a/x"), _openrouter("b/y")]
    new = [
        _openrouter("a/x", created=1760000000, benchmarks={"latency_ms": 1}),
        _openrouter("b/y", top_provider__is_moderated=True),
    ]
    report = _compare(
        old, new, ignore_fields=["created", "benchmarks", "top_provider.is_moderated"]
    )
    assert report.status == "unchanged"
    assert report.changed == {}


def test_old_none_is_new():
    report = _compare(None, [_openrouter("b/y"), _openrouter("a/x")])
    assert report.status == "new"
    assert report.added == ["a/x", "b/y"]
    assert (report.models_before, report.models_after) == (None, 2)


def test_type_change_is_reported():
    old = [_openrouter("a/x", hugging_face_id=1)]
    new = [_openrouter("a/x", hugging_face_id=True)]
    assert _compare(old, new).changed == {"a/x": {"hugging_face_id": {"old": 1, "new": True}}}


def test_duplicates_and_junk_entries():
    old = [_openrouter("a/x"), _openrouter("a/x", context_length=1), "junk", {"name": "no id"}]
    new = [_openrouter("a/x", context_length=2)]
    report = _compare(old, new)
    assert report.changed == {"a/x": {"context_length": {"old": 1, "new": 2}}}
    assert report.models_before == 1


def test_other_id_field_and_provider_mapping():
    old = [{"name": "models/gemini-2.5-pro", "inputTokenLimit": 1000, "version": "1"}]
    new = [{"name": "models/gemini-2.5-pro", "inputTokenLimit": 2000, "version": "2"}]
    report = compare_listings("gemini", old, new, id_field="name")
    assert report.changed == {
        "models/gemini-2.5-pro": {
            "context_length": {"old": 1000, "new": 2000},
            "version": {"old": "1", "new": "2"},
        }
    }


def test_venice_prices_per_million():
    def venice(usd):
        return {"id": "v", "model_spec": {"pricing": {"input": {"usd": usd}}}}

    report = compare_listings("venice", [venice(0.7)], [venice(0.9)])
    assert report.changed == {"v": {"input_price": {"old": "0.7", "new": "0.9"}}}


def test_to_json_shape():
    report = _compare([_openrouter("a/x")], [_openrouter("b/y")])
    assert list(report.to_json()) == [
        "status",
        "error",
        "models_before",
        "models_after",
        "added",
        "removed",
        "changed",
    ]
    assert "names" not in report.to_json()


def test_four_thousand_models_a_side():
    # How long it takes is measured by benchmarks/bench_report.py, not asserted here.
    old = [_openrouter(f"v/m{i}") for i in range(4000)]
    new = copy.deepcopy(old)
    for i, model in enumerate(new):
        if i % 3 == 0:
            model["benchmarks"]["latency_ms"] += 1
    report = _compare(old, new)
    assert len(report.changed) == 1334
    assert report.changed["v/m3"] == {"benchmarks.latency_ms": {"old": 420, "new": 421}}


def test_a_value_normalization_cannot_read_is_shown_raw():
    old = [_openrouter("a/x"), _openrouter("a/y")]
    new = [
        _openrouter("a/x", pricing__prompt="1E+999999", context_length="lots"),
        _openrouter("a/y", pricing__prompt="1e30"),
    ]
    report = _compare(old, new)
    assert report.changed == {
        "a/x": {
            "input_price": {"old": "0.25", "new": None},
            "context_length": {"old": 131072, "new": "lots"},
            "pricing.prompt": {"old": "0.00000025", "new": "1E+999999"},
        },
        "a/y": {"input_price": {"old": "0.25", "new": "1" + "0" * 36}},
    }
