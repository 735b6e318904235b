"""Normalization: every provider's mapping table (docs/providers.md) onto the normalized
fields (docs/report.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dump_models.normalize import (
    CAPABILITY_FIELDS,
    LIMIT_FIELDS,
    MAPPINGS,
    NORMALIZED_FIELDS,
    PRICE_FIELDS,
    capability_paths,
    mapping_for,
    per_million,
    per_token,
)


def normalize_model(provider: str, model: dict) -> dict:
    """The normalized fields ``provider``'s table reads in ``model``."""
    return mapping_for(provider).read(model)[0]


CASES = [
    (
        "openrouter",
        {
            "id": "deepseek/deepseek-chat-v3.1",
            "context_length": 163840,
            "architecture": {
                "modality": "text+image->text",
                "input_modalities": ["text", "image", "file"],
                "output_modalities": ["text"],
            },
            "pricing": {
                "prompt": "0.00000025",
                "completion": "0.000015",
                "input_cache_read": "0.000000025",
            },
            "top_provider": {"context_length": 8000, "max_completion_tokens": 32768},
            "supported_parameters": ["max_tokens", "reasoning", "tools"],
        },
        {
            "input_price": Decimal("0.25"),
            "output_price": Decimal("15"),
            "cache_read_price": Decimal("0.025"),
            "cache_write_price": Decimal("0"),  # absent OpenRouter price key means free
            "context_length": 163840,  # top level, not top_provider
            # no max_output_tokens: top_provider.max_completion_tokens is routing
            # (docs/providers.md)
            "input_modalities": ("file", "image", "text"),
            "output_modalities": ("text",),
            "tools": True,
            "vision": True,
            "reasoning": True,
        },
    ),
    (
        "openrouter",
        {
            "id": "openrouter/auto",
            "pricing": {"prompt": "-1", "completion": "-1"},
            "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
            "supported_parameters": [],
            "top_provider": {"max_completion_tokens": None},
        },
        {
            # "-1" is a router whose price varies: no price at all
            "cache_read_price": Decimal("0"),
            "cache_write_price": Decimal("0"),
            "input_modalities": ("text",),
            "output_modalities": ("text",),
            "tools": False,
            "vision": False,
            "reasoning": False,
        },
    ),
    ("openrouter", {"id": "no-pricing-object"}, {}),
    (
        "venice",
        {
            "id": "llama-3.3-70b",
            "model_spec": {
                "availableContextTokens": 65536,
                "maxCompletionTokens": 8192,
                "capabilities": {
                    "supportsFunctionCalling": True,
                    "supportsVision": False,
                    "supportsReasoning": False,
                },
                "pricing": {"input": {"usd": 0.7, "vcu": 7}, "output": {"usd": 2.8}},
            },
        },
        {
            "input_price": Decimal("0.7"),  # already per 1M
            "output_price": Decimal("2.8"),
            "context_length": 65536,
            "max_output_tokens": 8192,
            "input_modalities": ("text",),  # a text model's capabilities: text, plus flags
            "tools": True,
            "vision": False,
            "reasoning": False,
        },
    ),
    (
        "requesty",
        {
            "id": "openai/gpt-4o",
            "context_window": 128000,
            "max_output_tokens": 16384,
            "input_price": 2.5e-06,
            "output_price": 1e-05,
            "cached_price": 1.25e-06,
            "supports_vision": True,
            "supports_reasoning": False,
        },
        {
            "input_price": Decimal("2.5"),
            "output_price": Decimal("10"),
            "cache_read_price": Decimal("1.25"),
            "context_length": 128000,
            "max_output_tokens": 16384,
            "vision": True,
            "reasoning": False,
        },
    ),
    (
        "groq",
        {"id": "llama3-8b", "active": False, "context_window": 8192, "max_completion_tokens": 8192},
        # `active` feeds no normalized field (docs/report.md has no "deprecated")
        {"context_length": 8192, "max_output_tokens": 8192},
    ),
    (
        "mistral",
        {
            "id": "mistral-large-2407",
            "max_context_length": 131072,
            "capabilities": {"completion_chat": True, "function_calling": True, "vision": False},
            "deprecation": "2025-03-30T12:00:00Z",
        },
        {
            "context_length": 131072,
            "input_modalities": ("text",),  # completion_chat
            "tools": True,
            "vision": False,
            "deprecation_date": "2025-03-30",
        },
    ),
    (
        "mistral",
        {"id": "m", "max_context_length": 32768, "deprecation": None},
        {"context_length": 32768},
    ),
    (
        "together",
        {
            "id": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
            "context_length": 131072,
            "pricing": {"input": 0.88, "output": 0.88, "hourly": 0, "base": 0},
        },
        {"input_price": Decimal("0.88"), "output_price": Decimal("0.88"), "context_length": 131072},
    ),
    (
        "fireworks",
        {
            "id": "accounts/fireworks/models/llama-v3p1-8b-instruct",
            "context_length": 131072,
            "supports_tools": True,
            "supports_image_input": False,
            "supports_chat": True,
        },
        {"context_length": 131072, "tools": True, "vision": False},
    ),
    (
        "cohere",
        {
            "name": "command-r-plus",
            "context_length": 128000,
            "features": ["json_mode", "tools", "strict_tools"],
            "supports_vision": False,
        },
        {"context_length": 128000, "tools": True, "vision": False},
    ),
    (
        "gemini",
        {
            "name": "models/gemini-2.5-pro",
            "inputTokenLimit": 1048576,
            "outputTokenLimit": 65536,
            "thinking": True,
        },
        {"context_length": 1048576, "max_output_tokens": 65536, "reasoning": True},
    ),
    (
        "anthropic",
        {
            "id": "claude-sonnet-4-5",
            "display_name": "Claude Sonnet 4.5",
            "max_input_tokens": 200000,
            "max_tokens": 64000,
        },
        {"context_length": 200000, "max_output_tokens": 64000},
    ),
    ("anthropic", {"id": "claude-2", "display_name": "Claude 2", "type": "model"}, {}),
    (
        "github",
        {
            "id": "openai/gpt-4.1",
            "limits": {"max_input_tokens": 1048576, "max_output_tokens": 32768},
            "capabilities": ["streaming", "tool-calling"],
            "supported_input_modalities": ["text", "image"],
            "supported_output_modalities": ["text"],
        },
        {
            "context_length": 1048576,
            "max_output_tokens": 32768,
            "input_modalities": ("image", "text"),
            "output_modalities": ("text",),
            "tools": True,
            "vision": True,
            "reasoning": False,  # capabilities lists no "reasoning"
        },
    ),
    (
        "my-vllm",  # not built in: OpenAI-style fallback
        {"id": "local", "object": "model", "max_model_len": 4096, "context_window": 4096},
        {"context_length": 4096},
    ),
    ("openai", {"id": "gpt-4o", "object": "model", "created": 1, "owned_by": "openai"}, {}),
]


