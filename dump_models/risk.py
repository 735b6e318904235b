"""ProviderReports -> a risk verdict: ``high`` when a person should look before merging (pure).

Each rule of the policy (``risk_policy.RiskPolicy``, docs/risk.md) that matches gives a
:class:`Reason` naming the provider and the model. A verdict is ``high`` when any reason was
found, else ``low``; only providers whose listing changed (``changed``, ``new``) are judged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal

from dump_models import decimals
from dump_models.diff import ProviderReport
from dump_models.normalize import CAPABILITY_FIELDS, LIMIT_FIELDS, PRICE_FIELDS
from dump_models.report import MINUS, escape, price_change_pct
from dump_models.risk_policy import Level, RiskPolicy

CHANGED_STATUSES = ("changed", "new")
ARROW = "\u2192"
MAX_OUTPUT_BYTES = 65536  # the risk-reasons output: far below GitHub's 1 MB per output

_BOOLEANS = ("tools", "vision", "reasoning")
_MODALITIES = ("input_modalities", "output_modalities")
# Decimals are bounded (decimals.MAX_DIGITS, MAX_MAGNITUDE): their products are exact here.
_EXACT = Context(prec=4 * (decimals.MAX_DIGITS + decimals.MAX_MAGNITUDE), traps=[])


@dataclass(frozen=True)
class Reason:
    """Why an update is ``high``: one rule matching one model (``model`` None: the provider)."""

    provider: str
    model: str | None
    rule: str
    text: str  # one line: "openrouter: openai/gpt-4o input_price +150% (0.25 → 0.625)"


@dataclass(frozen=True)
class ProviderVerdict:
    """One changed provider's level and reasons."""

    provider: str
    level: Level
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict:
        """``{"level", "reasons": [{"model", "rule", "text"}]}`` for the provider's report."""
        return {
            "level": self.level,
            "reasons": [{"model": r.model, "rule": r.rule, "text": r.text} for r in self.reasons],
        }


@dataclass(frozen=True)
class Verdict:
    """The whole update's level, its reasons, and each changed provider's verdict."""

    level: Level
    reasons: tuple[Reason, ...]
    providers: Mapping[str, ProviderVerdict]

    @property
    def changed(self) -> bool:
        """Whether any provider's listing changed (else there is nothing to judge)."""
        return bool(self.providers)

    def to_json(self) -> dict | None:
        """The machine report's overall ``risk`` (None when nothing changed)."""
        if not self.changed:
            return None
        reasons = [
            {"provider": r.provider, "model": r.model, "rule": r.rule, "text": r.text}
            for r in self.reasons
        ]
        return {"level": self.level, "reasons": reasons}

    def outputs(self) -> dict[str, str]:
        """The Action outputs ``risk`` (``low``/``high``, empty when nothing changed) and
        ``risk-reasons`` (one reason a line, at most :data:`MAX_OUTPUT_BYTES`)."""
        if not self.changed:
            return {"risk": "", "risk-reasons": ""}
        lines: list[str] = []
        size = 0
        for index, reason in enumerate(self.reasons):
            tail = f"\u2026 and {len(self.reasons) - index} more reasons"
            step = len(reason.text.encode()) + 1
            if size + step + len(tail.encode()) > MAX_OUTPUT_BYTES:
                lines.append(tail)
                break
            lines.append(reason.text)
            size += step
        return {"risk": self.level, "risk-reasons": "\n".join(lines)}


# -- the rules ------------------------------------------------------------------------------


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _reason(provider: str, model: str | None, rule: str, detail: str) -> Reason:
    text = f"{provider}: {model} {detail}" if model is not None else f"{provider}: {detail}"
    return Reason(provider, model, rule, _one_line(text))


def _factor(big: Decimal, small: Decimal) -> str:
    ratio = _EXACT.divide(big, small)
    step = Decimal(1) if ratio >= 100 else Decimal("0.1")
    return decimals.text(ratio.quantize(step, context=_EXACT))


def _price_reason(policy: RiskPolicy, old: Decimal, new: Decimal) -> tuple[str, str] | None:
    """(rule, detail) for one price move, from the first rule that matches; None if none."""
    moved = f"({decimals.text(old)} {ARROW} {decimals.text(new)})"
    if policy.price_crossing_zero and old.is_zero() != new.is_zero():
        way = "free \u2192 paid" if old.is_zero() else "paid \u2192 free"
        return "price_crossing_zero", f"{way} {moved}"
    if old.is_zero() or new.is_zero():
        return None
    factor = policy.price_factor
    if factor is not None:
        if new > _EXACT.multiply(old, factor):
            return "price_factor", f"\u00d7{_factor(new, old)} {moved}"
        if old > _EXACT.multiply(new, factor):
            return "price_factor", f"\u00f7{_factor(old, new)} {moved}"
    rise = policy.price_rise_percent
    if rise is not None and _EXACT.multiply(new, Decimal(100)) > _EXACT.multiply(
        old, _EXACT.add(Decimal(100), rise)
    ):
        shown = price_change_pct(decimals.text(old), decimals.text(new))
        return "price_rise_percent", f"{shown} {moved}"
    return None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _words(value: object) -> set[str] | None:
    if value is None:
        return set()
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return set(value)
    return None


