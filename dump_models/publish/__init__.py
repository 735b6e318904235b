"""Publish the output directory: one commit on the update branch and one rolling pull request.

Typed steps, each deciding from the one before (docs/publishing.md):

1. :func:`~.plan.plan`: the tips of the base and the branch on origin, the tree to commit and
   its :class:`FileChange` list;
2. the caller renders a :class:`PublishText` from the changes (``render``);
3. :func:`~.branch.update_branch` -> :class:`~.branch.BranchResult`, or
   :class:`~.plan.OriginMoved`, and then it all starts again from 1 (:data:`ATTEMPTS`);
4. :func:`~.pull_request.update_pull_request` -> :class:`~.pull_request.PullRequestResult`,
   then :func:`~.pull_request.decorate_pull_request` and :func:`~.branch.delete_branch`.

Every decision is taken from what origin and the API say now; the user's checkout (HEAD,
index, working tree, refs) is never changed: the commit is built in a private index from the
base tip and pushed by sha.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .. import secrets
from ..errors import DumpModelsError
from ..git import Entry, GitError
from ..github import GitHubError
from ..report_text import plural
from .branch import BranchResult, delete_branch, update_branch
from .checkout import Checkout, open_checkout
from .failures import describe_failure
from .layouts import provider_branches, provider_entries, retire_per_provider, retire_single
from .options import PublishOptions, validate_options
from .ownership import DERIVED_FILES, TRAILER, owned_paths
from .plan import FileChange, OriginMoved, Plan, PublishText, plan
from .pull_request import (
    PullRequestOperation,
    PullRequestResult,
    decorate_pull_request,
    update_pull_request,
)
from .risk_steps import auto_merge_off, declined_pull, marked, output_tree

__all__ = [
    "ATTEMPTS",
    "DERIVED_FILES",
    "TRAILER",
    "BranchResult",
    "FileChange",
    "Plan",
    "PublishOptions",
    "PublishResult",
    "PublishText",
    "PullRequestResult",
    "Render",
    "owned_paths",
    "publish",
    "publish_branch",
    "publish_providers",
]

ATTEMPTS = 3  # pushes rejected because origin moved are planned, built and pushed this often
# The caller's renderer: the plan's changes -> the title, body and commit message.
Render = Callable[[Sequence[FileChange]], PublishText]


@dataclass(frozen=True)
class PublishResult:
    """What was done: ``operation`` is the pull request's (created | updated | unchanged |
    closed | declined | none; declined: the pull request a person closed, ``pr_number``).

    In push mode it is always ``none``; a push that happened shows as ``head_sha`` (the
    pushed commit) with ``branch`` the base. Otherwise ``head_sha`` is the update branch's tip
    afterwards (None: there is none).
    """

    operation: PullRequestOperation
    pr_number: int | None = None
    pr_url: str | None = None
    head_sha: str | None = None
    branch: str | None = None
    # group-by provider: each provider's own result, by name (then ``operation`` is none).
    providers: Mapping[str, PublishResult] = field(default_factory=dict)


def publish(
    options: PublishOptions, render: Render, *, emit: Callable[[str], None] = print
) -> PublishResult:
    """Commit the output directory's changes and open or update the one pull request.

    Only the tool's files (:func:`owned_paths`) that this run added or modified (they differ
    between the checkout's HEAD and the working tree) are laid over the base tip; nothing is
    deleted; other files are named in one warning. ``render`` is called with the changes
    against the base when there are any (again only if a re-plan finds other changes).

    ``mode="push"`` commits onto the base branch instead; ``mode="none"`` and ``dry_run`` only
    say what would be done (``none``). Raises :class:`DumpModelsError` with a one-line,
    redacted message.
    """
    secrets.register(options.token)
    validate_options(options)
    try:
        checkout = open_checkout(options, emit)
        if checkout is None:
            return PublishResult("none")
        if options.group_by == "provider":
            return PublishResult("none", providers=publish_providers(checkout, render))
        if options.mode != "push":
            retire_per_provider(checkout)
        branch = checkout.base if options.mode == "push" else options.branch
        return publish_branch(checkout, branch, checkout.entries, render)
    except (GitError, GitHubError) as exc:
        raise DumpModelsError(describe_failure(exc), exit_code=1) from None


def publish_branch(
    checkout: Checkout,
    branch: str,
    entries: Sequence[Entry],
    render: Render,
    labels: Sequence[str] = (),
) -> PublishResult:
    """The lifecycle of one branch and its pull request: ``entries`` laid over the base tip;
    ``labels`` added to the options' on its pull request.

    Plans again from the new tips when origin moved, up to :data:`ATTEMPTS` times.
    """
    texts = _Texts(checkout.options, render)
    for _ in range(ATTEMPTS):
        done = _attempt(checkout, branch, entries, texts, labels)
        if done is not None:
            return done
        checkout.say(
            f"origin moved while publishing; rebuilding from the new tip of {checkout.base}"
        )
    raise DumpModelsError(
        f"gave up after {ATTEMPTS} attempts: origin kept moving under {branch}", exit_code=1
    )


def publish_providers(checkout: Checkout, render: Render) -> dict[str, PublishResult]:
    """group-by provider: each provider's file on a branch ``<branch>/<provider>`` of its
    own, with its own pull request labelled ``provider:<name>``, each through the lifecycle of
    :func:`publish_branch`; a provider whose file is back to the base has its pull request
    closed. The single update branch of group-by all is retired first (``layouts.py``).

    One provider's failure (a branch someone else pushed to) does not stop the others: the
    failures are raised together, in one line, once every provider has had its turn.
    """
    retire_single(checkout)
    entries = provider_entries(checkout)
    branches = provider_branches(checkout)
    results: dict[str, PublishResult] = {}
    failures: list[str] = []
    for provider in sorted(set(entries) | set(branches)):
        branch = f"{checkout.options.branch}/{provider}"
        checkout.say(f"{provider}: {branch}")
        try:
            results[provider] = publish_branch(
                checkout, branch, entries.get(provider, ()), render, (f"provider:{provider}",)
            )
        except DumpModelsError as exc:
            failures.append(f"{provider}: {exc}")
        except (GitError, GitHubError) as exc:
            failures.append(f"{provider}: {describe_failure(exc)}")
    if failures:
        count = len(failures) + len(results)
        raise DumpModelsError(
            f"{len(failures)} of {count} providers not published: " + "; ".join(failures),
            exit_code=1,
        )
    return results


def _attempt(
    checkout: Checkout,
    branch: str,
    entries: Sequence[Entry],
    texts: _Texts,
    labels: Sequence[str],
) -> PublishResult | None:
    """One plan-branch-pull-request round; None when origin moved and it must be redone."""
    planned = plan(checkout, branch, entries)
    if isinstance(planned, OriginMoved):
        return None
    text = None
    open_pull = None
    if planned.has_diff_with_base:
        text = texts.of(planned.changes)
        count = len(planned.changes)
        checkout.say(f"{plural(count, 'changed file')} in {checkout.out}/ against {planned.base}")
        if checkout.options.mode != "push":
            tree = output_tree(checkout, planned)
            text = text if checkout.dry else marked(text, tree)
            open_pull = checkout.open_pull(branch)
            declined = None if open_pull is not None else declined_pull(checkout, branch, tree)
            if declined is not None:
                return _declined(checkout, planned, declined)
    else:
        checkout.say(f"no change in {checkout.out}/ against {planned.base}")
    level = text.risk if text else None
    made = update_branch(
        checkout,
        planned,
        text.commit_message if text else None,
        before_push=auto_merge_off(checkout, open_pull, level),
    )
    if isinstance(made, OriginMoved):
        return None
    pull = update_pull_request(checkout, planned, made, text)
    pushed = made.operation in ("created", "updated")
    decorate_pull_request(checkout, pull, labels, risk=level, pushed=pushed, head_sha=made.head_sha)
    made = delete_branch(checkout, made)
    return PublishResult(pull.operation, pull.number, pull.url, made.head_sha, branch)


def _declined(checkout: Checkout, planned: Plan, pull: dict) -> PublishResult:
    """A person closed pull request ``pull`` without merging, and it proposed this very
    content: nothing is pushed and no pull request opened (docs/risk.md)."""
    number, url = pull["number"], pull.get("html_url")
    if checkout.dry:
        checkout.say(
            f"would not open a pull request: #{number} proposed this content and was closed "
            "without merging"
        )
        return PublishResult("none", number, url, planned.branch_sha, planned.branch)
    checkout.say(
        f"not opening a pull request: #{number} proposed this content and was closed without "
        f"merging ({url}); a different change will open a new one"
    )
    return PublishResult("declined", number, url, planned.branch_sha, planned.branch)


class _Texts:
    """The caller's text for a plan's changes, rendered again only when the changes differ
    (a re-plan after origin moved usually finds the same), with the options' title and message
    and redacted: defence in depth, no registered secret goes into a commit or to the API."""

    def __init__(self, options: PublishOptions, render: Render) -> None:
        self._options, self._render = options, render
        self._last: tuple[tuple[FileChange, ...], PublishText] | None = None

    def of(self, changes: tuple[FileChange, ...]) -> PublishText:
        if self._last is None or self._last[0] != changes:
            text, o = self._render(changes), self._options
            final = PublishText(
                title=secrets.redact(o.title or text.title),
                body=secrets.redact(text.body),
                commit_message=secrets.redact(o.commit_message or text.commit_message),
                risk=text.risk,
            )
            self._last = (changes, final)
        return self._last[1]