@pytest.mark.parametrize(("provider", "model", "expected"), CASES)
def test_normalize_model(provider, model, expected):
    result, unreadable = mapping_for(provider).read(model)
    assert result == expected
    assert unreadable == {}
    # Exact decimals, not merely equal ones: "0.250" or 2.5E-1 would print differently.
    for name, value in expected.items():
        if isinstance(value, Decimal):
            assert str(result[name]) == str(value)
    assert set(result) <= set(NORMALIZED_FIELDS)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.00000025", "0.25"),
        ("0.000015", "15"),
        ("0.0001", "100"),
        ("0", "0"),
        ("0.000000025", "0.025"),
        (2.5e-07, "0.25"),
        (1, "1000000"),
        ("-1", None),
        ("n/a", None),
        (None, None),
        (True, None),
    ],
)
def test_per_token_is_exact(raw, expected):
    value = per_token(raw)
    assert (None if value is None else str(value)) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [(0.88, "0.88"), ("3.00", "3"), (100, "100"), (-1, None)]
)
def test_per_million_unchanged(raw, expected):
    value = per_million(raw)
    assert (None if value is None else str(value)) == expected


def test_price_texts_read_once_never_mix_types():
    # Prices are read once per distinct value: 1, 1.0 and true hash alike, but differ.
    assert [per_token(value) for value in (1, True, 1.0, "1", False, 0)] == [
        Decimal(1000000),
        None,
        Decimal(1000000),
        Decimal(1000000),
        None,
        Decimal(0),
    ]


