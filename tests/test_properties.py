"""Properties over arbitrary JSON-ish listings: the pipeline never raises, the report is
strict JSON, and the Markdown carries no mention, issue reference or link (docs/report.md)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_report import REFERENCES, linkable

from dump_models import canonical
from dump_models.diff import compare_listings
from dump_models.dumps import listing_in
from dump_models.providers import ProviderSpec, builtin_registry
from dump_models.records import records_of
from dump_models.report import price_change_pct, render_markdown, render_title, report_json
from dump_models.results import ProviderReport

PROVIDERS = ["openrouter", "venice", "together", "requesty", "groq", "mistral", "gemini", "x"]
REGISTRY = builtin_registry()

NUMBER_TEXT = st.sampled_from(
    ["1e30", "1e-30", "0.001", "1E+999999", "-1", "NaN", "-Infinity", "sNaN", "0", "²", "9" * 500]
)
TEXT = st.one_of(
    st.text(max_size=30),
    # Lone surrogates: what json.loads gives for "\ud800".
    st.text(st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010), max_size=5),
    st.sampled_from(REFERENCES.split(" ") + [REFERENCES, "模型" * 20, "a|b", "<b>", "- x"]),
    NUMBER_TEXT,
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.integers(min_value=10**300, max_value=10**310),
    st.floats(allow_nan=True, allow_infinity=True),
)
LEAVES = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
VALUES = st.recursive(
    LEAVES,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=12,
)


def _nested(depth: int, leaf: object) -> object:
    for level in range(depth):
        leaf = {"x": leaf} if level % 2 else [leaf]
    return leaf


DEEP = st.builds(_nested, st.integers(min_value=0, max_value=1200), LEAVES)
IDS = st.one_of(
    st.sampled_from(["a", "b", "c"]), TEXT, NUMBERS, st.none(), st.lists(LEAVES, max_size=2)
)


@st.composite
def models(draw) -> dict:
    model: dict = {}
    if draw(st.booleans()):
        model["id"] = draw(IDS)
    fields = {
        "name": TEXT,
        "context_length": st.one_of(NUMBERS, TEXT),
        "pricing": st.dictionaries(st.sampled_from(["prompt", "completion", "input"]), LEAVES),
        "supported_parameters": st.one_of(st.lists(TEXT, max_size=3), LEAVES),
        "architecture": st.fixed_dictionaries({"input_modalities": VALUES}),
        "model_spec": st.fixed_dictionaries({"pricing": VALUES}),
        "deep": DEEP,
        "other": VALUES,
    }
    for key in draw(st.lists(st.sampled_from(sorted(fields)), max_size=4, unique=True)):
        model[key] = draw(fields[key])
    return model


LISTINGS = st.lists(models(), max_size=5)


def _spec(provider: str) -> ProviderSpec:
    return REGISTRY.get(provider) or ProviderSpec(name=provider, endpoint="")


def _side(spec: ProviderSpec, models: list[dict]) -> tuple[list | None, str | None]:
    """What a run makes of one listing: its canonical models, or why the provider fails."""
    document = models if spec.list_key is None else {spec.list_key: models}
    problem = canonical.unstorable_reason(document, models, spec.id_field)
    if problem:
        return None, problem
    document, _ = canonical.canonical_document(spec, document, fetched_at=1.7e9)
    kept = canonical.listing_models(document, spec.list_key) or []
    problem = canonical.id_problem(kept, spec.id_field)
    if problem:
        return None, problem
    # What is written reads back as the same models.
    assert listing_in(canonical.dumps(document).encode("utf-8"), spec) == kept
    return kept, None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PROVIDERS), LISTINGS, LISTINGS)
def test_any_listing_pair_runs_through_to_an_inert_report(provider, old, new):
    spec = _spec(provider)
    for models in (old, new):
        records_of(provider, models, id_field=spec.id_field)
    (before, old_problem), (after, new_problem) = _side(spec, old), _side(spec, new)
    if old_problem or new_problem:
        report = ProviderReport(provider, "failed", error=new_problem or old_problem)
    else:
        report = compare_listings(provider, before, after, id_field=spec.id_field)
    reports = [report, ProviderReport("other", "unchanged", models_before=1, models_after=1)]

    json.loads(canonical.dumps(report_json(reports)))  # strict JSON, no NaN
    for limits in ({}, {"max_chars": 2000}, {"max_chars": None, "max_bytes": 900}):
        markdown = render_markdown(reports, **limits)
        assert linkable(markdown) == [], markdown
    assert linkable(render_title(reports)) == []


@given(st.one_of(LEAVES, VALUES), st.one_of(LEAVES, VALUES))
def test_price_change_pct_never_raises(old, new):
    assert isinstance(price_change_pct(old, new), str)


@settings(max_examples=300, deadline=None)
@given(st.one_of(LEAVES, VALUES, DEEP), st.one_of(LEAVES, VALUES, DEEP))
def test_a_change_never_reads_the_same_on_both_sides(old, new):
    """However two different values are cut, nested or escaped, the two sides shown differ."""
    from dump_models.report_cells import _differences, change, words_changed

    if not _differences(old, new)[3] and type(old) is type(new):  # the same value
        return
    shown = change(old, new)
    assert shown.old != shown.new, (old, new)
    assert words_changed(old, new) != ""
