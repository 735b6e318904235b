"""Failures of git and GitHub as one redacted line, with the fix when the failure is known."""

from __future__ import annotations

import re

from .. import secrets
from ..git import Refusal
from ..github import NOT_PERMITTED, GitHubError

REASON_CHARS = 300  # of what the server said when it refused a push

# Known failures -> the one-line fix (matched case-insensitively against the whole error text).
FIX_PR_PERMISSION = (
    "enable Settings → Actions → General → Workflow permissions → "
    "Allow GitHub Actions to create and approve pull requests"
)
FIX_CONTENTS_WRITE = "give the workflow `permissions: contents: write`"
FIX_PULL_REQUESTS_WRITE = "give the workflow `permissions: pull-requests: write`"
FIX_SAFE_DIRECTORY = (
    "git refuses a repository owned by another user: "
    "run `git config --global --add safe.directory <workspace>`"
)
FIX_TOKEN = "check the token (input `token` / GITHUB_TOKEN): it is missing, expired or revoked"
FIX_REPOSITORY = "check GITHUB_REPOSITORY and that the token can see that repository"
# A push refused by policy -> the fix, for a push onto the base (`publish: push`) or the branch.
FIX_PROTECTED_BASE = (
    "publish through a pull request (`publish: pull-request`), or let the workflow's token "
    "bypass the branch protection rule"
)
FIX_PROTECTED_BRANCH = (
    "set a `branch` that no branch protection rule covers, or exempt it from the rule"
)
FIX_RULES_BASE = (
    "publish through a pull request (`publish: pull-request`), or add the workflow's actor to "
    "the ruleset's bypass list (Settings → Rules)"
)
FIX_RULES_BRANCH = (
    "set a `branch` the ruleset does not target, or add the workflow's actor to its bypass "
    "list (Settings → Rules)"
)
FIX_SIGNED_COMMITS = (
    "set `sign-commits: true` so that GitHub makes and signs the commit, or exempt the branch "
    "from the rule"
)
FIX_HOOK = "ask the repository's administrators what their pre-receive hook requires"
KNOWN_FAILURES: tuple[tuple[str, str], ...] = (
    (NOT_PERMITTED, FIX_PR_PERMISSION),
    ("detected dubious ownership", FIX_SAFE_DIRECTORY),
    ("Bad credentials", FIX_TOKEN),
    ("Authentication failed", FIX_TOKEN),
    ("could not read Username", FIX_TOKEN),
    ("The requested URL returned error: 401", FIX_TOKEN),
    ("Permission to", FIX_CONTENTS_WRITE),
    ("The requested URL returned error: 403", FIX_CONTENTS_WRITE),
    ("Resource not accessible by integration", FIX_PULL_REQUESTS_WRITE),
)


def one_line(error: Exception) -> str:
    """An error's text on one line, redacted."""
    return secrets.redact(" ".join(str(error).split()))


def refusal_line(refusal: Refusal, branch: str, *, onto_base: bool) -> str:
    """One line for a push the server refused by policy: the rule, what it said, the fix.

    ``onto_base``: the push went to the base branch (``publish: push``), not the update branch.
    """
    said = "; ".join(reason.rstrip(".") for reason in refusal.reasons)[:REASON_CHARS]
    if refusal.rule == "GH006":
        what = "branch protection (GH006)"
        fix = FIX_PROTECTED_BASE if onto_base else FIX_PROTECTED_BRANCH
    elif refusal.rule == "GH013":
        what = "repository rules (GH013)"
        fix = FIX_RULES_BASE if onto_base else FIX_RULES_BRANCH
    else:
        what, fix = "its pre-receive hook", FIX_HOOK
    if refusal.rule != "pre-receive hook" and "signature" in said.lower():
        fix = FIX_SIGNED_COMMITS  # "Commits must have verified signatures."
    line = f"origin refused the push to {branch} by {what}" + (f": {said}" if said else "")
    return secrets.redact(f"publishing failed: {' '.join(line.split())} (fix: {fix})")


def describe_failure(error: Exception) -> str:
    """One redacted line for a git or GitHub failure, with the fix when the failure is known."""
    text = str(error)
    haystack = text + " " + getattr(error, "stderr", "")
    fix = next((f for needle, f in KNOWN_FAILURES if needle.lower() in haystack.lower()), None)
    if fix is None and isinstance(error, GitHubError):
        if error.status == 404 and re.fullmatch(r"/repos/[^/]+/[^/]+", error.path):
            fix = FIX_REPOSITORY
        elif error.status == 401:
            fix = FIX_TOKEN
    line = " ".join(text.split())
    return secrets.redact(f"publishing failed: {line}" + (f" (fix: {fix})" if fix else ""))
