"""The two rules every way of committing keeps (docs/publishing.md).

Only the files the tool owns are committed (:func:`owned_paths`, :func:`read_output_files`),
and a branch is rewritten or deleted only when its tip is the tool's commit
(:func:`commit_message` marks it, :func:`branch_is_ours` recognises it, :func:`foreign_branch`
is the failure otherwise).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from ..errors import DumpModelsError
from ..events import LOG_NAME
from ..feeds import feed_paths
from ..git import Git
from ..providers import CATALOG_FILE

# The mark of the tool's own commits, a git trailer: a branch whose tip lacks it is a person's.
TRAILER_KEY = "Generated-by"
TRAILER_VALUE = "dump-models"
TRAILER = f"{TRAILER_KEY}: {TRAILER_VALUE}"
# The tool's own files in the output directory besides the dumps (relative to it). Files
# derived from the dumps (a change log, a catalog) are added here and committed like them.
DERIVED_FILES: tuple[str, ...] = (CATALOG_FILE,)
FIX_FOREIGN_BRANCH = "merge or delete it, or set another `branch`"


@dataclass(frozen=True)
class OutputFiles:
    """The output directory's files that differ from HEAD, by what may be committed.

    Paths are from the top of the checkout. ``committed``: the tool's files, added or
    modified, regular files. ``left_alone``: anything else (not the tool's, or not a regular
    file). ``not_deleted``: the tool's files deleted from the working tree; a dump is never
    deleted by a commit. ``not_taken``: the tool's files the plan makes from the base
    (:func:`made_in_plan`), whose copy here is never committed.
    """

    committed: tuple[str, ...]
    left_alone: tuple[str, ...]
    not_deleted: tuple[str, ...]
    not_taken: tuple[str, ...] = ()


def made_in_plan(providers: Iterable[str], *, feeds: bool = False) -> frozenset[str]:
    """The tool's files that publish makes itself from the base, relative to the output
    directory: the change log and, with ``feeds``, the feeds' names (docs/history.md); only
    those names, never anything else in ``feeds/``."""
    names = {LOG_NAME}
    if feeds:
        for provider in (None, *providers):
            names.update(feed_paths(provider))
    return frozenset(names)


def owned_paths(providers: Iterable[str], *, feeds: bool = False) -> frozenset[str]:
    """The files the tool owns in the output directory, relative to it.

    Each configured provider's ``<name>.json`` plus :data:`DERIVED_FILES` and the files made
    in the plan (:func:`made_in_plan`); nothing else is ever committed, whatever else the
    directory holds.
    """
    providers = tuple(providers)
    dumps = frozenset(f"{name}.json" for name in providers)
    return dumps | frozenset(DERIVED_FILES) | made_in_plan(providers, feeds=feeds)


def read_output_files(
    git: Git, output_dir: str, owned: frozenset[str], made: frozenset[str] = frozenset()
) -> OutputFiles:
    """What the working tree's ``output_dir`` holds against HEAD, split by :class:`OutputFiles`.

    A path of ``owned`` that is a symlink (or anything but a regular file) is left alone:
    following it could commit a file from anywhere on the machine. A path of ``made`` is
    never taken from the working tree.
    """
    committed, left_alone, not_deleted, not_taken = [], [], [], []
    prefix = output_dir + "/"
    for path in git.worktree_changes(output_dir):
        try:
            mode: int | None = os.lstat(git.workspace / path).st_mode
        except FileNotFoundError:
            mode = None
        name = path.removeprefix(prefix)
        if name in made:
            not_taken.append(path)
        elif name not in owned:
            left_alone.append(path)
        elif mode is None:
            not_deleted.append(path)
        elif stat.S_ISREG(mode):
            committed.append(path)
        else:
            left_alone.append(path)
    return OutputFiles(tuple(committed), tuple(left_alone), tuple(not_deleted), tuple(not_taken))


def shown(path: str) -> str:
    """A file name from the workspace, safe on one line of a log: odd characters escaped."""
    return quote(path, safe="/._-+@~,=()[] ")  # `#`, `:` and newlines are escaped


def commit_message(git: Git, message: str) -> str:
    """``message`` with the tool's trailer, which :func:`branch_is_ours` looks for."""
    return git.add_trailer(message, TRAILER)


def branch_is_ours(git: Git, tip: str) -> bool:
    """Whether a branch whose tip is ``tip`` (fetched) may be force-pushed or deleted.

    Only when the tip is a commit the tool made: it carries the trailer. Anyone else's commit
    there (a fix pushed to the pull request, a branch of the same name) is never overwritten.
    """
    return TRAILER_VALUE in git.trailer_values(tip, TRAILER_KEY)


def foreign_branch(branch: str, tip: str, doing: str) -> DumpModelsError:
    """The failure for a branch that is not the tool's: ``doing`` is overwrite or delete."""
    return DumpModelsError(
        f"refusing to {doing} {branch}: its tip {tip[:12]} is not a dump-models commit (no "
        f"`{TRAILER}` trailer), so someone else's work is on it (fix: {FIX_FOREIGN_BRANCH})",
        exit_code=1,
    )
