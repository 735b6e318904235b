"""Every normalized field a built-in provider's listing carries is filled, in its real shape
(tests/catalog_listings.py); what a listing lacks stays unknown (None), never 0 or false."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from catalog_listings import DUMPS

from dump_models.canonical import listing_models
from dump_models.normalize import NORMALIZED_FIELDS
from dump_models.providers import builtin_registry
from dump_models.records import ModelRecord, records_of


def record(provider: str, model_id: str) -> ModelRecord:
    spec = builtin_registry()[provider]
    models = listing_models(DUMPS[provider], spec.list_key)
    assert models is not None
    return records_of(provider, models, id_field=spec.id_field)[model_id]


D = Decimal
EXPECTED: list[tuple[str, str, dict[str, Any]]] = [
    (
        "openrouter",
        "openai/gpt-4o-audio-preview",
        {
            "name": "OpenAI: GPT-4o Audio",
            "input_price": D("2.5"),
            "output_price": D("10"),
            "cache_read_price": D(0),  # absent inside OpenRouter's pricing: free
            "cache_write_price": D(0),
            "context_length": 128000,
            "input_modalities": ("audio", "text"),
            "output_modalities": ("text",),
            "tools": True,
            "vision": False,
            "reasoning": False,
            "deprecation_date": "2026-03-01",  # expiration_date
        },
    ),
    (
        "anthropic",
        "claude-3-7-sonnet-20250219",
        {
            "name": "Claude Sonnet 3.7",
            "context_length": 200000,
            "max_output_tokens": 64000,
            "vision": True,
            "reasoning": True,
            "deprecation_date": "2026-02-19",  # retires_at, before deprecated_at
        },
    ),
    (
        "anthropic",
        "claude-haiku-4-5-20251001",
        {
            "name": "Claude Haiku 4.5",
            "context_length": 200000,
            "max_output_tokens": 64000,
            "vision": True,
            "reasoning": False,
        },
    ),
    ("anthropic", "claude-3-haiku-20240307", {"name": "Claude Haiku 3"}),
    (
        "gemini",
        "models/gemini-2.5-pro",
        {
            "name": "Gemini 2.5 Pro",  # displayName; `name` is the id
            "context_length": 1048576,
            "max_output_tokens": 65536,
            "reasoning": True,
        },
    ),
    (
        "mistral",
        "mistral-large-2407",
        {
            "name": "mistral-large-2407",
            "context_length": 131072,
            "input_modalities": ("text",),
            "tools": True,
            "vision": False,
            "deprecation_date": "2025-11-30",
        },
    ),
    (
        "mistral",
        "voxtral-small-latest",
        {
            "name": "voxtral-small-2507",
            "context_length": 32768,
            "input_modalities": ("audio", "text"),
            "tools": True,
            "vision": False,
        },
    ),
    (
        "venice",
        "qwen3-235b",
        {
            "name": "Qwen 3 235B",  # model_spec.name
            "input_price": D("0.9"),
            "output_price": D("4.5"),
            "cache_read_price": D("0.45"),
            "context_length": 131072,
            "max_output_tokens": 32768,
            "input_modalities": ("audio", "text"),
            "tools": True,
            "vision": False,
            "reasoning": True,
            "deprecation_date": "2026-06-01",
        },
    ),
    ("venice", "venice-sd35", {"name": "Venice SD35"}),  # priced per image: no token price
    (
        "requesty",
        "openai/gpt-4o",
        {
            "input_price": D("2.5"),
            "output_price": D("10"),
            "cache_read_price": D("1.25"),
            "context_length": 128000,
            "max_output_tokens": 16384,
            "vision": True,
            "reasoning": False,
        },
    ),
    # `active: false` stays a raw signal: it carries no date (docs/providers.md).
    ("groq", "gemma2-9b-it", {"context_length": 8192, "max_output_tokens": 8192}),
    (
        "together",
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        {
            "name": "Llama 3.3 70B Instruct Turbo",
            "input_price": D("0.88"),
            "output_price": D("0.88"),
            "context_length": 131072,
        },
    ),
    (
        "fireworks",
        "accounts/fireworks/models/llama-v3p1-8b-instruct",
        {"context_length": 131072, "tools": True, "vision": False},
    ),
    (
        "cohere",
        "command-a-vision-07-2025",
        # `name` is Cohere's id: no display name
        {"context_length": 128000, "tools": False, "vision": True},
    ),
    (
        "github",
        "openai/o4-mini",
        {
            "name": "OpenAI o4-mini",
            "context_length": 200000,
            "max_output_tokens": 100000,
            "input_modalities": ("image", "text"),
            "output_modalities": ("text",),
            "tools": True,
            "vision": True,
            "reasoning": True,
        },
    ),
    ("ollama", "llama3.2:latest", {}),  # `name` is the id
    ("openai", "gpt-4o", {}),  # no prices in OpenAI's listing: unknown, never 0
    (
        "novita",
        "deepseek/deepseek-v3-0324",
        {
            "name": "DeepSeek V3 0324",
            "input_price": D("0.28"),  # 2800 ten-thousandths of a USD per 1M tokens
            "output_price": D("1.14"),
            "context_length": 163840,
            "max_output_tokens": 163840,
            "input_modalities": ("text",),
            "output_modalities": ("text",),
            "tools": True,
            "vision": False,
            "reasoning": False,
        },
    ),
    (
        "chutes",
        "Qwen/Qwen3-32B-TEE",
        {
            "input_price": D("0.104"),
            "output_price": D("0.416"),
            "cache_read_price": D("0.052"),
            "context_length": 40960,
            "max_output_tokens": 40960,
            "input_modalities": ("text",),
            "output_modalities": ("text",),
            "tools": True,
            "vision": False,
            "reasoning": True,
        },
    ),
    (
        "vercel",
        "anthropic/claude-3-haiku",
        {
            "name": "Claude 3 Haiku",
            "input_price": D("0.25"),
            "output_price": D("1.25"),
            "cache_read_price": D("0.03"),
            "cache_write_price": D("0.3"),
            "context_length": 200000,
            "max_output_tokens": 4096,
            "tools": True,
            "vision": True,
            "reasoning": False,
        },
    ),
    (
        "deepinfra",
        "deepseek-ai/DeepSeek-V3.2",
        {
            "input_price": D("0.27"),
            "output_price": D("0.4"),
            "cache_read_price": D("0.216"),
            "context_length": 163840,
            "max_output_tokens": 65536,
        },
    ),
    ("deepinfra", "openai/whisper-large-v3", {}),
]


@pytest.mark.parametrize(
    ("provider", "model_id", "expected"), EXPECTED, ids=[f"{p}:{m}" for p, m, _ in EXPECTED]
)
def test_every_field_the_listing_carries(provider, model_id, expected):
    found = record(provider, model_id)
    values = {name: getattr(found, name) for name in ("name", *NORMALIZED_FIELDS)}
    assert {k: v for k, v in values.items() if v is not None} == expected
    for name, value in expected.items():
        if isinstance(value, Decimal):  # exact: "0.9", not "0.90" or 9E-1
            assert str(values[name]) == str(value), name
    assert found.unreadable == {}


def test_providers_without_prices_say_unknown():
    for provider, model_id in [
        ("openai", "gpt-4o-mini"),
        ("anthropic", "claude-haiku-4-5-20251001"),
        ("gemini", "models/gemini-2.5-pro"),
    ]:
        found = record(provider, model_id)
        prices = (found.input_price, found.output_price, found.cache_read_price)
        assert prices == (None, None, None), provider


def test_every_builtin_shape_is_covered():
    assert set(DUMPS) <= set(builtin_registry())
    priced = {"openrouter", "venice", "requesty", "together", "novita", "chutes", "vercel"}
    for provider in priced | {"deepinfra"}:
        spec = builtin_registry()[provider]
        models = listing_models(DUMPS[provider], spec.list_key) or []
        records = records_of(provider, models, id_field=spec.id_field).values()
        assert any(r.input_price is not None for r in records), provider
