"""Benchmark: does fetch_all's wall time stay near the slowest provider's (docs/providers.md)?

25 loopback providers, each answering after 0.5 s with 200 OpenAI-style models. Measures
fetch_all with concurrency 1, 8 (the default) and 25 against the floor: one provider's own
fetch time, measured in the same run. With concurrency 8, 25 providers need ceil(25/8) = 4
rounds, so ~4x the floor is the expected figure there; the goal (<= 1.3x) is for
concurrency >= the number of providers.

Run: python benchmarks/bench_fetch.py   (about 20 s)
"""

from __future__ import annotations

import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from provider_server import ProviderServer, make_target, openai_models, openai_style, slow  # noqa: E402

from dump_models.config import Settings  # noqa: E402
from dump_models.fetch import fetch_all, fetch_listing  # noqa: E402
from dump_models.runner import run  # noqa: E402

PROVIDERS = 25
DELAY = 0.5
MODELS = 200
GOAL = 1.3


def main() -> int:
    """Run the benchmark, print a table; exit 1 if concurrency >= providers misses the goal."""
    with ProviderServer() as server:
        names = [f"provider{i:02d}" for i in range(PROVIDERS)]
        for name in names:
            handler = slow(openai_style(openai_models(MODELS, name)), DELAY)
            server.route(f"/{name}/models", handler)
        targets = [make_target(name, server, prefix=f"/{name}") for name in names]

        # Floor: one provider alone (median of 3), i.e. what a perfectly parallel run costs.
        floor = statistics.median(
            _timed(lambda: _check([fetch_listing(targets[0])])) for _ in range(3)
        )

        rows = []
        for concurrency in (1, 8, PROVIDERS):
            seconds = _timed(
                lambda c=concurrency: _check(fetch_all(targets, concurrency=c).values())
            )
            rounds = math.ceil(PROVIDERS / concurrency)
            rows.append((concurrency, rounds, seconds, seconds / floor))

        # The whole `run` pipeline (fetch, canonical form, diff, guard, atomic writes, report)
        # into an empty directory, then again over the files it wrote.
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(output_dir=Path(tmp), targets=tuple(targets), concurrency=PROVIDERS)
            pipeline = [_timed(lambda: _run_ok(settings)) for _ in range(2)]

    print(f"{PROVIDERS} loopback providers, each answering after {DELAY} s ({MODELS} models)")

    print(f"floor (one provider's own fetch): {floor:.3f} s")
    print()
    print(
        f"{'concurrency':>14}  {'rounds':>6}  {'wall s':>7}  {'x floor':>7}  {'x rounds*floor':>14}"
    )
    for concurrency, rounds, seconds, ratio in rows:
        per_round = ratio / rounds
        print(f"{concurrency:>14}  {rounds:>6}  {seconds:>7.3f}  {ratio:>7.2f}  {per_round:>14.2f}")
    for label, seconds in zip(("run, new files", "run, unchanged"), pipeline, strict=True):
        print(f"{label:>14}  {1:>6}  {seconds:>7.3f}  {seconds / floor:>7.2f}  {'':>14}")
    full = max(rows[-1][3], *(seconds / floor for seconds in pipeline))
    print()
    verdict = "ok" if full <= GOAL else "MISSED"
    print(
        f"concurrency {PROVIDERS}, worst of fetch_all and run: {full:.2f}x floor "
        f"(goal <= {GOAL}x): {verdict}"
    )
    return 0 if full <= GOAL else 1


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _run_ok(settings: Settings) -> None:
    result = run(settings, emit=lambda line: None)
    failed = [r for r in result.reports if r.status in ("failed", "guarded")]
    if failed:
        raise SystemExit(f"benchmark run failed: {failed[0].name}: {failed[0].error}")


def _check(results) -> None:
    failed = [r for r in results if not r.ok]
    if failed:
        raise SystemExit(f"benchmark fetch failed: {failed[0].name}: {failed[0].error}")


if __name__ == "__main__":
    sys.exit(main())
