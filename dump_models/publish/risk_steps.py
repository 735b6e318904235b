"""What a pull request's verdict changes while publishing (docs/risk.md).

Before anything is pushed: the body gets the hidden marker of the proposed content, a person's
"no" to that very content is respected (no push, no pull request), and a high-risk update has
auto-merge turned off first (if that fails, nothing is pushed). After the pull request is
created or updated: the risk label, and auto-merge turned on for a low-risk push. The tool
never merges; a refusal after the push is a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..automerge import disable_before_push, enable_after_publish, set_risk_label
from ..declined import person_declined, tree_marker
from ..risk_policy import Level
from .checkout import Checkout
from .plan import Plan, PublishText


def output_tree(checkout: Checkout, plan: Plan) -> str:
    """The output directory's tree in the plan's tree: the same listings, the same tree."""
    return checkout.git.output("rev-parse", f"{plan.tree}:{checkout.out}")


def marked(text: PublishText, tree: str) -> PublishText:
    """``text`` whose body ends with the marker of ``tree`` (the body is rendered within
    GitHub's limit with room for it)."""
    return replace(text, body=f"{text.body.rstrip()}\n\n{tree_marker(tree)}\n")


def declined_pull(checkout: Checkout, branch: str, tree: str) -> dict | None:
    """The pull request from ``branch`` a person closed without merging that proposed
    ``tree``, since the branch was last merged (ask only when none is open)."""
    return checkout.from_api(
        "the closed pull requests", lambda gh: person_declined(gh, branch, tree), None
    )


def auto_merge_off(
    checkout: Checkout, open_pull: dict | None, level: Level | None
) -> Callable[[], None]:
    """The branch step's ``before_push``: a high-risk update turns off the open pull
    request's auto-merge before it is pushed (raises, and nothing is pushed, when it cannot)."""

    def before_push() -> None:
        if checkout.gh is None or open_pull is None or level is None:
            return
        if disable_before_push(checkout.gh, open_pull, level=level) is not None:
            checkout.say(
                f"turned off auto-merge on pull request #{open_pull['number']} "
                "before pushing a high-risk update"
            )

    return before_push


def decorate_risk(
    checkout: Checkout,
    pull: dict,
    level: Level,
    *,
    content_changed: bool,
    head_sha: str | None,
) -> None:
    """The ``level``'s label on ``pull`` (the other level's taken off), and auto-merge turned
    on for ``head_sha`` when asked (``auto-merge: low``), the update is low and its content
    was pushed; each refusal a warning."""
    gh, options = checkout.gh, checkout.options
    if gh is None:
        return
    for warning in set_risk_label(gh, pull["number"], level, options.risk_labels):
        checkout.warn(warning)
    if head_sha is None:
        return
    result = enable_after_publish(
        gh,
        pull,
        mode=options.auto_merge,
        level=level,
        method=options.merge_method,
        content_changed=content_changed,
        head_sha=head_sha,
    )
    if result is None:
        return
    if result.warning:
        checkout.warn(result.warning)
    elif result.outcome == "enabled":
        checkout.say(
            f"auto-merge turned on for pull request #{pull['number']} ({options.merge_method}):"
            " GitHub merges it once branch protection and the required checks allow"
        )
