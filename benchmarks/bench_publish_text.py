"""What the pull request's text costs when the Action's run has already compared the files.

Uses the OpenRouter-shaped listing pairs of ``bench_report.py`` (about 420 models at 1x) as
the files of ``PROVIDERS`` providers, each compared once as a run compares it (the report and
the file versions it records), and times, best of 5:

- floor: one ``render_markdown`` of those reports within the PR body's 60,000 characters
  (the PR body is a render of its own, whatever else happens);
- ``render_changes`` with the run's result, the files being the ones it compared (the Action
  now: each report used as it is);
- ``render_changes`` without it (the Action before: every listing read and compared again;
  ``dump-models publish`` on its own still does this);
- versions: what recording the versions costs a run, reading each provider's file before and
  after and hashing both.

Run: ``python benchmarks/bench_publish_text.py``.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from bench_report import BASE_MODELS, REPEATS, listing_pair

from dump_models.change_report import render_changes
from dump_models.diff import compare_listings
from dump_models.providers import builtin_registry
from dump_models.publish import FileChange
from dump_models.report import render_markdown
from dump_models.runner import FileVersions, RunResult, file_digest

PROVIDERS = 5
SCALES = (1, 5)


def _best(function) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(count: int, workdir: Path) -> tuple[float, float, float, float]:
    """(floor, with the run's reports, comparing again, versions) seconds for one size."""
    spec = builtin_registry()["openrouter"]
    changes, reports, versions, paths = [], [], {}, []
    for index in range(PROVIDERS):
        name = f"openrouter{index}"
        old_doc, new_doc = listing_pair(count, seed=index)
        old = (json.dumps(old_doc, indent=2) + "\n").encode()
        new = (json.dumps(new_doc, indent=2) + "\n").encode()
        before, after = workdir / f"{name}.before", workdir / f"{name}.json"
        before.write_bytes(old)
        after.write_bytes(new)
        paths.append((before, after))
        changes.append(FileChange(f"{name}.json", old, new, name))
        reports.append(compare_listings(name, old_doc["data"], new_doc["data"]))
        versions[name] = FileVersions(file_digest(old), file_digest(new))
    result = RunResult(reports=reports, exit_code=0, versions=versions)

    def spec_for(name: str):
        return spec

    def record() -> None:
        for before, after in paths:
            FileVersions(file_digest(before.read_bytes()), file_digest(after.read_bytes()))

    floor = _best(lambda: render_markdown(sorted(reports, key=lambda r: r.name)))
    reused = _best(lambda: render_changes(changes, spec_for=spec_for, run=result))
    again = _best(lambda: render_changes(changes, spec_for=spec_for))
    return floor, reused, again, _best(record)


def main() -> None:
    print(f"{PROVIDERS} providers, each a changed listing pair")
    print("scale | models a side | floor | run's reports | compared again | versions")
    print("--- | --- | --- | --- | --- | ---")
    with tempfile.TemporaryDirectory() as tmp:
        for scale in SCALES:
            count = BASE_MODELS * scale
            floor, reused, again, record = measure(count, Path(tmp))
            print(
                f"{scale}x | {count:,} | {floor:.3f} s | {reused:.3f} s ({reused / floor:.2f}×) "
                f"| {again:.3f} s ({again / floor:.2f}×) | {record:.3f} s ({record / floor:.2f}×)"
            )


if __name__ == "__main__":
    main()
