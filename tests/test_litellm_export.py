"""LiteLLM itself loads ``dump-models export --format litellm`` and prices models as ``dump-models
cost`` does (docs/catalog.md, "The LiteLLM export").

Needs the optional extra ``litellm`` (``pip install -e '.[litellm]'``; CI installs it). LiteLLM
runs in a child process: its import fetches a cost map from the network unless
``LITELLM_LOCAL_MODEL_COST_MAP`` is set first, and ``register_model`` changes process-wide
state that nothing can undo.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from catalog_listings import write_dumps

from dump_models.cli import main

# Skipped where LiteLLM is not installed, except in CI (.ci/run installs it): there a missing
# LiteLLM must fail, not pass as a skip.
_MISSING = importlib.util.find_spec("litellm") is None
_IN_CI = os.environ.get("CI", "").lower() == "true"
pytestmark = pytest.mark.skipif(
    _MISSING and not _IN_CI, reason="LiteLLM is not installed (pip install -e '.[litellm]')"
)

CHILD = r"""
import json, logging, os, sys
assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"  # before the import: no network
import litellm

litellm.suppress_debug_info = True
logging.getLogger("LiteLLM").setLevel(logging.ERROR)
with open(sys.argv[1], encoding="utf-8") as handle:
    cost_map = json.load(handle)
litellm.register_model(cost_map)
results = []
for case in json.loads(sys.argv[2]):
    extra = {"custom_llm_provider": case["provider"]} if case.get("provider") else {}
    prompt, completion = litellm.cost_per_token(
        model=case["model"],
        prompt_tokens=case["input"],
        completion_tokens=case["output"],
        cache_read_input_tokens=case["cached"],
        **extra,
    )
    info = litellm.get_model_info(case["model"], **extra)
    row = litellm.model_cost[case["key"]]
    results.append({
        "total": prompt + completion,
        "max_input_tokens": info.get("max_input_tokens"),
        "supports_vision": info.get("supports_vision"),
        "deprecation_date": row.get("deprecation_date"),
    })
print(json.dumps(results))
"""

# (key in the export, the model as a LiteLLM user names it, custom_llm_provider or None,
#  our provider and id, input, cached, output tokens)
CASES = [
    # OpenRouter ids keep their slash; cache read and write prices known.
    (
        "openrouter/anthropic/claude-sonnet-4.5",
        "openrouter/anthropic/claude-sonnet-4.5",
        None,
        "openrouter",
        "anthropic/claude-sonnet-4.5",
        1000,
        400,
        500,
    ),
    # A cache read price of 0 (OpenRouter: no key, free) is a price for LiteLLM too.
    (
        "openrouter/deepseek/deepseek-chat-v3.1",
        "deepseek/deepseek-chat-v3.1",
        "openrouter",
        "openrouter",
        "deepseek/deepseek-chat-v3.1",
        123456,
        23456,
        7890,
    ),
    # No cache price in the listing: cached tokens at the input price, either side.
    (
        "requesty/anthropic/claude-sonnet-4.5",
        "anthropic/claude-sonnet-4.5",
        "requesty",
        "requesty",
        "anthropic/claude-sonnet-4.5",
        1000,
        400,
        500,
    ),
    (
        "requesty/openai/gpt-4o",
        "openai/gpt-4o",
        "requesty",
        "requesty",
        "openai/gpt-4o",
        5000,
        1000,
        100,
    ),
    # A row LiteLLM already has: ours replaces its prices, its cache price included.
    (
        "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo",
        None,
        "together",
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        2000,
        500,
        300,
    ),
    ("veniceai/qwen3-235b", "veniceai/qwen3-235b", None, "venice", "qwen3-235b", 10000, 3000, 2000),
    (
        "novita/deepseek/deepseek-v3-0324",
        "novita/deepseek/deepseek-v3-0324",
        None,
        "novita",
        "deepseek/deepseek-v3-0324",
        777,
        0,
        333,
    ),
    # In LiteLLM's own map with a cache read price, which the listing lacks: the export's
    # (the input price, as `cost` charges) must replace it, or the two would disagree.
    (
        "novita/deepseek/deepseek-v3.2",
        "novita/deepseek/deepseek-v3.2",
        None,
        "novita",
        "deepseek/deepseek-v3.2",
        10000,
        8000,
        1000,
    ),
    (
        "chutes/Qwen/Qwen3-32B-TEE",
        "chutes/Qwen/Qwen3-32B-TEE",
        None,
        "chutes",
        "Qwen/Qwen3-32B-TEE",
        40000,
        30000,
        900,
    ),
    (
        "deepinfra/deepseek-ai/DeepSeek-V3.2",
        "deepinfra/deepseek-ai/DeepSeek-V3.2",
        None,
        "deepinfra",
        "deepseek-ai/DeepSeek-V3.2",
        1,
        1,
        1,
    ),
    (
        "vercel_ai_gateway/anthropic/claude-3-haiku",
        "vercel_ai_gateway/anthropic/claude-3-haiku",
        None,
        "vercel",
        "anthropic/claude-3-haiku",
        1_000_000,
        250_000,
        1_000_000,
    ),
    (
        "openrouter/openai/gpt-4o-audio-preview",
        "openrouter/openai/gpt-4o-audio-preview",
        None,
        "openrouter",
        "openai/gpt-4o-audio-preview",
        10,
        0,
        10,
    ),
]


def our_cost(capsys, provider: str, model_id: str, tokens: tuple[int, int, int]) -> Decimal:
    given, cached, output = (str(n) for n in tokens)
    argv = ["cost", provider, model_id, "--input", given, "--cached", cached, "--output", output]
    assert main([*argv, "--json"]) == 0
    return Decimal(json.loads(capsys.readouterr().out)["cost"]["total"])


def test_litellm_prices_the_export_as_cost_does(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_dumps(tmp_path / "models")
    assert main(["export", "--format", "litellm", "--output", "litellm.json"]) == 0
    cases = [
        {"key": key, "model": model, "provider": custom, "input": i, "cached": c, "output": o}
        for key, model, custom, _p, _m, i, c, o in CASES
    ]
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "litellm.json"), json.dumps(cases)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)

    for case, result in zip(CASES, results, strict=True):
        key, _model, _custom, provider, model_id, *tokens = case
        ours = our_cost(capsys, provider, model_id, tuple(tokens))
        assert ours > 0, key
        assert math.isclose(result["total"], float(ours), rel_tol=1e-9), (key, result, ours)

    by_key = {case[0]: result for case, result in zip(CASES, results, strict=True)}
    claude = by_key["openrouter/anthropic/claude-sonnet-4.5"]
    assert (claude["max_input_tokens"], claude["supports_vision"]) == (1000000, True)
    assert by_key["openrouter/openai/gpt-4o-audio-preview"]["deprecation_date"] == "2026-03-01"
    assert by_key["veniceai/qwen3-235b"]["deprecation_date"] == "2026-06-01"
