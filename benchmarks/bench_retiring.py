"""What finding a listing's retiring models costs the run, next to parsing the listing.

``RiskContext.retiring_of`` runs once per provider as its listing comes (docs/risk.md): it
reads the models that carry a raw date into records and keeps only the retiring ones. The
floor is ``json.loads`` of the same listing (what any reading of it costs at least). Shapes,
5,000 Mistral-style models each (~1.6 MB):

- a third dated: every third model has a ``deprecation`` (some within the 90 days);
- none dated: the mapping reads dates, no model has one (the usual listing);
- no date mapping: a provider whose mapping reads no date (OpenAI-style): nothing is read.

Times, best of 5. Run: ``python benchmarks/bench_retiring.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable

from dump_models.assessment import RiskContext
from dump_models.providers import builtin_registry
from dump_models.results import ProviderReport

MODELS = 5_000
REPEATS = 5


def _listing(dated_every: int | None) -> list[dict]:
    today = dt.date.today()
    return [
        {
            "id": f"mistral-model-{i:05d}",
            "object": "model",
            "created": 1_700_000_000 + i,
            "max_context_length": 32_768,
            "capabilities": {"function_calling": True, "vision": i % 2 == 0},
            "deprecation": (today + dt.timedelta(days=i % 400)).isoformat()
            if dated_every and i % dated_every == 0
            else None,
            "description": "A model of the benchmark. " * 8,
        }
        for i in range(MODELS)
    ]


def _best(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    registry = builtin_registry()
    context = RiskContext()
    shapes = [
        ("a third dated", "mistral", _listing(3)),
        ("none dated", "mistral", _listing(None)),
        ("no date mapping", "openai", _listing(3)),
    ]
    print(f"{MODELS:,} models a listing, best of {REPEATS}")
    for label, provider, models in shapes:
        text = json.dumps({"object": "list", "data": models})
        spec = registry[provider]
        report = ProviderReport(provider, "unchanged", models_before=MODELS, models_after=MODELS)
        floor = _best(lambda text=text: json.loads(text))
        cost = _best(
            lambda spec=spec, report=report, models=models: context.retiring_of(
                report, spec, models
            )
        )
        found = len(context.retiring_of(report, spec, models))
        print(
            f"{label:>16}: floor (json.loads) {floor * 1000:7.1f} ms; retiring_of "
            f"{cost * 1000:7.1f} ms = {cost / floor:.2f}x the floor ({found} retiring)"
        )


if __name__ == "__main__":
    main()
