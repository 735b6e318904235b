"""How long ``dump-models models --json`` takes next to ``json.load``-ing the same files.

Writes a directory of 150 dumps holding 60,000 models (400 a file): the 17 built-in shapes of
tests/catalog_listings.py under their own names (each model cloned from that provider's
examples with a new id, so that its own mapping table reads it) and 133 OpenRouter-shaped
listings (~2.8 kB a model, as OpenRouter's) under names a config would give its own
providers (the OpenAI-style table). A second directory holds one ``openrouter.json`` of
60,000 models: the largest table on every model. Then times, best of REPEATS, alternately in
this process:

- floor: ``json.load`` of every file of the directory, keeping the documents (the floor of
  anything that lists them all), and dropping each once parsed (stricter);
- models: ``dump-models models --json --dir D`` (reading, checking, records, sorting, JSON
  to a file standing in for stdout);
- catalog: ``dump-models catalog --dir D --output F``.

Run: ``python benchmarks/bench_catalog.py`` (about a minute; ~320 MB of disk in a temporary
directory). Measured apart: ``dump-models models --json`` over the 150 files peaks at ~370 MB
of RSS, a process ``json.load``-ing and keeping them at ~300 MB.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from catalog_listings import DUMPS  # noqa: E402

from dump_models.canonical import listing_models  # noqa: E402
from dump_models.cli import main  # noqa: E402
from dump_models.providers import builtin_registry  # noqa: E402

FILES = 150
PER_FILE = 400
REPEATS = 5


def _openrouter_model(index: int) -> dict:
    """A model in OpenRouter's full shape and size (~2.8 kB: its 420 models are ~1.2 MB)."""
    return {
        "id": f"vendor{index % 40}/model-{index}",
        "canonical_slug": f"vendor{index % 40}/model-{index}-20250101",
        "hugging_face_id": f"vendor{index % 40}/Model-{index}-Instruct",
        "name": f"Vendor {index % 40}: Model {index}",
        "created": 1700000000 + index,
        "description": "A synthetic model of a benchmark listing, as long as a real one. " * 16,
        "context_length": (8192, 32768, 131072, 1048576)[index % 4],
        "architecture": {
            "modality": "text+image->text",
            "input_modalities": ["text", "image"] if index % 3 else ["text"],
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {
            "prompt": ("0.00000025", "0.000001", "0.000003", "0")[index % 4],
            "completion": "0.000002",
            "request": "0",
            "image": "0",
            "web_search": "0",
            "internal_reasoning": "0",
            "input_cache_read": "0.000000025",
        },
        "top_provider": {
            "context_length": 131072,
            "max_completion_tokens": 16384,
            "is_moderated": False,
        },
        "per_request_limits": None,
        "supported_parameters": [
            "frequency_penalty",
            "include_reasoning",
            "logit_bias",
            "logprobs",
            "max_tokens",
            "min_p",
            "presence_penalty",
            "reasoning",
            "repetition_penalty",
            "response_format",
            "seed",
            "stop",
            "structured_outputs",
            "temperature",
            "tool_choice",
            "tools",
            "top_k",
            "top_logprobs",
            "top_p",
        ][: 10 + index % 10],
        "default_parameters": {"temperature": None, "top_p": None, "frequency_penalty": None},
        "knowledge_cutoff": None,
        "expiration_date": None,
        "benchmarks": {
            "latency_ms": 420 + index % 97,
            "throughput_tps": 80 + index % 31,
            "uptime": 0.997,
        },
        "links": {"details": f"/api/v1/models/vendor{index % 40}/model-{index}/endpoints"},
    }


def _cloned(provider: str, count: int) -> object:
    """``count`` models in ``provider``'s own shape: its examples with new ids."""
    spec = builtin_registry()[provider]
    document = DUMPS[provider]
    examples = listing_models(document, spec.list_key) or []
    models = []
    for index in range(count):
        model = copy.deepcopy(examples[index % len(examples)])
        model[spec.id_field] = f"{model[spec.id_field]}-{index}"
        models.append(model)
    if spec.list_key is None:
        return models
    return {**document, spec.list_key: models}


def _write(directory: Path, name: str, document: object) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    (directory / f"{name}.json").write_text(text, encoding="utf-8")


def build(top: Path) -> tuple[Path, Path]:
    mixed = top / "mixed"
    mixed.mkdir()
    for provider in DUMPS:
        _write(mixed, provider, _cloned(provider, PER_FILE))
    for index in range(FILES - len(DUMPS)):
        start = index * PER_FILE
        models = [_openrouter_model(start + i) for i in range(PER_FILE)]
        _write(mixed, f"gateway-{index:03d}", {"data": models})
    single = top / "single"
    single.mkdir()
    models = [_openrouter_model(i) for i in range(FILES * PER_FILE)]
    _write(single, "openrouter", {"data": models})
    return mixed, single


def floor(directory: Path, *, keep: bool) -> float:
    """``json.load`` of every file: keeping every document (as anything listing them all must
    hold what it read), or dropping each once parsed (the stricter floor)."""
    kept = []
    started = time.perf_counter()
    for path in sorted(directory.glob("*.json")):
        with path.open("rb") as handle:
            document = json.load(handle)
        if keep:
            kept.append(document)
    elapsed = time.perf_counter() - started
    del kept
    return elapsed


def command(argv: list[str], out: Path) -> float:
    started = time.perf_counter()
    with out.open("w", encoding="utf-8") as sink, contextlib.redirect_stdout(sink):
        code = main(argv)
    elapsed = time.perf_counter() - started
    assert code == 0, argv
    return elapsed


def best(run) -> float:
    times = []
    for _ in range(REPEATS):
        gc.collect()
        times.append(run())
    return min(times)


def main_bench() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp)
        mixed, single = build(top)
        out = top / "stdout.json"
        for label, directory in (("150 files (mixed shapes)", mixed), ("1 file", single)):
            size = sum(p.stat().st_size for p in directory.glob("*.json")) / 1e6
            held = best(lambda d=directory: floor(d, keep=True))
            dropped = best(lambda d=directory: floor(d, keep=False))
            models = best(lambda d=directory: command(["models", "--json", "--dir", str(d)], out))
            count = len(json.loads(out.read_text(encoding="utf-8")))
            catalog = best(
                lambda d=directory: command(
                    ["catalog", "--dir", str(d), "--output", str(top / "catalog.json")], out
                )
            )
            print(
                f"{label}: {count} models, {size:.0f} MB; json.load keeping {held:.2f} s, "
                f"dropping {dropped:.2f} s; models --json {models:.2f} s "
                f"({models / held:.2f}x, {models / dropped:.2f}x); catalog {catalog:.2f} s "
                f"({catalog / held:.2f}x, {catalog / dropped:.2f}x)"
            )


if __name__ == "__main__":
    main_bench()