def _field_reasons(
    policy: RiskPolicy, name: str, old: object, new: object
) -> list[tuple[str, str]]:
    """(rule, detail) pairs for one normalized field's change."""
    if name in PRICE_FIELDS:
        before, after = decimals.parse(old), decimals.parse(new)
        if before is None or after is None:  # unknown on either side: no move to judge
            return []
        found = _price_reason(policy, before, after)
        return [(found[0], f"{name} {found[1]}")] if found else []
    if name in LIMIT_FIELDS:
        before_n, after_n = _count(old), _count(new)
        if not policy.shrinking_limits or before_n is None or after_n is None:
            return []
        if after_n >= before_n:
            return []
        pct = decimals.percent_change(Decimal(before_n), Decimal(after_n))
        shown = f" ({MINUS}{decimals.text(-pct)}%)" if pct is not None and pct < 0 else ""
        return [("shrinking_limits", f"{name} {before_n} {ARROW} {after_n}{shown}")]
    if not policy.lost_capabilities:
        return []
    if name in _BOOLEANS and old is True and new is not True:
        return [
            (
                "lost_capabilities",
                f"{name} lost (yes {ARROW} {'no' if new is False else 'unknown'})",
            )
        ]
    if name in _MODALITIES:
        before_w, after_w = _words(old), _words(new)
        if before_w and after_w is not None and before_w - after_w:
            return [("lost_capabilities", f"{name} lost {', '.join(sorted(before_w - after_w))}")]
    return []


def _provider_reasons(
    report: ProviderReport, policy: RiskPolicy, in_use: Mapping[tuple[str, str], Sequence[object]]
) -> list[Reason]:
    name = report.name
    found: list[Reason] = []
    touched = len(report.added) + len(report.removed) + len(report.changed)
    limit = policy.max_changed_models
    # A new provider's first listing is all additions: not churn anybody depended on.
    if report.status == "changed" and limit is not None and touched > limit:
        found.append(
            _reason(
                name, None, "max_changed_models", f"{touched} models changed (more than {limit})"
            )
        )
    for model in report.removed:
        places = len(in_use.get((name, model), ()))
        if places and policy.removed_in_use:
            where = "1 place" if places == 1 else f"{places} places"
            found.append(_reason(name, model, "removed_in_use", f"removed, still in use ({where})"))
        elif policy.removed:
            found.append(_reason(name, model, "removed", "removed"))
    order = PRICE_FIELDS + LIMIT_FIELDS + CAPABILITY_FIELDS
    for model in sorted(report.changed):
        fields_changed = report.changed[model]
        for field_name in order:
            change = fields_changed.get(field_name)
            if not isinstance(change, dict):
                continue
            for rule, detail in _field_reasons(
                policy, field_name, change.get("old"), change.get("new")
            ):
                found.append(_reason(name, model, rule, detail))
    return found


def assess(
    reports: Sequence[ProviderReport],
    policy: RiskPolicy,
    *,
    in_use: Mapping[tuple[str, str], Sequence[object]] | None = None,
) -> Verdict:
    """Judge an update: each changed provider's reasons, and ``high`` if there is any.

    ``in_use`` maps ``(provider, model id)`` to the places the repository names it
    (``usage.find_usage``); a removed model with places is ``removed_in_use``.
    """
    providers: dict[str, ProviderVerdict] = {}
    for report in sorted(reports, key=lambda r: r.name):
        if report.status not in CHANGED_STATUSES:
            continue
        found = tuple(_provider_reasons(report, policy, in_use or {}))
        providers[report.name] = ProviderVerdict(report.name, "high" if found else "low", found)
    reasons = tuple(r for verdict in providers.values() for r in verdict.reasons)
    return Verdict("high" if reasons else "low", reasons, providers)


# -- the PR body ----------------------------------------------------------------------------


def render_verdict(verdict: Verdict, *, limit: int = 50) -> list[str]:
    """The Markdown lines that open the PR body: the level, then each reason (escaped), at
    most ``limit`` of them. Nothing when nothing changed."""
    if not verdict.changed:
        return []
    if verdict.level == "low":
        return ["**Risk: low**: no rule of the risk policy matched.", ""]
    count = len(verdict.reasons)
    lines = [
        f"**Risk: high**: {count} reason{'' if count == 1 else 's'}; "
        "a person should look before this is merged.",
        "",
    ]
    lines += [f"- {escape(reason.text)}" for reason in verdict.reasons[:limit]]
    if count > limit:
        lines.append(
            f"- \u2026 and {count - limit} more reasons (see the job summary or the JSON report)"
        )
    return lines + [""]