@pytest.mark.parametrize(
    ("provider", "model", "expected"),
    [
        (
            "openrouter",
            {"pricing": {"prompt": "1E+999999"}, "context_length": "lots"},
            {"input_price": "1E+999999", "context_length": "lots"},
        ),
        ("openrouter", {"pricing": {"prompt": "-1"}}, {}),  # a varying price: none, on purpose
        (
            "openrouter",
            {"architecture": {"input_modalities": "text"}},
            {"input_modalities": "text", "vision": "text"},
        ),
        ("my-vllm", {"context_length": "lots", "context_window": 4096}, {}),  # read elsewhere
        ("mistral", {"deprecation": None}, {}),  # null: not given
        ("mistral", {"deprecation": "soon"}, {"deprecation_date": "soon"}),
        ("venice", {"model_spec": {"capabilities": {"supportsVision": "yes"}}}, {"vision": "yes"}),
    ],
)
def test_values_that_cannot_be_read_are_kept_raw(provider, model, expected):
    values, unreadable = mapping_for(provider).read(model)
    assert unreadable == expected
    assert not set(unreadable) & set(values)


@pytest.mark.parametrize(
    ("provider", "path", "value", "expected"),
    [
        ("openrouter", "pricing.prompt", "1E+999999", True),
        ("openrouter", "pricing.prompt", "0.000001", False),
        ("openrouter", "pricing.prompt", "-1", False),  # read as "no price" on purpose
        ("openrouter", "pricing.prompt", None, False),
        ("openrouter", "architecture.input_modalities", "text", True),
        ("openrouter", "architecture.input_modalities", ["text"], False),
        ("openrouter", "benchmarks", "x", False),  # no row reads it
        ("my-vllm", "context_length", "lots", True),
    ],
)
def test_unreadable_path(provider, path, value, expected):
    assert mapping_for(provider).unreadable(path, value) is expected


def test_bad_shapes_give_no_value():
    model = {
        "context_length": "lots",
        "top_provider": "gone",
        "pricing": {"prompt": {"nested": 1}},
        "architecture": {"input_modalities": "text"},
        "supported_parameters": None,
    }
    assert normalize_model("openrouter", model) == {
        "output_price": Decimal(0),
        "cache_read_price": Decimal(0),
        "cache_write_price": Decimal(0),
    }


def test_feeding_paths():
    paths = mapping_for("openrouter").feeding
    assert paths["pricing.prompt"] == ("input_price",)
    assert paths["supported_parameters"] == ("tools", "reasoning")
    assert paths["architecture.input_modalities"] == ("input_modalities", "vision")
    assert "top_provider.max_completion_tokens" not in paths
    assert "top_provider.is_moderated" not in paths
    assert mapping_for("venice").feeding["model_spec.pricing.input.usd"] == ("input_price",)
    assert mapping_for("my-vllm").feeding["context_window"] == ("context_length",)
    assert "active" not in mapping_for("groq").feeding


def test_only_spec_fields_are_normalized():
    # docs/report.md's table, nothing more.
    spec = {
        "input_price",
        "output_price",
        "cache_read_price",
        "cache_write_price",
        "context_length",
        "max_output_tokens",
        "input_modalities",
        "output_modalities",
        "tools",
        "vision",
        "reasoning",
        "deprecation_date",
    }
    assert set(NORMALIZED_FIELDS) == spec
    assert NORMALIZED_FIELDS == PRICE_FIELDS + LIMIT_FIELDS + CAPABILITY_FIELDS
    for rows in MAPPINGS.values():
        assert {name for _path, name, _transform in rows} <= spec


def test_max_output_tokens_kept_for_other_providers():
    for provider in ("venice", "requesty", "groq", "gemini", "anthropic", "github"):
        assert "max_output_tokens" in {name for _p, name, _t in MAPPINGS[provider]}, provider
    model = {"top_provider": {"max_completion_tokens": 32768}, "context_length": 1}
    assert "max_output_tokens" not in normalize_model("openrouter", model)


