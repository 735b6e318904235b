"""Listing pairs shaped like real snapshots, for the report's tests and golden files.

Modelled on OpenRouter's listing as it is served (``pricing`` with cache prices,
``benchmarks.design_arena`` a list of per-category ranks, ``top_provider``), Gemini's
(``displayName``, token limits), Mistral's, Groq's, Anthropic's, OpenAI's and Together's,
with the churn seen between two real snapshots: most ``design_arena`` changes are a rank or
an Elo moving deep inside the list, a repricing moves every price of a model, a few limits
move. Seeded: the same call gives the same listings.
"""

from __future__ import annotations

import copy
import random

CATEGORIES = (
    "3d", "asciiart", "codecategories", "dataviz", "gamedev", "image", "landing",
    "logo", "slides", "svg", "uicomponent", "video", "website",
)  # fmt: skip
VENDORS = ("openai", "anthropic", "google", "meta-llama", "mistralai", "qwen", "deepseek", "x-ai")


def _price(rng: random.Random) -> str:
    return rng.choice(["0.00000015", "0.0000004", "0.000001", "0.0000025", "0.000003", "0"])


def openrouter_model(rng: random.Random, index: int, *, benchmarks: bool = True) -> dict:
    """One OpenRouter model as its listing serves it."""
    vendor = VENDORS[index % len(VENDORS)]
    prompt = _price(rng)
    pricing = {
        "prompt": prompt,
        "completion": str(round(float(prompt) * 4, 10)) if prompt != "0" else "0",
        "request": "0",
        "image": "0",
        "web_search": "0",
        "internal_reasoning": "0",
    }
    if index % 2 == 0 and prompt != "0":
        pricing["input_cache_read"] = str(round(float(prompt) / 10, 12))
    if index % 4 == 0 and prompt != "0":
        pricing["input_cache_write"] = str(round(float(prompt) * 1.25, 12))
    model = {
        "id": f"{vendor}/model-{index:03d}",
        "canonical_slug": f"{vendor}/model-{index:03d}-20250601",
        "hugging_face_id": "",
        "name": f"{vendor.title()}: Model {index}",
        "created": 1750000000 + index * 3600,
        "description": f"Model {index} of {vendor}, served through OpenRouter. " * 3,
        "context_length": rng.choice([32768, 131072, 200000, 1048576]),
        "architecture": {
            "modality": "text+image->text" if index % 3 else "text->text",
            "input_modalities": ["image", "text"] if index % 3 else ["text"],
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": pricing,
        "top_provider": {
            "context_length": 131072,
            "max_completion_tokens": rng.choice([8192, 32768, 65536]),
            "is_moderated": bool(index % 2),
        },
        "per_request_limits": None,
        "supported_parameters": [
            "frequency_penalty",
            "include_reasoning",
            "max_tokens",
            "presence_penalty",
            "reasoning",
            "response_format",
            "seed",
            "stop",
            "temperature",
            "tool_choice",
            "tools",
            "top_p",
        ][: 8 + index % 5],  # fmt: skip
        "default_parameters": {"temperature": None, "top_p": None},
    }
    if benchmarks:
        model["benchmarks"] = {
            "artificial_analysis": {
                "agentic_index": round(rng.uniform(10, 70), 1),
                "coding_index": round(rng.uniform(10, 80), 1),
                "intelligence_index": round(rng.uniform(10, 70), 1),
            },
            "design_arena": [
                {
                    "arena": "models",
                    "category": category,
                    "elo": rng.randint(1000, 1400),
                    "rank": rng.randint(1, 90),
                    "win_rate": round(rng.uniform(20, 70), 1),
                }
                for category in CATEGORIES
            ],
        }
    return model


def _reprice(model: dict, rng: random.Random) -> None:
    """Every price of the model moves, as when a provider reprices a model."""
    factor = rng.choice([0.5, 0.8, 1.25, 2])
    for key, value in model["pricing"].items():
        if key in ("prompt", "completion", "input_cache_read", "input_cache_write"):
            model["pricing"][key] = str(round(float(value) * factor, 12)) if value != "0" else "0"
    if model["pricing"]["prompt"] == "0":
        model["pricing"]["prompt"] = "0.0000001"


def openrouter_pair(
    count: int = 420, *, repriced: int = 13, arena: int = 129, seed: int = 11
) -> tuple[list[dict], list[dict]]:
    """(old, new) OpenRouter listings: ``repriced`` models repriced, ``arena`` models whose
    design_arena ranks moved (deep in the list: the start of the value reads the same), a few
    limits, moderation flags and parameters changed, one model added and one removed."""
    rng = random.Random(seed)
    old = [openrouter_model(rng, i) for i in range(count)]
    new = copy.deepcopy(old)
    order = list(range(1, count))
    rng.shuffle(order)
    for i in order[:repriced]:
        _reprice(new[i], rng)
    for i in order[repriced : repriced + arena]:
        entries = new[i]["benchmarks"]["design_arena"]
        for position in rng.sample(range(3, len(entries)), rng.randint(1, 6)):
            entries[position]["rank"] += rng.choice([-2, -1, 1, 2])
            entries[position]["elo"] += rng.randint(-9, 9) or 1
    for i in order[repriced + arena : repriced + arena + 3]:
        new[i]["context_length"] *= 2
    for i in order[repriced + arena + 3 : repriced + arena + 5]:
        new[i]["top_provider"]["is_moderated"] = not new[i]["top_provider"]["is_moderated"]
    i = order[repriced + arena + 5]
    new[i]["supported_parameters"] = sorted({*new[i]["supported_parameters"], "structured_outputs"})
    new = new[1:] + [openrouter_model(rng, count)]
    return old, new


def benchmarks_arrive_pair(count: int = 421, seed: int = 5) -> tuple[list[dict], list[dict]]:
    """(old, new) where OpenRouter added ``benchmarks`` to almost every model, and
    ``context_length`` turned from a number into a string on most (schema drift)."""
    rng = random.Random(seed)
    old = [openrouter_model(random.Random(i), i, benchmarks=False) for i in range(count)]
    new = []
    for i in range(count):
        model = openrouter_model(random.Random(i), i, benchmarks=i % 50 != 0)
        if i % 4:
            model["context_length"] = str(model["context_length"])
        new.append(model)
    rng.shuffle(new)
    return old, new


def gemini_models(count: int) -> list[dict]:
    return [
        {
            "name": f"models/gemini-{2 + i // 20}.{i % 3}-{('pro', 'flash', 'flash-lite')[i % 3]}"
            f"-{i:03d}",
            "version": f"{2 + i // 20}.{i % 3}",
            "displayName": f"Gemini {2 + i // 20}.{i % 3} {('Pro', 'Flash', 'Flash-Lite')[i % 3]}",
            "description": "Google's model.",
            "inputTokenLimit": 1048576,
            "outputTokenLimit": 65536,
            "supportedGenerationMethods": ["generateContent", "countTokens"],
            "temperature": 1,
            "thinking": i % 3 != 2,
        }
        for i in range(count)
    ]


def mistral_models(count: int) -> list[dict]:
    return [
        {
            "id": f"mistral-model-{i:03d}",
            "object": "model",
            "owned_by": "mistralai",
            "name": f"mistral-model-{i:03d}",
            "max_context_length": 131072,
            "capabilities": {"completion_chat": True, "function_calling": i % 2 == 0},
            "deprecation": None,
        }
        for i in range(count)
    ]


def groq_models(count: int) -> list[dict]:
    return [
        {
            "id": f"groq-model-{i:02d}",
            "object": "model",
            "owned_by": "Meta",
            "active": True,
            "context_window": 131072,
            "max_completion_tokens": 32768,
        }
        for i in range(count)
    ]


def anthropic_models(count: int) -> list[dict]:
    return [
        {
            "id": f"claude-model-{i}",
            "type": "model",
            "display_name": f"Claude Model {i}",
            "created_at": "2025-05-14T00:00:00Z",
        }
        for i in range(count)
    ]


def openai_models(count: int) -> list[dict]:
    return [
        {"id": f"gpt-model-{i:03d}", "object": "model", "owned_by": "openai"} for i in range(count)
    ]


def together_models(count: int) -> list[dict]:
    return [
        {
            "id": f"together/model-{i}",
            "display_name": f"Together Model {i}",
            "context_length": 32768,
            "pricing": {"input": 0.2, "output": 0.6},
        }
        for i in range(count)
    ]


FIRST_RUN_SIZES = {
    "openrouter": 340,
    "gemini": 50,
    "mistral": 60,
    "groq": 20,
    "anthropic": 9,
    "openai": 60,
    "together": 12,
}  # 551 models, as a first run of seven providers gave


def first_run(sizes: dict[str, int] | None = None) -> dict[str, list[dict]]:
    """Each provider's first listing (no previous file)."""
    sizes = FIRST_RUN_SIZES if sizes is None else sizes
    rng = random.Random(3)
    makers = {
        "openrouter": lambda n: [openrouter_model(rng, i) for i in range(n)],
        "gemini": gemini_models,
        "mistral": mistral_models,
        "groq": groq_models,
        "anthropic": anthropic_models,
        "openai": openai_models,
        "together": together_models,
    }
    return {name: makers[name](count) for name, count in sizes.items()}


ID_FIELDS = {"gemini": "name"}
