"""``dump-models export --format litellm``: the catalog as LiteLLM's model cost map (pure).

The shape of LiteLLM's ``model_prices_and_context_window.json``, keyed
``<litellm_provider>/<model id>`` so that ``litellm.register_model(json.load(f))`` takes it
and LiteLLM's cost functions give what ``dump-models cost`` gives (docs/catalog.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from . import decimals
from .console import json_text
from .json_values import MISSING, lookup
from .records import ModelRecord

# Our provider names -> LiteLLM's (``litellm.provider_list`` and its OpenAI-compatible
# providers.json, 1.110). A provider LiteLLM does not know keeps its own name: LiteLLM then
# prices its models only when ``custom_llm_provider=<name>`` is passed (docs/catalog.md).
LITELLM_PROVIDERS: dict[str, str] = {
    "openrouter": "openrouter",
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "mistral": "mistral",
    "venice": "veniceai",
    "groq": "groq",
    "together": "together_ai",
    "fireworks": "fireworks_ai",
    "deepseek": "deepseek",
    "xai": "xai",
    "cohere": "cohere",
    "cerebras": "cerebras",
    "deepinfra": "deepinfra",
    "nvidia": "nvidia_nim",
    "huggingface": "huggingface",
    "github": "github",
    "ollama": "ollama",
    "hyperbolic": "hyperbolic",
    "nebius": "nebius",
    "novita": "novita",
    "sambanova": "sambanova",
    "chutes": "chutes",
    "vercel": "vercel_ai_gateway",
}
# LiteLLM calls Gemini models without the "models/" of their names in the listing.
_ID_PREFIXES: dict[str, str] = {"gemini": "models/"}
# The modality words LiteLLM's own map uses; others (``file``, ``embeddings``) are left out.
INPUT_MODALITIES = ("audio", "image", "text", "video")
OUTPUT_MODALITIES = ("audio", "code", "image", "text")


def _words_mode(table: dict[str, str]) -> Callable[[Any], str | None]:
    return lambda value: table.get(value) if isinstance(value, str) else None


def _only(method: str, mode: str, *others: str) -> Callable[[Any], str | None]:
    """``mode`` when a list holds ``method`` and none of ``others``."""

    def rule(value: Any) -> str | None:
        if isinstance(value, list) and method in value and not set(others) & set(value):
            return mode
        return None

    return rule


_TYPES = {
    "embedding": "embedding",
    "image": "image_generation",
    "rerank": "rerank",
    "moderation": "moderation",
    "transcribe": "audio_transcription",
    "asr": "audio_transcription",
    "tts": "audio_speech",
    "audio": "audio_speech",
}
# Where a provider's listing says what kind of model it is (docs/catalog.md, "mode").
MODE_RULES: dict[str, tuple[tuple[str, Callable[[Any], str | None]], ...]] = {
    "gemini": (
        ("supportedGenerationMethods", _only("embedContent", "embedding", "generateContent")),
    ),
    "cohere": (
        ("endpoints", _only("embed", "embedding", "chat", "generate")),
        ("endpoints", _only("rerank", "rerank", "chat", "generate")),
    ),
    "together": (("type", _words_mode(_TYPES)),),
    "venice": (("type", _words_mode(_TYPES)),),
    "vercel": (("type", _words_mode(_TYPES)),),
    "novita": (("model_type", _words_mode(_TYPES)),),
}


def litellm_mode(record: ModelRecord) -> str:
    """LiteLLM's ``mode``: what the provider's listing says (``MODE_RULES``), else what the
    output modalities say (only embeddings, images or audio), else ``chat``."""
    for path, rule in MODE_RULES.get(record.provider, ()):
        value = lookup(record.raw, tuple(path.split(".")))
        mode = None if value is MISSING else rule(value)
        if mode is not None:
            return mode
    outputs = set(record.output_modalities or ())
    if outputs and "text" not in outputs:
        for words, mode in (
            ({"embeddings", "embedding"}, "embedding"),
            ({"image"}, "image_generation"),
            ({"audio"}, "audio_speech"),
        ):
            if outputs & words:
                return mode
    return "chat"


def per_token(price: Decimal) -> float:
    """USD per 1M tokens -> USD per token as LiteLLM holds it (a float, rounded once)."""
    scaled = decimals.scaled(price, -6)
    return float(scaled if scaled is not None else 0)


def litellm_provider(provider: str) -> str:
    """LiteLLM's name for ``provider`` (its own name when LiteLLM has none)."""
    return LITELLM_PROVIDERS.get(provider, provider)


def litellm_key(record: ModelRecord) -> str:
    """``<litellm_provider>/<model id>``: ``openrouter/anthropic/claude-sonnet-4.5``."""
    model_id = record.id.removeprefix(_ID_PREFIXES.get(record.provider, ""))
    return f"{litellm_provider(record.provider)}/{model_id}"


def litellm_entry(record: ModelRecord) -> dict[str, Any]:
    """One model's entry; a field whose value is unknown is left out (LiteLLM then keeps what
    it knows, or nothing)."""
    entry: dict[str, Any] = {"litellm_provider": litellm_provider(record.provider)}
    entry["mode"] = litellm_mode(record)
    if record.input_price is not None:
        entry["input_cost_per_token"] = per_token(record.input_price)
    if record.output_price is not None:
        entry["output_cost_per_token"] = per_token(record.output_price)
    # Cache prices the listing lacks are the input price, as `cost` charges them; said
    # explicitly so that register_model does not keep another price from LiteLLM's own map.
    for field, name in (
        ("cache_read_price", "cache_read_input_token_cost"),
        ("cache_write_price", "cache_creation_input_token_cost"),
    ):
        price = getattr(record, field)
        if price is None:
            price = record.input_price
        if price is not None:
            entry[name] = per_token(price)
    if record.max_output_tokens is not None:
        entry["max_tokens"] = record.max_output_tokens
        entry["max_output_tokens"] = record.max_output_tokens
    if record.context_length is not None:
        entry["max_input_tokens"] = record.context_length
    for field, name in (
        ("tools", "supports_function_calling"),
        ("vision", "supports_vision"),
        ("reasoning", "supports_reasoning"),
    ):
        if getattr(record, field) is not None:
            entry[name] = getattr(record, field)
    for words, known, name in (
        (record.input_modalities, INPUT_MODALITIES, "supported_modalities"),
        (record.output_modalities, OUTPUT_MODALITIES, "supported_output_modalities"),
    ):
        if words is not None:
            entry[name] = [word for word in words if word in known]
    if record.deprecation_date is not None:
        entry["deprecation_date"] = record.deprecation_date
    return entry


def litellm_cost_map(records: Iterable[ModelRecord]) -> dict[str, dict[str, Any]]:
    """Every record's entry by key, keys sorted (the last of two records with one key wins:
    ``gemini``'s ``models/x`` and ``x`` would be one LiteLLM model)."""
    entries = {litellm_key(record): litellm_entry(record) for record in records}
    return dict(sorted(entries.items()))


def litellm_text(records: Iterable[ModelRecord]) -> str:
    """The cost map as a file holds it and stdout shows it: two-space JSON, final newline,
    safe in a workflow log (``console.json_text``)."""
    return json_text(litellm_cost_map(records)) + "\n"
