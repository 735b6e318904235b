"""Step 2, the branch: the plan's tree committed on the base tip and the branch moved to it.

Two routes make the commit: git (``commit-tree``, then a push with a lease on the tip the plan
saw) or, with ``sign-commits``, GitHub's API (``signed_commit``). Either way the update branch
is overwritten only when its tip is the tool's commit, and a branch that moved on origin is an
:class:`OriginMoved` for the caller to plan again. :func:`delete_branch` is the last step,
once the pull request is closed: the update branch goes when nothing is left to publish.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ..errors import DumpModelsError
from ..git import GitError
from . import signed_commit
from .checkout import Checkout
from .failures import refusal_line
from .ownership import branch_is_ours, commit_message, foreign_branch
from .plan import OriginMoved, Plan

BranchOperation = Literal["created", "updated", "not-updated", "deleted", "none"]


@dataclass(frozen=True)
class BranchResult:
    """What the branch step did to ``branch`` (the update branch; the base in push mode).

    ``head_sha``: the branch's tip after the step (in push mode: the commit pushed), None when
    there is none. ``foreign``: its tip is someone else's commit, left as it is; only a dry run
    gets this far, otherwise the step fails. In a dry run nothing is done: ``none``, or
    ``not-updated`` when there is nothing to do anyway.
    """

    operation: BranchOperation
    branch: str
    head_sha: str | None
    has_diff_with_base: bool
    foreign: bool = False


def update_branch(
    checkout: Checkout,
    plan: Plan,
    message: str | None,
    *,
    before_push: Callable[[], None] | None = None,
) -> BranchResult | OriginMoved:
    """Commit the plan's tree with ``message`` (the trailer added) and move the branch to it.

    ``message`` may be None only when the plan has nothing to commit. The update branch is
    ``created``, ``updated`` (force, from the tip the plan saw), or ``not-updated`` when it
    already holds the tree or nothing differs from the base (it is deleted later, if it is
    the tool's). In push mode the base is ``updated`` by a fast-forward. ``before_push`` runs
    just before the update branch is moved (not in a dry run); when it raises, nothing is
    pushed.
    """
    if checkout.options.mode == "push":
        return _onto_base(checkout, plan, message)
    branch, tip = plan.branch, plan.branch_sha
    if not plan.has_diff_with_base:
        if tip is None:
            return BranchResult("none", branch, None, False)
        mine = _may_rewrite(checkout, branch, tip, "delete")
        return BranchResult("not-updated", branch, tip, False, foreign=not mine)
    assert message is not None
    if tip and checkout.git.tree_of(tip) == plan.tree:
        checkout.say(f"{branch} already holds this content")
        return BranchResult("not-updated", branch, tip, True)
    if tip and not _may_rewrite(checkout, branch, tip, "overwrite"):
        return BranchResult("none", branch, tip, True, foreign=True)
    message = commit_message(checkout.git, message)
    if checkout.dry:
        checkout.say(f"would push a commit onto {plan.base} to {branch}: {_subject(message)}")
        _say_signed(checkout)
        return BranchResult("none", branch, tip, True)
    if before_push is not None:
        before_push()
    sha = _commit(checkout, plan, message, current=tip)
    if sha is None:
        return OriginMoved()
    return BranchResult("updated" if tip else "created", branch, sha, True)


def delete_branch(checkout: Checkout, branch: BranchResult) -> BranchResult:
    """Delete the update branch when nothing is left to publish and its tip is the tool's.

    Run after the pull request step (which closes the pull request first). A failure to
    delete is a warning; the branch is then left as it was.
    """
    tip = branch.head_sha
    if checkout.options.mode == "push" or branch.has_diff_with_base or branch.foreign or not tip:
        return branch
    if checkout.dry:
        checkout.say(f"would delete {branch.branch}: nothing to publish")
        return branch
    try:
        checkout.git.delete_remote_branch(branch.branch, lease=tip)
    except GitError as exc:
        reason = (
            refusal_line(exc.refusal, branch.branch, onto_base=False)
            if exc.refusal is not None
            else str(exc)
        )
        checkout.warn(f"could not delete {branch.branch}: {reason}")
        return branch
    checkout.say(f"deleted {branch.branch}: nothing to publish")
    return BranchResult("deleted", branch.branch, None, False)


def _onto_base(checkout: Checkout, plan: Plan, message: str | None) -> BranchResult | OriginMoved:
    """``publish: push``: the commit straight onto the base, as a fast-forward."""
    if not plan.has_diff_with_base:
        return BranchResult("none", plan.base, None, False)
    assert message is not None
    message = commit_message(checkout.git, message)
    if checkout.dry:
        checkout.say(f"would commit onto {plan.base}: {_subject(message)}")
        _say_signed(checkout)
        return BranchResult("none", plan.base, None, True)
    sha = _commit(checkout, plan, message, current=plan.base_sha)
    if sha is None:
        return OriginMoved()
    return BranchResult("updated", plan.base, sha, True)


def _subject(message: str) -> str:
    return message.splitlines()[0]


def _may_rewrite(checkout: Checkout, branch: str, tip: str, doing: str) -> bool:
    """Whether ``branch`` at ``tip`` may be overwritten or deleted (``doing``).

    When it is not the tool's, a dry run says so as a warning; otherwise the step fails.
    """
    if branch_is_ours(checkout.git, tip):
        return True
    error = foreign_branch(branch, tip, doing)
    if not checkout.dry:
        raise error
    checkout.warn(str(error))
    return False


def _commit(checkout: Checkout, plan: Plan, message: str, *, current: str | None) -> str | None:
    """The commit of the plan's tree on the base tip, with the branch moved from ``current``
    to it: its sha, or None when origin moved meanwhile."""
    assert plan.base_sha is not None  # not a dry run: origin was read
    if checkout.options.sign_commits:
        return _signed_commit(checkout, plan, message, current=current)
    git = checkout.git
    sha = git.commit_tree(plan.tree, plan.base_sha, message, checkout.author)
    onto_base = checkout.options.mode == "push"
    # Onto the base: a plain push, which only fast-forwards; the update branch is forced, but
    # only from the tip the plan saw (an absent branch: only if it is still absent).
    if not _push(checkout, plan, sha, lease=None if onto_base else (current or "")):
        return None
    checkout.say(
        f"pushed {sha} to {plan.branch}" if onto_base else f"pushed {sha[:12]} to {plan.branch}"
    )
    return sha


def _push(checkout: Checkout, plan: Plan, sha: str, *, lease: str | None) -> bool:
    """Push; False when it was refused because origin moved since the plan read the tips.

    A refusal by policy (a protected branch, rules, a hook) fails with the rule's line.
    """
    git = checkout.git
    try:
        git.push(sha, plan.branch, lease=lease)
        return True
    except GitError as exc:
        if exc.refusal is not None:
            onto_base = checkout.options.mode == "push"
            line = refusal_line(exc.refusal, plan.branch, onto_base=onto_base)
            raise DumpModelsError(line, exit_code=1) from None
        watched = tuple(dict.fromkeys((plan.base, plan.branch)))
        try:
            now = git.remote_heads(*watched)
        except GitError:
            now = None
        if now is not None and any(now.get(b) != plan.heads.get(b) for b in watched):
            return False
        raise


# -- sign-commits: the commit made by GitHub's API (signed_commit.py) ----------------------


def _say_signed(checkout: Checkout) -> None:
    if checkout.options.sign_commits:
        checkout.say("the commit would be made through GitHub's API, signed by GitHub")


def _signed_commit(
    checkout: Checkout, plan: Plan, message: str, *, current: str | None
) -> str | None:
    """The commit made and signed by GitHub, the branch moved to it; None: origin moved."""
    gh = checkout.gh
    assert gh is not None and plan.base_sha is not None  # validated: a token and a repository
    made = signed_commit.commit(
        gh,
        checkout.git,
        base_sha=plan.base_sha,
        base_tree=plan.base_tree,
        tree=plan.tree,
        message=message,
    )
    if not made.verified:
        checkout.warn(
            f"GitHub did not sign commit {made.sha[:12]} ({made.reason or 'no reason given'})"
            ": a rule requiring signed commits will refuse it"
        )
    push_mode = checkout.options.mode == "push"
    if not signed_commit.move_branch(
        gh, plan.branch, made.sha, current=current, fast_forward=push_mode
    ):
        return None
    how = "signed by GitHub" if made.verified else "not signed"
    checkout.say(f"committed {made.sha[:12]} to {plan.branch} through GitHub's API ({how})")
    return made.sha
