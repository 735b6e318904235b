"""Step 1, the plan: what the base and the branch are on origin, and the tree to commit.

The tree is the base tip plus the tool's files this run changed (the rest comes from the base
tip, so changes made on the base after the checkout are kept); :class:`FileChange` says, file
by file, what differs from the base, for the caller to render into a :class:`PublishText`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import DumpModelsError
from ..git import Entry
from ..providers import is_tool_file
from ..risk_policy import Level
from .checkout import Checkout
from .derived import derived_files


@dataclass(frozen=True)
class FileChange:
    """A file of the output directory that differs between the base tip and the tree."""

    path: str  # relative to the output directory, e.g. "openrouter.json"
    old: bytes | None  # content at the base tip (None: not there)
    new: bytes | None  # content in the tree to commit (None: deleted)
    # Whose dump it is; None for the tool's other files (DERIVED_FILES, the feeds).
    provider: str | None = None


@dataclass(frozen=True)
class PublishText:
    """What the caller says about a plan's changes: the pull request's title and body and the
    commit message (the tool's trailer is added to it when the commit is made); ``risk``:
    the changes' verdict, for the label and auto-merge (None: not judged)."""

    title: str
    body: str
    commit_message: str
    risk: Level | None = None


@dataclass(frozen=True)
class OriginMoved:
    """A branch moved on origin while publishing: plan again from its new tip."""


@dataclass(frozen=True)
class Plan:
    """What origin holds now and what would be committed.

    ``branch`` is where the commit goes: the update branch, or the base in push mode.
    ``base_sha`` is the base tip as fetched (in a dry run that cannot read origin, HEAD, None
    when HEAD is unborn); ``branch_sha`` the branch's tip on origin (None: not there).
    ``heads`` are the tips as listed, to tell a push refused because one of them moved.
    """

    base: str
    branch: str
    base_sha: str | None
    branch_sha: str | None
    base_tree: str
    tree: str
    changes: tuple[FileChange, ...]
    heads: Mapping[str, str] = field(default_factory=dict)

    @property
    def has_diff_with_base(self) -> bool:
        """Whether there is anything to commit."""
        return self.tree != self.base_tree


def plan(checkout: Checkout, branch: str, entries: Sequence[Entry]) -> Plan | OriginMoved:
    """Read the tips of the base and ``branch`` from origin and lay ``entries`` over the base's.

    :class:`OriginMoved` when a branch moved between listing and fetching it.
    """
    git, base = checkout.git, checkout.base
    watched = tuple(dict.fromkeys((base, branch)))
    heads = checkout.from_origin(lambda: git.remote_heads(*watched), None)
    tips = {} if heads is None else _fetched(checkout, heads)
    if tips is None:
        return OriginMoved()
    base_sha = tips.get(base) or git.head_commit()
    base_tree = git.tree_of(base_sha) if base_sha else git.tree_with(None, [])
    tree = git.tree_with(base_sha, entries)
    changes = _changes(checkout, base_tree, tree) if tree != base_tree else ()
    if changes:  # the change log and the feeds, made from the base each time (derived.py)
        versions = [(c.provider, c.old, c.new) for c in changes if c.provider is not None]
        derived = derived_files(checkout, base_tree, tips.get(branch), versions)
        if derived.entries:
            tree = git.tree_with(base_sha, [*entries, *derived.entries])
            made = [FileChange(name, *contents) for name, contents in derived.files.items()]
            changes = tuple(sorted((*changes, *made), key=lambda change: change.path))
    return Plan(
        base=base,
        branch=branch,
        base_sha=base_sha,
        branch_sha=tips.get(branch),
        base_tree=base_tree,
        tree=tree,
        changes=changes,
        heads=heads or {},
    )


def _fetched(checkout: Checkout, heads: dict[str, str]) -> Mapping[str, str] | None:
    """The tips listed on origin, their commits fetched; None when one moved meanwhile.

    Without the base there the step fails, but a dry run warns and HEAD stands in for it (as
    for every tip when a dry run cannot fetch: then ``{}``).
    """
    base = checkout.base
    if base not in heads:
        if not checkout.dry:
            raise DumpModelsError(f"the base branch {base} is not on origin", exit_code=1)
        checkout.warn(f"the base branch {base} is not on origin: comparing against HEAD")
    if not heads:
        return {}

    def fetch() -> bool:
        checkout.git.fetch_objects(*heads)
        return True

    if not checkout.from_origin(fetch, False):
        return {}
    if not all(checkout.git.has_commit(sha) for sha in heads.values()):
        return None  # a branch moved between listing and fetching
    return heads


def _changes(checkout: Checkout, base_tree: str, tree: str) -> tuple[FileChange, ...]:
    git, prefix = checkout.git, checkout.out + "/"
    changes = []
    for path in git.changed_paths(base_tree, tree, checkout.out):
        name = path.removeprefix(prefix)
        provider = None if is_tool_file(name) else name.removesuffix(".json")
        changes.append(FileChange(name, git.blob(base_tree, path), git.blob(tree, path), provider))
    return tuple(changes)
