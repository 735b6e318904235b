"""What a verdict changes on the pull request: its risk label and GitHub's auto-merge.

The order matters (docs/risk.md): an open pull request with auto-merge on that is about to
receive a high-risk update has it turned off *before* the push (else GitHub could merge the
new content as soon as its checks pass), and a publish that cannot turn it off stops there.
Auto-merge is turned on only after the push, for the head that was pushed, and only when
content was pushed: a person who turned it off since keeps it off until the next change.
The tool never merges; a refusal to enable or label is a warning, never a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dump_models import inputs
from dump_models.errors import DumpModelsError
from dump_models.github import GitHub, GitHubError
from dump_models.risk_policy import Level, RiskLabels

AUTO_MERGE_MODES = inputs.AUTO_MERGE_MODES  # input auto-merge: never, low
MERGE_METHOD_CHOICES = inputs.MERGE_METHODS  # input merge-method: squash, merge, rebase
SETTING = "Settings → General → Pull Requests → Allow auto-merge"
PERMISSIONS = "give the workflow `permissions: contents: write, pull-requests: write`"
FORBIDDEN = "Resource not accessible by"

Outcome = Literal[
    "enabled", "already-enabled", "not-allowed", "mergeable-now", "draft", "failed", "disabled"
]


@dataclass(frozen=True)
class AutoMergeResult:
    """What happened to auto-merge, and the warning to show (None when all is well)."""

    outcome: Outcome
    warning: str | None = None


def wants_enabling(mode: str, level: Level, *, content_changed: bool) -> bool:
    """Turn auto-merge on: asked for low-risk updates, this one is low, and it was pushed
    (or the pull request is new)."""
    return mode == "low" and level == "low" and content_changed


def needs_disabling(level: Level, open_pull: dict | None) -> bool:
    """Turn auto-merge off before pushing: a high-risk update for an open pull request that
    has it on (whoever turned it on: a person approved other content)."""
    return level == "high" and open_pull is not None and open_pull.get("auto_merge") is not None


def disable_before_push(
    gh: GitHub, open_pull: dict | None, *, level: Level
) -> AutoMergeResult | None:
    """Before pushing: turn auto-merge off when :func:`needs_disabling` (None when not).

    A failure raises :class:`DumpModelsError` (exit 1): the high-risk content must not be
    pushed into a pull request GitHub may merge on its own.
    """
    if open_pull is None or not needs_disabling(level, open_pull):
        return None
    number = open_pull["number"]
    try:
        gh.disable_auto_merge(open_pull["node_id"])
    except GitHubError as exc:
        raise DumpModelsError(
            f"could not turn off auto-merge on pull request #{number} before pushing a "
            f"high-risk update ({exc}); nothing was pushed: turn it off by hand, or "
            f"{PERMISSIONS}",
            exit_code=1,
        ) from None
    return AutoMergeResult("disabled")


def _warning(number: int, why: str) -> str:
    return f"auto-merge not enabled on pull request #{number}: {why}"


def enable_after_publish(
    gh: GitHub,
    pull: dict,
    *,
    mode: str,
    level: Level,
    method: str,
    content_changed: bool,
    head_sha: str,
) -> AutoMergeResult | None:
    """After pushing ``head_sha`` and creating or updating ``pull``: turn auto-merge on when
    :func:`wants_enabling` (None when not), so that branch protection and required checks
    decide when GitHub merges. Every refusal is a result with a warning."""
    if not wants_enabling(mode, level, content_changed=content_changed):
        return None
    number = pull["number"]
    if pull.get("draft"):
        return AutoMergeResult(
            "draft",
            _warning(
                number,
                "it is a draft, and GitHub does not auto-merge drafts; "
                "set draft to false or auto-merge to never",
            ),
        )
    try:
        outcome = gh.enable_auto_merge(pull["node_id"], method, head_sha=head_sha)
    except GitHubError as exc:
        hint = f"; {PERMISSIONS}" if FORBIDDEN.lower() in exc.message.lower() else ""
        return AutoMergeResult("failed", _warning(number, f"{exc}{hint}"))
    if outcome == "not-allowed":
        return AutoMergeResult(
            outcome, _warning(number, f"this repository does not allow it; turn on {SETTING}")
        )
    if outcome == "mergeable-now":
        return AutoMergeResult(
            outcome,
            _warning(
                number,
                "GitHub could merge it right now (no required check is pending), so it cannot "
                "wait for one; dump-models never merges by itself: merge it, or require status "
                "checks for the base branch (Settings → Branches) so auto-merge has something "
                "to wait for",
            ),
        )
    return AutoMergeResult(outcome)


def set_risk_label(gh: GitHub, number: int, level: Level, labels: RiskLabels) -> list[str]:
    """Put ``level``'s label on the pull request and take the other level's off; warnings
    for what GitHub refused (a label not being there to take off is fine)."""
    warnings = []
    wanted, other = labels.name(level), labels.other(level)
    try:
        gh.add_labels(number, [wanted])
    except GitHubError as exc:
        warnings.append(f"label {wanted!r} not set on pull request #{number}: {exc}")
    try:
        gh.remove_label(number, other)
    except GitHubError as exc:
        warnings.append(f"label {other!r} not removed from pull request #{number}: {exc}")
    return warnings