def test_capability_paths():
    assert "supported_parameters" in capability_paths("openrouter")
    assert "pricing.prompt" not in capability_paths("openrouter")
    assert "top_provider.max_completion_tokens" not in capability_paths("openrouter")
    assert "active" in capability_paths("groq")
    assert capability_paths("my-vllm") == frozenset()


@pytest.mark.parametrize(
    ("provider", "path", "old", "new", "expected"),
    [
        # exact transforms: only the writing changed
        ("openrouter", "pricing.prompt", "0.00000025", "0.000000250", True),
        ("together", "pricing.input", 0.88, 0.880, True),
        ("together", "pricing.input", 3, 3.0, True),
        ("openrouter", "supported_parameters", ["tools", "top_p"], ["top_p", "tools"], True),
        ("github", "supported_input_modalities", ["text", "image"], ["image", "text"], True),
        # real changes
        ("openrouter", "pricing.prompt", "0.00000025", "0.00000055", False),
        ("openrouter", "pricing.prompt", "0.00000025", 2.5e-07, False),  # string -> number
        ("openrouter", "pricing.prompt", "-1", "-1.0", False),  # not a price either side
        ("openrouter", "supported_parameters", ["tools"], ["tools", "structured_outputs"], False),
        ("openrouter", "supported_parameters", ["tools"], ["tools", "tools"], False),
        ("cohere", "features", ["tools"], ["tools", "json_mode"], False),
        ("mistral", "deprecation", "2025-03-30T12:00:00Z", "2025-03-30T18:00:00Z", False),
        ("gemini", "thinking", True, {"budget": 1024}, False),
        ("groq", "context_window", 8192, "8192", False),  # lossy: integer()
        ("openrouter", "benchmarks", {"a": 1}, {"a": 2}, False),  # feeds nothing
    ],
)
def test_same_meaning(provider, path, old, new, expected):
    assert mapping_for(provider).same_meaning(path, old, new) is expected


HOSTILE_NUMBERS = [
    "1e30",
    "1E+999999",
    "1e-999999",
    "1e999999999999",
    "-0",
    "NaN",
    "-Infinity",
    "sNaN",
    "1_000",
    "0." + "0" * 5000 + "1",
    "9" * 5000,
    1e308,
    5e-324,
    10**400,
    float("nan"),
    float("inf"),
    "²",
    "٣",
    [],
    {},
]


@pytest.mark.parametrize("raw", HOSTILE_NUMBERS)
def test_hostile_numbers_never_raise(raw):
    """A value that cannot be normalized is absent (shown raw), never a traceback."""
    for provider in ("openrouter", "venice", "together", "requesty", "my-vllm"):
        model = {
            "id": "x",
            "pricing": {"prompt": raw, "input": raw, "completion": raw},
            "input_price": raw,
            "context_length": raw,
            "context_window": raw,
            "model_spec": {"pricing": {"input": {"usd": raw}}, "availableContextTokens": raw},
        }
        normalized = normalize_model(provider, model)
        for name in PRICE_FIELDS:
            value = normalized.get(name)
            # A price is shown in plain notation: never an exponent, never a screenful.
            assert value is None or len(format(value, "f")) <= 100
        mapping_for(provider).same_meaning("pricing.prompt", raw, "0.000001")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1e30", "1000000000000000000000000000000000000"),
        ("1e-30", "0.000000000000000000000001"),
        ("1E+999999", None),  # no price anybody means: shown under its raw path
        ("0." + "0" * 5000 + "1", None),
        ("9" * 5000, None),
    ],
)
def test_extreme_prices_in_plain_notation_or_absent(raw, expected):
    value = per_token(raw)
    assert (None if value is None else format(value, "f")) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("²", None), ("٣", None), ("9" * 5000, None), (-5, None), (-1.0, None)]
)
def test_limits_that_are_not_plain_integers_are_absent(raw, expected):
    assert normalize_model("my-vllm", {"id": "x", "context_length": raw}) == {}
