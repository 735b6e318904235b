"""A person's "no": a pull request closed without merging is respected (docs/risk.md).

Each pull request body carries a hidden marker with the tree of the output directory it
proposes (``git rev-parse <commit>:<output-dir>``): the same listings give the same tree,
whatever else moved in the repository. Before opening a pull request, the branch's closed
pull requests are read, most recently closed first, back to the last merged one: when one of
them was closed without merging and proposed this very tree, no pull request is opened. A
pull request the tool closes itself (nothing left to change) has its marker withdrawn first,
so that it never reads as a person's "no".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dump_models.github import GitHub

_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1 or SHA-256 repositories
_MARKER = re.compile(r"<!-- dump-models: tree=([0-9a-f]{40}|[0-9a-f]{64}) -->")
WITHDRAWN = "<!-- dump-models: withdrawn -->"


def tree_marker(tree: str) -> str:
    """The hidden line for a pull request body: ``<!-- dump-models: tree=<sha> -->``."""
    if not _SHA.fullmatch(tree):
        raise ValueError(f"not a tree sha: {tree!r}")
    return f"<!-- dump-models: tree={tree} -->"


def marked_tree(body: str | None) -> str | None:
    """The tree a pull request body's marker names, or None (no marker, or edited away)."""
    match = _MARKER.search(body or "")
    return match.group(1) if match else None


def withdrawn(body: str) -> str:
    """The body for a pull request the tool closes itself: its tree marker withdrawn."""
    return _MARKER.sub(WITHDRAWN, body)


def declined_by(closed_pulls: Sequence[dict], tree: str) -> dict | None:
    """The pull request a person closed without merging that proposed ``tree``, since the
    branch was last merged; None when there is none. ``closed_pulls``: most recently closed
    first (``GitHub.closed_pulls``)."""
    for pull in closed_pulls:
        if pull.get("merged_at"):
            return None  # merged since: what was declined before is history
        if marked_tree(pull.get("body")) == tree:
            return pull
    return None


def person_declined(gh: GitHub, branch: str, tree: str) -> dict | None:
    """:func:`declined_by` on ``branch``'s closed pull requests, read from GitHub."""
    return declined_by(gh.closed_pulls(branch), tree)
