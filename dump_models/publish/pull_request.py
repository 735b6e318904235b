"""Step 3, the pull request: one per update branch, decided from the branch step's result.

Created when none is open, else its title and body updated; left as it is when the branch did
not move; closed when nothing is left to publish (its tree marker withdrawn first, so that it
never reads as a person's "no"). Create first and, on GitHub's "A pull request already exists",
update the one another run just opened. :func:`decorate_pull_request` then adds what is asked
for on top (labels, reviewers, the risk label and auto-merge), each refusal a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..declined import withdrawn
from ..github import PR_EXISTS, GitHubError
from ..risk_policy import Level
from .branch import BranchResult
from .checkout import Checkout
from .plan import Plan, PublishText
from .risk_steps import decorate_risk

# declined: none opened, a person closed one with this very content (docs/risk.md)
PullRequestOperation = Literal["created", "updated", "unchanged", "closed", "declined", "none"]


@dataclass(frozen=True)
class PullRequestResult:
    """What the pull request step did; ``number`` and ``url`` of the pull request it is about
    (also in a dry run, when one is open). Push mode has none: ``none``. ``node_id`` and
    ``draft`` as GitHub gave them, for auto-merge."""

    operation: PullRequestOperation
    number: int | None = None
    url: str | None = None
    node_id: str | None = None
    draft: bool = False


def update_pull_request(
    checkout: Checkout, plan: Plan, branch: BranchResult, text: PublishText | None
) -> PullRequestResult:
    """Open, update, leave or close the pull request from ``branch``, from what that step did.

    ``text`` (the title and body) may be None only when nothing differs from the base. A dry
    run says what it would do, the body included, and returns ``none``.
    """
    if checkout.options.mode == "push":
        return PullRequestResult("none")
    pr = checkout.open_pull(branch.branch)
    found = _result("none", pr)
    if not branch.has_diff_with_base:
        if pr is None or branch.foreign:  # someone else's work there: their pull request too
            return found
        if checkout.dry:
            checkout.say(f"would close pull request #{pr['number']}")
            return found
        assert checkout.gh is not None
        checkout.gh.update_pull(pr["number"], state="closed", body=withdrawn(pr.get("body") or ""))
        checkout.say(f"closed pull request #{pr['number']}: nothing left to update")
        return _result("closed", pr)
    assert text is not None
    if checkout.dry:
        if pr is not None:
            checkout.say(f"would update pull request #{pr['number']}: {text.title}")
        else:
            checkout.say(f"would open a pull request {branch.branch} → {plan.base}: {text.title}")
        checkout.say(text.body)
        return found
    gh = checkout.gh
    assert gh is not None  # validated: pull-request mode needs a token and a repository
    if pr is not None and branch.operation == "not-updated":
        checkout.say(f"pull request #{pr['number']} is up to date: {pr.get('html_url')}")
        return _result("unchanged", pr)
    operation: PullRequestOperation = "updated"
    if pr is None:
        try:
            pr = gh.create_pull(
                head=branch.branch,
                base=plan.base,
                title=text.title,
                body=text.body,
                draft=checkout.options.draft,
            )
            operation = "created"
        except GitHubError as exc:
            # Another run opened it between our look-up and our create: update that one.
            if exc.status != 422 or PR_EXISTS.lower() not in exc.message.lower():
                raise
            pr = gh.find_open_pull(branch.branch)
            if pr is None:
                raise
    if operation == "updated":
        pr = gh.update_pull(pr["number"], title=text.title, body=text.body)
    result = _result(operation, pr)
    checkout.say(f"{operation} pull request #{result.number}: {result.url}")
    return result


def decorate_pull_request(
    checkout: Checkout,
    pull: PullRequestResult,
    labels: Sequence[str] = (),
    *,
    risk: Level | None = None,
    pushed: bool = False,
    head_sha: str | None = None,
) -> None:
    """Labels (the options' and ``labels``) and reviewers on a pull request just created or
    updated, then the verdict's: the ``risk`` label and auto-merge for ``head_sha`` when
    content was ``pushed``; a refusal is a warning, the pull request stands."""
    o, gh = checkout.options, checkout.gh
    if pull.operation not in ("created", "updated") or pull.number is None or gh is None:
        return
    wanted = list(dict.fromkeys((*o.labels, *labels)))
    if wanted:
        try:
            gh.add_labels(pull.number, wanted)
        except GitHubError as exc:
            checkout.warn(f"labels {', '.join(wanted)} not added: {exc.message}")
    if o.reviewers:
        try:
            gh.request_reviewers(pull.number, list(o.reviewers))
        except GitHubError as exc:
            checkout.warn(f"reviewers {', '.join(o.reviewers)} not requested: {exc.message}")
    if risk is not None:
        pull_request = {"number": pull.number, "node_id": pull.node_id or "", "draft": pull.draft}
        changed = pushed or pull.operation == "created"
        decorate_risk(checkout, pull_request, risk, content_changed=changed, head_sha=head_sha)


def _result(operation: PullRequestOperation, pr: dict | None) -> PullRequestResult:
    if pr is None:
        return PullRequestResult(operation)
    return PullRequestResult(
        operation, pr["number"], pr.get("html_url"), pr.get("node_id"), bool(pr.get("draft"))
    )
