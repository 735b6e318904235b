"""How long the change report takes next to merely reading and writing the same JSON.

Generates an OpenRouter-shaped listing pair (about 420 models at 1x), with the churn seen in
real snapshots (~30% of models change only in ``benchmarks``, a few in ``top_provider``, some
repriced, some added and removed), writes both to temporary files and times:

- floor: ``json.load`` of both files and ``json.dump`` of both documents, two-space indented
  as the dumps are written (``indent`` makes ``json`` use its pure-Python encoder), and a
  stricter floor with the compact C encoder;
- diff: ``compare_listings`` alone on the loaded listings (records included);
- report: ``json.load`` of both, ``compare_listings``, ``report_json`` (serialized) and
  ``render_markdown``.

Run: ``python benchmarks/bench_report.py``.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path

from dump_models.diff import compare_listings
from dump_models.report import render_markdown, report_json

BASE_MODELS = 420
SCALES = (1, 2, 5, 10)
REPEATS = 5


def _model(rng: random.Random, index: int) -> dict:
    prompt = rng.choice(["0.00000025", "0.000001", "0.000003", "0.0000005", "0"])
    return {
        "id": f"vendor{index % 40}/model-{index}",
        "canonical_slug": f"vendor{index % 40}/model-{index}-20250101",
        "hugging_face_id": f"vendor{index % 40}/Model-{index}",
        "name": f"Vendor {index % 40}: Model {index}",
        "created": 1700000000 + index * 3600,
        "description": "A synthetic model used to benchmark the change report. " * 6,
        "context_length": rng.choice([8192, 32768, 131072, 1048576]),
        "architecture": {
            "modality": "text+image->text",
            "input_modalities": ["text", "image"] if index % 3 else ["text"],
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {
            "prompt": prompt,
            "completion": str(float(prompt) * 4) if prompt != "0" else "0",
            "request": "0",
            "image": "0",
            "web_search": "0",
            "internal_reasoning": "0",
            "input_cache_read": "0.000000025",
        },
        "top_provider": {
            "context_length": 131072,
            "max_completion_tokens": rng.choice([4096, 8192, 32768, None]),
            "is_moderated": bool(index % 2),
        },
        "per_request_limits": None,
        "supported_parameters": ["max_tokens", "temperature", "tools", "top_p"][: 2 + index % 3],
        "default_parameters": {"temperature": None, "top_p": None},
        "benchmarks": {
            "latency_ms": rng.randint(100, 2000),
            "throughput": round(rng.uniform(10, 200), 2),
            "uptime": round(rng.uniform(0.9, 1), 4),
        },
        "links": {"details": f"/api/v1/models/vendor{index % 40}/model-{index}/endpoints"},
    }


def listing_pair(count: int, seed: int = 7) -> tuple[dict, dict]:
    """An old and a new listing of ``count`` models with realistic churn."""
    rng = random.Random(seed)
    old = [_model(rng, i) for i in range(count)]
    new = json.loads(json.dumps(old))
    for model in new:
        roll = rng.random()
        if roll < 0.30:
            model["benchmarks"]["latency_ms"] += rng.randint(1, 50)
        elif roll < 0.32:
            model["top_provider"]["is_moderated"] = not model["top_provider"]["is_moderated"]
        elif roll < 0.35:
            model["pricing"]["prompt"] = rng.choice(["0.0000002", "0.0000011", "0.000004"])
    removed = max(1, count // 100)
    new = new[removed:] + [_model(rng, count + i) for i in range(removed + 1)]
    return {"data": old}, {"data": new}


def _best(function) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(count: int, workdir: Path) -> tuple[float, float, float, float, int]:
    """(indented floor, compact floor, diff seconds, report seconds, Markdown length) for one
    size."""
    old_doc, new_doc = listing_pair(count)
    old_path, new_path = workdir / "old.json", workdir / "new.json"
    old_path.write_text(json.dumps(old_doc, indent=2), encoding="utf-8")
    new_path.write_text(json.dumps(new_doc, indent=2), encoding="utf-8")
    out = workdir / "out.json"

    def floor(indent: int | None) -> None:
        for path in (old_path, new_path):
            with path.open(encoding="utf-8") as handle:
                document = json.load(handle)
            with out.open("w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=indent, ensure_ascii=False)

    length = 0

    def report() -> None:
        nonlocal length
        with old_path.open(encoding="utf-8") as handle:
            old = json.load(handle)["data"]
        with new_path.open(encoding="utf-8") as handle:
            new = json.load(handle)["data"]
        reports = [compare_listings("openrouter", old, new)]
        json.dumps(report_json(reports))
        length = len(render_markdown(reports))

    indented = _best(lambda: floor(2))
    compact = _best(lambda: floor(None))
    diff = _best(lambda: compare_listings("openrouter", old_doc["data"], new_doc["data"]))
    return indented, compact, diff, _best(report), length


def main() -> None:
    print(
        "scale | models | floor (indent 2) s | floor (compact) s | diff s | diff ratio "
        "| report s | ratio | ratio vs compact | md chars"
    )
    print("--- | --- | --- | --- | --- | --- | --- | --- | --- | ---")
    with tempfile.TemporaryDirectory() as tmp:
        for scale in SCALES:
            count = BASE_MODELS * scale
            indented, compact, diff, report, length = measure(count, Path(tmp))
            print(
                f"{scale}x | {count} | {indented:.3f} | {compact:.3f} | {diff:.3f} | "
                f"{diff / indented:.2f}x | {report:.3f} | {report / indented:.2f}x | "
                f"{report / compact:.2f}x | {length}"
            )


if __name__ == "__main__":
    main()
