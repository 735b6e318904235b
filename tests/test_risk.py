"""The risk policy: realistic listing changes through the real diff, then the verdict."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
import yaml

from dump_models.diff import ProviderReport, compare_listings
from dump_models.errors import DumpModelsError
from dump_models.report import escape
from dump_models.risk import Reason, assess, render_verdict
from dump_models.risk_policy import RULES, RiskLabels, RiskPolicy, parse_policy


class At:
    """The config reader's error hook as risk.parse_policy expects it (keys -> a place)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def error(self, message: str, *keys: str) -> DumpModelsError:
        return DumpModelsError(f"cfg.yml[{'.'.join(keys)}]: {message}")


def openrouter(model_id: str, **changes) -> dict:
    """An OpenRouter model as its listing sends it, with ``changes`` laid over it."""
    model = {
        "id": model_id,
        "name": model_id.split("/")[-1],
        "context_length": 128000,
        "architecture": {"input_modalities": ["image", "text"], "output_modalities": ["text"]},
        "pricing": {"prompt": "0.00000025", "completion": "0.000001"},
        "supported_parameters": ["max_tokens", "reasoning", "tools"],
        "top_provider": {"max_completion_tokens": 16384},
    }
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = model
        for key in parents:
            node = node[key]
        if value is DROP:
            del node[leaf]
        else:
            node[leaf] = value
    return model


DROP = object()


def report_for(new_model: dict, provider: str = "openrouter") -> ProviderReport:
    old = openrouter(new_model["id"])
    return compare_listings(
        provider, [old, openrouter("other/model")], [new_model, openrouter("other/model")]
    )


def reasons(report: ProviderReport, policy: RiskPolicy | None = None, **kw) -> list[tuple]:
    verdict = assess([report], policy or RiskPolicy(), **kw)
    return [(r.rule, r.text) for r in verdict.reasons]


# (what happened, the new model's fields, the expected (rule, text) reasons)
CASES = [
    (
        "price +150%",
        {"pricing__prompt": "0.000000625"},
        [
            ("price_rise_percent", "openrouter: openai/gpt-4o input_price +150% (0.25 → 0.625)"),
        ],
    ),
    ("price +10% exactly is not more than 10%", {"pricing__prompt": "0.000000275"}, []),
    (
        "price +10.4%, shown rounded as the report shows it",
        {"pricing__prompt": "0.000000276"},
        [
            ("price_rise_percent", "openrouter: openai/gpt-4o input_price +10% (0.25 → 0.276)"),
        ],
    ),
    (
        "price +20%",
        {"pricing__completion": "0.0000012"},
        [
            ("price_rise_percent", "openrouter: openai/gpt-4o output_price +20% (1 → 1.2)"),
        ],
    ),
    ("price down 50%", {"pricing__completion": "0.0000005"}, []),
    (
        "price down more than 10x",
        {"pricing__completion": "0.00000005"},
        [
            ("price_factor", "openrouter: openai/gpt-4o output_price ÷20 (1 → 0.05)"),
        ],
    ),
    (
        "price up more than 10x",
        {"pricing__prompt": "0.000005"},
        [
            ("price_factor", "openrouter: openai/gpt-4o input_price ×20 (0.25 → 5)"),
        ],
    ),
    (
        "price up exactly 10x is a rise, not more than 10x",
        {"pricing__prompt": "0.0000025"},
        [
            ("price_rise_percent", "openrouter: openai/gpt-4o input_price +900% (0.25 → 2.5)"),
        ],
    ),
    (
        "paid to free",
        {"pricing__prompt": "0", "pricing__completion": "0"},
        [
            ("price_crossing_zero", "openrouter: openai/gpt-4o input_price paid → free (0.25 → 0)"),
            ("price_crossing_zero", "openrouter: openai/gpt-4o output_price paid → free (1 → 0)"),
        ],
    ),
    (
        "a cache price appears as free: absent means 0 at OpenRouter",
        {"pricing__input_cache_read": "0"},
        [],
    ),
    (
        "a cache price appears: 0 (absent) -> paid",
        {"pricing__input_cache_read": "0.0000001"},
        [
            (
                "price_crossing_zero",
                "openrouter: openai/gpt-4o cache_read_price free → paid (0 → 0.1)",
            ),
        ],
    ),
    ("a price that varies now (-1): unknown is no rise", {"pricing__prompt": "-1"}, []),
    (
        "context shrinks",
        {"context_length": 32000},
        [
            ("shrinking_limits", "openrouter: openai/gpt-4o context_length 128000 → 32000 (−75%)"),
        ],
    ),
    (
        "context shrinks by a token",
        {"context_length": 127999},
        [
            ("shrinking_limits", "openrouter: openai/gpt-4o context_length 128000 → 127999"),
        ],
    ),
    ("context grows", {"context_length": 1000000}, []),
    ("context becomes unknown", {"context_length": DROP}, []),
    ("routing churn under a raw path is low", {"top_provider__max_completion_tokens": 4096}, []),
    (
        "tools lost",
        {"supported_parameters": ["max_tokens", "reasoning"]},
        [
            ("lost_capabilities", "openrouter: openai/gpt-4o tools lost (yes → no)"),
        ],
    ),
    (
        "tools and reasoning unknown now",
        {"supported_parameters": DROP},
        [
            ("lost_capabilities", "openrouter: openai/gpt-4o tools lost (yes → unknown)"),
            ("lost_capabilities", "openrouter: openai/gpt-4o reasoning lost (yes → unknown)"),
        ],
    ),
    (
        "a capability gained",
        {"supported_parameters": ["max_tokens", "reasoning", "tools", "x"]},
        [],
    ),
    (
        "image input removed: a modality and vision lost",
        {"architecture__input_modalities": ["text"]},
        [
            ("lost_capabilities", "openrouter: openai/gpt-4o input_modalities lost image"),
            ("lost_capabilities", "openrouter: openai/gpt-4o vision lost (yes → no)"),
        ],
    ),
    ("audio output added", {"architecture__output_modalities": ["audio", "text"]}, []),
    ("a description changes", {"description": "new words"}, []),
]


