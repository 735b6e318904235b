"""Realistic dumps of the built-in providers, in each provider's own listing shape.

Written from the providers' documented responses and real captures (docs/providers.md); the
values are examples, the shapes are the providers'. ``write_dumps(directory)`` writes them as
``<provider>.json`` the way ``run`` would (two-space JSON).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OPENROUTER: dict[str, Any] = {
    "data": [
        {
            "id": "anthropic/claude-sonnet-4.5",
            "canonical_slug": "anthropic/claude-4.5-sonnet-20250929",
            "name": "Anthropic: Claude Sonnet 4.5",
            "created": 1759161676,
            "context_length": 1000000,
            "architecture": {
                "modality": "text+image+file->text",
                "input_modalities": ["text", "image", "file"],
                "output_modalities": ["text"],
                "tokenizer": "Claude",
            },
            "pricing": {
                "prompt": "0.000003",
                "completion": "0.000015",
                "input_cache_read": "0.0000003",
                "input_cache_write": "0.00000375",
                "request": "0",
                "image": "0.0048",
            },
            "top_provider": {
                "context_length": 1000000,
                "max_completion_tokens": 64000,
                "is_moderated": True,
            },
            "supported_parameters": ["max_tokens", "reasoning", "temperature", "tools"],
            "expiration_date": None,
        },
        {
            "id": "deepseek/deepseek-chat-v3.1",
            "name": "DeepSeek: DeepSeek V3.1",
            "created": 1755779628,
            "context_length": 163840,
            "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
            "pricing": {"prompt": "0.00000025", "completion": "0.000001"},
            "top_provider": {"context_length": 163840, "max_completion_tokens": 163840},
            "supported_parameters": ["max_tokens", "reasoning", "tools"],
        },
        {
            "id": "openai/gpt-4o-audio-preview",
            "name": "OpenAI: GPT-4o Audio",
            "created": 1755233061,
            "context_length": 128000,
            "architecture": {
                "input_modalities": ["audio", "text"],
                "output_modalities": ["text"],
            },
            "pricing": {"prompt": "0.0000025", "completion": "0.00001", "audio": "0.00004"},
            "supported_parameters": ["max_tokens", "tools"],
            "expiration_date": "2026-03-01",
        },
        {
            "id": "openrouter/auto",
            "name": "Auto Router",
            "context_length": 2000000,
            "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["text"]},
            "pricing": {"prompt": "-1", "completion": "-1"},
            "supported_parameters": [],
        },
    ],
    "total_count": 4,
}

OPENAI: dict[str, Any] = {
    "object": "list",
    "data": [
        {"id": "gpt-4o", "object": "model", "created": 1715367049, "owned_by": "system"},
        {"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"},
    ],
}

ANTHROPIC: dict[str, Any] = {
    "data": [
        {
            "type": "model",
            "id": "claude-3-haiku-20240307",
            "display_name": "Claude Haiku 3",
            "created_at": "2024-03-07T00:00:00Z",
        },
        {
            "type": "model",
            "id": "claude-3-7-sonnet-20250219",
            "display_name": "Claude Sonnet 3.7",
            "created_at": "2025-02-24T00:00:00Z",
            "max_input_tokens": 200000,
            "max_tokens": 64000,
            "lifecycle": "deprecated",
            "deprecated_at": "2025-10-28T00:00:00Z",
            "retires_at": "2026-02-19T00:00:00Z",
            "capabilities": {
                "image_input": {"supported": True},
                "pdf_input": {"supported": True},
                "thinking": {"supported": True, "types": {"enabled": {"supported": True}}},
            },
        },
        {
            "type": "model",
            "id": "claude-haiku-4-5-20251001",
            "display_name": "Claude Haiku 4.5",
            "created_at": "2025-10-15T00:00:00Z",
            "max_input_tokens": 200000,
            "max_tokens": 64000,
            "lifecycle": "active",
            "deprecated_at": None,
            "retires_at": None,
            "capabilities": {
                "effort": {"supported": False},
                "image_input": {"supported": True},
                "pdf_input": {"supported": True},
                "structured_outputs": {"supported": True},
                "thinking": {"supported": False},
            },
        },
    ]
}

GEMINI: dict[str, Any] = {
    "models": [
        {
            "name": "models/gemini-2.5-pro",
            "version": "2.5",
            "displayName": "Gemini 2.5 Pro",
            "description": "Stable release of Gemini 2.5 Pro",
            "inputTokenLimit": 1048576,
            "outputTokenLimit": 65536,
            "supportedGenerationMethods": [
                "generateContent",
                "countTokens",
                "batchGenerateContent",
            ],
            "temperature": 1,
            "topP": 0.95,
            "thinking": True,
        },
        {
            "name": "models/text-embedding-004",
            "version": "004",
            "displayName": "Text Embedding 004",
            "inputTokenLimit": 2048,
            "outputTokenLimit": 1,
            "supportedGenerationMethods": ["embedContent"],
        },
    ]
}

MISTRAL: dict[str, Any] = {
    "object": "list",
    "data": [
        {
            "id": "mistral-large-2407",
            "object": "model",
            "owned_by": "mistralai",
            "capabilities": {
                "completion_chat": True,
                "completion_fim": False,
                "function_calling": True,
                "fine_tuning": False,
                "vision": False,
                "classification": False,
            },
            "name": "mistral-large-2407",
            "max_context_length": 131072,
            "aliases": [],
            "deprecation": "2025-11-30T12:00:00Z",
            "deprecation_replacement_model": "mistral-large-latest",
            "type": "base",
        },
        {
            "id": "voxtral-small-latest",
            "object": "model",
            "owned_by": "mistralai",
            "capabilities": {
                "completion_chat": True,
                "function_calling": True,
                "vision": False,
                "audio": True,
            },
            "name": "voxtral-small-2507",
            "max_context_length": 32768,
            "deprecation": None,
            "type": "base",
        },
    ],
}

VENICE: dict[str, Any] = {
    "object": "list",
    "type": "all",
    "data": [
        {
            "id": "qwen3-235b",
            "type": "text",
            "object": "model",
            "owned_by": "venice.ai",
            "model_spec": {
                "name": "Qwen 3 235B",
                "availableContextTokens": 131072,
                "maxCompletionTokens": 32768,
                "capabilities": {
                    "supportsFunctionCalling": True,
                    "supportsVision": False,
                    "supportsReasoning": True,
                    "supportsAudioInput": True,
                },
                "pricing": {
                    "input": {"usd": 0.9, "diem": 9},
                    "output": {"usd": 4.5, "diem": 45},
                    "cache_input": {"usd": 0.45, "diem": 4.5},
                },
                "deprecation": {"date": "2026-06-01T00:00:00.000Z"},
                "offline": False,
            },
        },
        {
            "id": "venice-sd35",
            "type": "image",
            "object": "model",
            "model_spec": {"name": "Venice SD35", "pricing": {"generation": {"usd": 0.01}}},
        },
    ],
}

REQUESTY: dict[str, Any] = {
    "object": "list",
    "data": [
        {
            "id": "openai/gpt-4o",
            "object": "model",
            "context_window": 128000,
            "max_output_tokens": 16384,
            "input_price": 2.5e-06,
            "output_price": 1e-05,
            "cached_price": 1.25e-06,
            "supports_vision": True,
            "supports_reasoning": False,
        },
        {
            # The same id as under openrouter: one model per provider, never merged.
            "id": "anthropic/claude-sonnet-4.5",
            "object": "model",
            "context_window": 200000,
            "max_output_tokens": 64000,
            "input_price": 3e-06,
            "output_price": 1.5e-05,
            "supports_vision": True,
            "supports_reasoning": True,
        },
    ],
}

GROQ: dict[str, Any] = {
    "object": "list",
    "data": [
        {
            "id": "llama-3.3-70b-versatile",
            "object": "model",
            "owned_by": "Meta",
            "active": True,
            "context_window": 131072,
            "max_completion_tokens": 32768,
        },
        {
            "id": "gemma2-9b-it",
            "object": "model",
            "owned_by": "Google",
            "active": False,
            "context_window": 8192,
            "max_completion_tokens": 8192,
        },
    ],
}

TOGETHER: list[dict[str, Any]] = [
    {
        "id": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "object": "model",
        "created": 1733443200,
        "type": "chat",
        "display_name": "Llama 3.3 70B Instruct Turbo",
        "organization": "Meta",
        "context_length": 131072,
        "pricing": {"hourly": 0, "input": 0.88, "output": 0.88, "base": 0, "finetune": 0},
    },
    {
        "id": "BAAI/bge-base-en-v1.5",
        "object": "model",
        "created": 0,
        "type": "embedding",
        "display_name": "BAAI-Bge-Base-1.5",
        "context_length": 512,
        "pricing": {"hourly": 0, "input": 0.008, "output": 0, "base": 0, "finetune": 0},
    },
]

FIREWORKS: dict[str, Any] = {
    "object": "list",
    "data": [
        {
            "id": "accounts/fireworks/models/llama-v3p1-8b-instruct",
            "object": "model",
            "owned_by": "fireworks",
            "kind": "HF_BASE_MODEL",
            "supports_chat": True,
            "supports_image_input": False,
            "supports_tools": True,
            "context_length": 131072,
        }
    ],
}

COHERE: dict[str, Any] = {
    "models": [
        {
            "name": "command-a-03-2025",
            "is_deprecated": False,
            "endpoints": ["chat"],
            "finetuned": False,
            "context_length": 256000,
            "features": ["tools", "json_mode", "json_schema", "strict_tools"],
            "supports_vision": False,
            "default_endpoints": ["chat"],
        },
        {
            "name": "command-a-vision-07-2025",
            "is_deprecated": False,
            "endpoints": ["chat"],
            "context_length": 128000,
            "features": ["vision", "json_mode"],
            "default_endpoints": [],
        },
        {
            "name": "embed-v4.0",
            "is_deprecated": False,
            "endpoints": ["embed"],
            "context_length": 128000,
            "features": [],
            "default_endpoints": ["embed"],
        },
    ]
}

GITHUB: list[dict[str, Any]] = [
    {
        "id": "openai/gpt-4.1",
        "name": "OpenAI GPT-4.1",
        "publisher": "OpenAI",
        "registry": "azure-openai",
        "rate_limit_tier": "high",
        "capabilities": ["streaming", "tool-calling"],
        "limits": {"max_input_tokens": 1048576, "max_output_tokens": 32768},
        "supported_input_modalities": ["text", "image"],
        "supported_output_modalities": ["text"],
        "tags": ["multipurpose", "multimodal"],
        "version": "2025-04-14",
    },
    {
        "id": "openai/o4-mini",
        "name": "OpenAI o4-mini",
        "publisher": "OpenAI",
        "capabilities": ["reasoning", "streaming", "tool-calling"],
        "limits": {"max_input_tokens": 200000, "max_output_tokens": 100000},
        "supported_input_modalities": ["text", "image"],
        "supported_output_modalities": ["text"],
        "tags": ["reasoning"],
    },
    {
        "id": "openai/text-embedding-3-large",
        "name": "OpenAI Text Embedding 3 (large)",
        "publisher": "OpenAI",
        "rate_limit_tier": "embeddings",
        "capabilities": [],
        "limits": {"max_input_tokens": 8191, "max_output_tokens": None},
        "supported_input_modalities": ["text"],
        "supported_output_modalities": ["embeddings"],
    },
]

OLLAMA: dict[str, Any] = {
    "models": [
        {
            "name": "llama3.2:latest",
            "model": "llama3.2:latest",
            "size": 2019393189,
            "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
            "details": {
                "family": "llama",
                "parameter_size": "3.2B",
                "quantization_level": "Q4_K_M",
            },
        }
    ]
}

NOVITA: dict[str, Any] = {
    "object": "list",
    "data": [
        {
            "id": "deepseek/deepseek-v3-0324",
            "object": "model",
            "created": 1743000000,
            "title": "deepseek/deepseek-v3-0324",
            "display_name": "DeepSeek V3 0324",
            "context_size": 163840,
            "max_output_tokens": 163840,
            "input_token_price_per_m": 2800,
            "output_token_price_per_m": 11400,
            "features": ["function-calling", "structured-outputs"],
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "model_type": "chat",
            "status": 1,
        },
        {
            # LiteLLM's own map has this model with a cache read price; the listing has none.
            "id": "deepseek/deepseek-v3.2",
            "object": "model",
            "display_name": "DeepSeek V3.2",
            "context_size": 163840,
            "max_output_tokens": 65536,
            "input_token_price_per_m": 2690,
            "output_token_price_per_m": 4000,
            "features": ["function-calling", "reasoning"],
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "model_type": "chat",
            "status": 1,
        },
    ],
}

CHUTES: dict[str, Any] = {
    "object": "list",
    "data": [
        {
            "id": "Qwen/Qwen3-32B-TEE",
            "object": "model",
            "owned_by": "sglang",
            "root": "Qwen/Qwen3-32B-FP8",
            "context_length": 40960,
            "max_model_len": 40960,
            "max_output_length": 40960,
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "price": {"input": {"usd": 0.104}, "output": {"usd": 0.416}},
            "pricing": {"prompt": 0.104, "completion": 0.416, "input_cache_read": 0.052},
            "quantization": "fp8",
            "supported_features": ["json_mode", "tools", "structured_outputs", "reasoning"],
        }
    ],
}

VERCEL: dict[str, Any] = {
    "object": "list",
    "data": [
        {
            "id": "alibaba/qwen-3-14b",
            "object": "model",
            "owned_by": "alibaba",
            "name": "Qwen3-14B",
            "context_window": 40960,
            "max_tokens": 16384,
            "type": "language",
            "tags": ["reasoning", "tool-use"],
            "pricing": {"input": "0.00000012", "output": "0.00000024"},
        },
        {
            "id": "anthropic/claude-3-haiku",
            "object": "model",
            "owned_by": "anthropic",
            "name": "Claude 3 Haiku",
            "context_window": 200000,
            "max_tokens": 4096,
            "type": "language",
            "tags": ["tool-use", "vision"],
            "pricing": {
                "input": "0.00000025",
                "output": "0.00000125",
                "input_cache_read": "0.00000003",
                "input_cache_write": "0.0000003",
            },
        },
        {
            "id": "openai/text-embedding-3-small",
            "object": "model",
            "owned_by": "openai",
            "name": "text-embedding-3-small",
            "type": "embedding",
            "pricing": {"input": "0.00000002"},
        },
    ],
}

DEEPINFRA: dict[str, Any] = {
    "object": "list",
    "data": [
        {
            "id": "deepseek-ai/DeepSeek-V3.2",
            "object": "model",
            "created": 0,
            "owned_by": "deepinfra",
            "metadata": {
                "description": "DeepSeek V3.2",
                "context_length": 163840,
                "max_tokens": 65536,
                "pricing": {"input_tokens": 0.27, "output_tokens": 0.4, "cache_read_tokens": 0.216},
                "tags": ["chat", "reasoning"],
            },
        },
        {"id": "openai/whisper-large-v3", "object": "model", "created": 0, "metadata": None},
    ],
}

DUMPS: dict[str, Any] = {
    "openrouter": OPENROUTER,
    "openai": OPENAI,
    "anthropic": ANTHROPIC,
    "gemini": GEMINI,
    "mistral": MISTRAL,
    "venice": VENICE,
    "requesty": REQUESTY,
    "groq": GROQ,
    "together": TOGETHER,
    "fireworks": FIREWORKS,
    "cohere": COHERE,
    "github": GITHUB,
    "ollama": OLLAMA,
    "novita": NOVITA,
    "chutes": CHUTES,
    "vercel": VERCEL,
    "deepinfra": DEEPINFRA,
}


def write_dumps(directory: Path, dumps: dict[str, Any] | None = None) -> Path:
    """Each listing as ``<provider>.json`` in ``directory`` (created); returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, document in (DUMPS if dumps is None else dumps).items():
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        (directory / f"{name}.json").write_text(text, encoding="utf-8")
    return directory
