"""What fitting the report and checking a listing cost, next to reading the same JSON.

Uses the OpenRouter-shaped listing pairs of ``bench_report.py`` (about 420 models at 1x) and
times, best of 5:

- floor: ``json.loads`` of the new listing (what any run pays to read it);
- check: ``canonical.unstorable_reason`` and ``canonical.id_problem`` on it (the walk that
  refuses NaN, Infinity, lone surrogates, nesting over ``MAX_NESTING`` and ids that cannot
  tell models apart);
- render: one ``render_markdown`` of the pair's report, unlimited (the size of a run's
  report);
- PR body: ``render_markdown`` within 60,000 characters as it is now (escaping once,
  bisecting the budgets), and as before (each budget rendered afresh, one after the other),
  for comparison: the text is the same.

Two shapes of change: the realistic churn of ``bench_report.py``, where the second budget
fits, and every model repriced, where only a late budget (20 table rows) fits.

Run: ``python benchmarks/bench_render.py``.
"""

from __future__ import annotations

import json
import time

from bench_report import BASE_MODELS, REPEATS, listing_pair

from dump_models import canonical
from dump_models.diff import compare_listings
from dump_models.report import (
    _BUDGETS,
    DEFAULT_FULL_REPORT,
    _join,
    _layout,
    _prepare,
    render_markdown,
)

SCALES = (1, 5, 10)
PR_BODY_CHARS = 60000


def _best(function) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def _render(reports, budget, note):
    return _layout(_prepare(reports), budget, note)  # everything built afresh, as before


def in_order(reports) -> str:
    """The budgets tried one after the other, each rendered afresh (the search before)."""
    head, body = _render(reports, _BUDGETS[0], None)
    text = _join(head + body)
    if len(text) <= PR_BODY_CHARS:
        return text
    for budget in _BUDGETS[1:]:
        head, body = _render(reports, budget, DEFAULT_FULL_REPORT)
        text = _join(head + body)
        if len(text) <= PR_BODY_CHARS:
            return text
    raise AssertionError("no budget fits")


def repriced(document: dict) -> dict:
    """Every model's prompt price doubled."""
    new = json.loads(json.dumps(document))
    for model in new["data"]:
        model["pricing"]["prompt"] = str(float(model["pricing"]["prompt"] or 1) * 2)
    return new


def main() -> None:
    print("change | models | floor s | check s | check × floor | render s | PR body s | before s")
    print("--- | --- | --- | --- | --- | --- | --- | ---")
    cases = [("churn", BASE_MODELS * scale) for scale in SCALES]
    cases.append(("all repriced", BASE_MODELS * SCALES[-1]))
    for change, count in cases:
        old_doc, new_doc = listing_pair(count)
        if change == "all repriced":
            new_doc = repriced(old_doc)
        text = json.dumps(new_doc)
        models = new_doc["data"]
        reports = [compare_listings("openrouter", old_doc["data"], models)]

        floor = _best(lambda: json.loads(text))  # noqa: B023 (called at once)
        check = _best(
            lambda: (
                canonical.unstorable_reason(new_doc, models),  # noqa: B023
                canonical.id_problem(models, "id"),  # noqa: B023
            )
        )
        render = _best(lambda: render_markdown(reports, max_chars=None))  # noqa: B023
        body = _best(lambda: render_markdown(reports, max_chars=PR_BODY_CHARS))  # noqa: B023
        ordered = _best(lambda: in_order(reports))  # noqa: B023
        assert render_markdown(reports, max_chars=PR_BODY_CHARS) == in_order(reports)
        print(
            f"{change} | {count} | {floor:.3f} | {check:.3f} | {check / floor:.2f}× | "
            f"{render:.3f} | {body:.3f} ({body / render:.1f}×) | {ordered:.3f} "
            f"({ordered / render:.1f}×) |"
        )


if __name__ == "__main__":
    main()