@pytest.mark.parametrize(("what", "changes", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rules_on_realistic_changes(what, changes, expected):
    report = report_for(openrouter("openai/gpt-4o", **changes))
    assert report.status == "changed" or not expected
    assert reasons(report) == expected
    verdict = assess([report], RiskPolicy())
    assert verdict.level == ("high" if expected else "low")


def test_removal_is_high_and_names_the_model():
    report = compare_listings("mistral", [{"id": "mistral-large-2402"}, {"id": "x"}], [{"id": "x"}])
    verdict = assess([report], RiskPolicy())
    assert verdict.level == "high"
    assert verdict.reasons == (
        Reason("mistral", "mistral-large-2402", "removed", "mistral: mistral-large-2402 removed"),
    )


def test_additions_alone_are_low_and_a_new_provider_is_low():
    grown = compare_listings("groq", [{"id": "a"}], [{"id": "a"}, {"id": "b"}])
    new = compare_listings("venice", None, [{"id": f"m{i}"} for i in range(80)])
    verdict = assess([grown, new], RiskPolicy())
    assert (verdict.level, verdict.reasons, verdict.changed) == ("low", (), True)
    assert set(verdict.providers) == {"groq", "venice"}


def test_more_than_50_changed_models_in_one_provider():
    old = [{"id": f"m{i}", "context_window": 1000} for i in range(50)]
    new = [{"id": f"m{i}", "context_window": 2000} for i in range(41)]  # 41 changed, 9 removed
    policy = RiskPolicy(removed=False)
    assert reasons(compare_listings("groq", old, new), policy) == []  # 50: not more than 50
    new.append({"id": "brand-new"})
    assert reasons(compare_listings("groq", old, new), policy) == [
        ("max_changed_models", "groq: 51 models changed (more than 50)"),
    ]


def test_every_rule_can_be_turned_off_or_moved():
    report = report_for(openrouter("openai/gpt-4o", pricing__prompt="0.000000625"))
    assert reasons(report, RiskPolicy(price_rise_percent=None)) == []
    assert reasons(report, RiskPolicy(price_rise_percent=Decimal(200))) == []
    assert reasons(report, RiskPolicy(price_rise_percent=Decimal(149))) != []
    free = report_for(openrouter("openai/gpt-4o", pricing__prompt="0"))
    assert reasons(free, RiskPolicy(price_crossing_zero=False)) == []
    tenfold = report_for(openrouter("openai/gpt-4o", pricing__completion="0.00000005"))
    assert reasons(tenfold, RiskPolicy(price_factor=None)) == []
    assert reasons(tenfold, RiskPolicy(price_factor=Decimal(25))) == []
    shrunk = report_for(openrouter("openai/gpt-4o", context_length=1))
    assert reasons(shrunk, RiskPolicy(shrinking_limits=False)) == []
    lost = report_for(openrouter("openai/gpt-4o", supported_parameters=[]))
    assert reasons(lost, RiskPolicy(lost_capabilities=False)) == []
    gone = compare_listings("x", [{"id": "a"}, {"id": "b"}], [{"id": "b"}])
    assert reasons(gone, RiskPolicy(removed=False)) == []
    many = compare_listings("x", [], [{"id": f"m{i}"} for i in range(3)])
    assert reasons(many, RiskPolicy(max_changed_models=2)) == [
        ("max_changed_models", "x: 3 models changed (more than 2)"),
    ]
    assert reasons(many, RiskPolicy(max_changed_models=None)) == []


def test_a_rise_past_the_factor_is_reported_once_by_the_factor_rule():
    report = report_for(openrouter("openai/gpt-4o", pricing__prompt="0.00001"))
    assert reasons(report) == [
        ("price_factor", "openrouter: openai/gpt-4o input_price ×40 (0.25 → 10)")
    ]
    assert reasons(report, RiskPolicy(price_factor=None)) == [
        ("price_rise_percent", "openrouter: openai/gpt-4o input_price +3900% (0.25 → 10)")
    ]


def test_a_removed_model_in_use_is_high_even_when_removals_are_low():
    report = compare_listings("openai", [{"id": "gpt-4o"}, {"id": "o1"}], [{"id": "o1"}])
    in_use = {("openai", "gpt-4o"): ["src/app.py:3", "README.md:9"]}
    policy = RiskPolicy(removed=False)
    assert reasons(report, policy) == []
    assert reasons(report, policy, in_use=in_use) == [
        ("removed_in_use", "openai: gpt-4o removed, still in use (2 places)"),
    ]
    assert reasons(report, in_use=in_use) == [
        ("removed_in_use", "openai: gpt-4o removed, still in use (2 places)"),
    ]
    off = RiskPolicy(removed=False, removed_in_use=False)
    assert reasons(report, off, in_use=in_use) == []
    # Hits of another provider's model of the same id say nothing about this one.
    assert reasons(report, policy, in_use={("azure", "gpt-4o"): ["a:1"]}) == []


def test_only_changed_providers_count():
    failed = ProviderReport("cohere", "failed", error="HTTP 500")
    same = ProviderReport("xai", "unchanged", models_before=3, models_after=3)
    verdict = assess([failed, same], RiskPolicy())
    assert (verdict.changed, verdict.reasons, verdict.providers) == (False, (), {})
    assert verdict.outputs() == {"risk": "", "risk-reasons": ""}
    assert verdict.to_json() is None


def test_verdict_per_provider_json_and_outputs():
    low = compare_listings("groq", [{"id": "a"}], [{"id": "a"}, {"id": "b"}])
    high = compare_listings("mistral", [{"id": "m1"}, {"id": "m2"}], [{"id": "m2"}])
    verdict = assess([low, high], RiskPolicy())
    assert verdict.level == "high"
    assert verdict.providers["groq"].level == "low"
    assert verdict.providers["mistral"].to_json() == {
        "level": "high",
        "reasons": [{"model": "m1", "rule": "removed", "text": "mistral: m1 removed"}],
    }
    assert verdict.providers["groq"].to_json() == {"level": "low", "reasons": []}
    assert verdict.to_json() == {
        "level": "high",
        "reasons": [
            {"provider": "mistral", "model": "m1", "rule": "removed", "text": "mistral: m1 removed"}
        ],
    }
    assert verdict.outputs() == {"risk": "high", "risk-reasons": "mistral: m1 removed"}
    assert assess([low], RiskPolicy()).outputs() == {"risk": "low", "risk-reasons": ""}


def test_reasons_output_is_one_line_per_reason_whatever_the_ids():
    old = [{"id": "evil\nid::error::x"}, {"id": "keep"}]
    verdict = assess([compare_listings("x", old, [{"id": "keep"}])], RiskPolicy())
    assert verdict.outputs()["risk-reasons"] == "x: evil id::error::x removed"


def test_reasons_output_is_bounded():
    old = [{"id": f"model-{i:05d}-" + "x" * 100} for i in range(2000)]
    verdict = assess([compare_listings("big", old, [])], RiskPolicy(max_changed_models=None))
    *shown, tail = verdict.outputs()["risk-reasons"].split("\n")
    assert len("\n".join([*shown, tail]).encode()) <= 65536
    assert shown == [reason.text for reason in verdict.reasons[: len(shown)]]
    assert 400 < len(shown) < 2000
    assert tail == f"… and {2000 - len(shown)} more reasons"
    assert len(verdict.reasons) == 2000


def test_rule_names_are_the_config_keys():
    assert set(RULES) <= set(RiskPolicy.__dataclass_fields__)


# -- the config block -------------------------------------------------------------------


def policy_from(text: str) -> RiskPolicy:
    return parse_policy(yaml.safe_load(text)["risk"], At(text))


def test_parse_defaults_and_every_key():
    assert parse_policy(None, At("")) == RiskPolicy()
    assert policy_from("risk: {}") == RiskPolicy()
    text = """
risk:
  removed: false
  removed_in_use: true
  price_rise_percent: 25.5
  price_crossing_zero: false
  price_factor: 4
  shrinking_limits: false
  lost_capabilities: false
  max_changed_models: 200
  labels: {low: "safe", high: "needs a person"}
"""
    assert policy_from(text) == RiskPolicy(
        removed=False,
        removed_in_use=True,
        price_rise_percent=Decimal("25.5"),
        price_crossing_zero=False,
        price_factor=Decimal(4),
        shrinking_limits=False,
        lost_capabilities=False,
        max_changed_models=200,
        labels=RiskLabels(low="safe", high="needs a person"),
    )
    off = "risk: {price_rise_percent: false, price_factor: false, max_changed_models: false}"
    assert policy_from(off) == RiskPolicy(
        price_rise_percent=None, price_factor=None, max_changed_models=None
    )
    assert policy_from("risk: {labels: {high: urgent}}").labels == RiskLabels("risk:low", "urgent")


BAD = [
    ("risk: [removed]", "cfg.yml[risk]: risk must be a mapping of rule: setting"),
    (
        "risk: {removal: true}",
        "cfg.yml[risk.removal]: unknown key 'removal' in risk; "
        "expected one of: removed, removed_in_use, price_rise_percent, price_crossing_zero, "
        "price_factor, shrinking_limits, lost_capabilities, max_changed_models, labels",
    ),
    (
        "risk: {removed: yes please}",
        "cfg.yml[risk.removed]: risk.removed is 'yes please'; it must be true or false",
    ),
    (
        "risk: {price_rise_percent: ten}",
        "cfg.yml[risk.price_rise_percent]: risk.price_rise_percent is 'ten'; "
        "it must be a number of percent ≥ 0, or false to turn the rule off",
    ),
    ("risk: {price_rise_percent: -1}", "must be a number of percent ≥ 0"),
    ("risk: {price_rise_percent: .inf}", "risk.price_rise_percent is inf; it must be"),
    ("risk: {price_rise_percent: true}", "risk.price_rise_percent is True; it must be"),
    (
        "risk: {price_rise_percent: }",
        "risk.price_rise_percent is None; "
        "it must be a number of percent ≥ 0, or false to turn the rule off",
    ),
    (
        "risk: {price_factor: 1}",
        "risk.price_factor is 1; it must be a number > 1, or false to turn the rule off",
    ),
    ("risk: {price_factor: .nan}", "risk.price_factor is nan; it must be a number > 1"),
    (
        "risk: {max_changed_models: 2.5}",
        "risk.max_changed_models is 2.5; "
        "it must be a whole number ≥ 0, or false to turn the rule off",
    ),
    ("risk: {max_changed_models: -3}", "must be a whole number ≥ 0"),
    (
        "risk: {labels: risk}",
        "cfg.yml[risk.labels]: risk.labels must be a mapping with low and high",
    ),
    (
        "risk: {labels: {medium: x}}",
        "cfg.yml[risk.labels.medium]: unknown key 'medium' in risk.labels; "
        "expected one of: low, high",
    ),
    (
        "risk: {labels: {low: ''}}",
        "risk.labels.low is ''; it must be a label name of 1 to 50 characters on one line",
    ),
    ('risk: {labels: {low: "a\\nb"}}', "risk.labels.low is 'a\\nb'; it must be a label name"),
    ("risk: {labels: {low: " + "x" * 51 + "}}", "it must be a label name of 1 to 50 characters"),
    ("risk: {labels: {low: 3}}", "risk.labels.low is 3; it must be a label name"),
    (
        "risk: {labels: {low: same, high: same}}",
        "cfg.yml[risk.labels.high]: risk.labels.low and risk.labels.high are both 'same'; "
        "give them different names",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[b[0] for b in BAD])
def test_parse_refuses_with_one_line_naming_the_key(text, message):
    with pytest.raises(DumpModelsError) as caught:
        policy_from(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 2


def test_policy_is_frozen():
    with pytest.raises(AttributeError):
        RiskPolicy().removed = False  # type: ignore[misc]


def test_labels_for_a_level():
    labels = RiskLabels()
    assert (labels.name("low"), labels.name("high")) == ("risk:low", "risk:high")
    assert labels.other("low") == "risk:high"


# -- the verdict block of the PR body --------------------------------------------------


def test_render_verdict_low_and_high():
    low = assess(
        [compare_listings("groq", [{"id": "a"}], [{"id": "a"}, {"id": "b"}])], RiskPolicy()
    )
    assert render_verdict(low) == [
        "**Risk: low**: no rule of the risk policy matched.",
        "",
    ]
    models = [{"id": "@octocat|#12 <b>x</b>"}, {"id": "b"}]
    high = assess([compare_listings("x", models, [{"id": "b"}])], RiskPolicy())
    assert render_verdict(high) == [
        "**Risk: high**: 1 reason; a person should look before this is merged.",
        "",
        "- " + escape("x: @octocat|#12 <b>x</b> removed"),
        "",
    ]
    body = "\n".join(render_verdict(high))
    assert "@octocat" not in body and "#12" not in body and "<b>" not in body
    assert "\\|" in body and "@\u200boctocat" in body


def test_render_verdict_cuts_long_lists():
    old = [{"id": f"m{i:03d}"} for i in range(120)]
    verdict = assess([compare_listings("x", old, [])], RiskPolicy(max_changed_models=None))
    lines = render_verdict(verdict, limit=50)
    assert lines[0] == "**Risk: high**: 120 reasons; a person should look before this is merged."
    items = [line for line in lines if line.startswith("- ")]
    assert items[:50] == [f"- x: m{i:03d} removed" for i in range(50)]
    assert items[50:] == ["- … and 70 more reasons (see the job summary or the JSON report)"]


def test_render_verdict_nothing_changed():
    assert render_verdict(assess([], RiskPolicy())) == []


def test_assess_never_raises_on_odd_values():
    report = ProviderReport("x", "changed", models_before=2, models_after=2)
    report.changed = {
        "a": {
            "input_price": {"old": "lots", "new": "1E+999999"},
            "context_length": {"old": "big", "new": 3},
            "input_modalities": {"old": "text", "new": None},
            "tools": {"old": 1, "new": 0},
        },
        "b": {"output_price": {"old": 0.5, "new": 2}},  # numbers, as a JSON report holds
    }
    verdict = assess([copy.deepcopy(report)], RiskPolicy())
    assert [(r.model, r.rule) for r in verdict.reasons] == [("b", "price_rise_percent")]
