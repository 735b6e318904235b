"""Normalization: every provider of PROVIDERS.md's mapping table onto SPEC §5's fields."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dump_models.normalize import (
    NORMALIZED_FIELDS,
    feeding_paths,
    normalize_model,
    per_million,
    per_token,
)

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
            "max_output_tokens": 32768,
            "input_modalities": ["file", "image", "text"],
            "output_modalities": ["text"],
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
            "input_modalities": ["text"],
            "output_modalities": ["text"],
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
        {"context_length": 8192, "max_output_tokens": 8192, "deprecated": True},
    ),
    (
        "groq",
        {"id": "llama-3.3", "active": True, "context_window": 131072},
        {"context_length": 131072, "deprecated": False},
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
            "input_modalities": ["image", "text"],
            "output_modalities": ["text"],
            "tools": True,
            "vision": True,
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
    result = normalize_model(provider, model)
    assert result == expected
    # Exact decimals, not merely equal ones: "0.250" or 2.5E-1 would print differently.
    for name, value in expected.items():
        if isinstance(value, Decimal):
            assert str(result[name]) == str(value)
    assert list(result) == [name for name in NORMALIZED_FIELDS if name in result]


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
    paths = feeding_paths("openrouter")
    assert paths["pricing.prompt"] == "input_price"
    assert paths["top_provider.max_completion_tokens"] == "max_output_tokens"
    assert paths["supported_parameters"] == "tools"
    assert "top_provider.is_moderated" not in paths
    assert feeding_paths("venice")["model_spec.pricing.input.usd"] == "input_price"
    assert feeding_paths("my-vllm")["context_window"] == "context_length"
