"""sign-commits: the commit made by GitHub through its git data API, so that GitHub signs it.

As create-pull-request's ``sign-commits`` does (docs/github-api.md): a blob for each changed
file, a tree laid over the base's tree, a commit on the base tip, then one ref update. The
branch moves once, from what it was to the finished commit: it never points at the base, and
nothing is pushed with git. Repositories whose rules require signed commits accept it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DumpModelsError
from ..git import Git
from ..github import NOT_FAST_FORWARD, REF_EXISTS, REF_MISSING, GitHub, GitHubError
from .ownership import TRAILER

# GitHub documents 100 MB for a file, but its blob API has been seen refusing 40 MiB (422):
# a larger file is refused here, before anything is written.
MAX_BLOB_BYTES = 40 * 1024 * 1024
TREE_CHUNK = 100  # entries per tree request; more are laid over one another, as c-p-r does
GITLINK = "160000"


@dataclass(frozen=True)
class Change:
    """One path that differs between the base's tree and ours; ``sha`` None: deleted."""

    path: str
    mode: str
    sha: str | None


@dataclass(frozen=True)
class SignedCommit:
    """The commit GitHub made: its sha, and whether GitHub says it is signed (and why not)."""

    sha: str
    verified: bool
    reason: str


def with_trailer(message: str) -> str:
    """``message`` ending in the ``Generated-by: dump-models`` trailer (added once)."""
    if TRAILER in message.splitlines():
        return message
    return message.rstrip("\n") + "\n\n" + TRAILER + "\n"


def changes(git: Git, base_tree: str, tree: str) -> list[Change]:
    """Every path that differs between two trees (the blobs' shas as git has them)."""
    out = git.run("diff-tree", "-r", "-z", "--no-renames", base_tree, tree).stdout
    fields = out.split("\0")
    found = []
    # Raw records: ":<old mode> <new mode> <old sha> <new sha> <status>" NUL <path> NUL
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        if not meta.startswith(":"):
            continue
        old_mode, new_mode, _old_sha, new_sha, status = meta[1:].split(" ")
        if status == "D":
            found.append(Change(path, old_mode, None))
        else:
            found.append(Change(path, new_mode, new_sha))
    return found


def _check_sizes(git: Git, found: list[Change]) -> None:
    for change in found:
        if change.sha is None or change.mode == GITLINK:
            continue
        size = int(git.output("cat-file", "-s", change.sha))
        if size > MAX_BLOB_BYTES:
            raise DumpModelsError(
                f"sign-commits: {change.path} is {size / 2**20:.1f} MiB, over the "
                f"{MAX_BLOB_BYTES / 2**20:.0f} MiB GitHub's API takes for one file; nothing was "
                "published (fix: publish without sign-commits)",
                exit_code=1,
            )


def commit(
    gh: GitHub, git: Git, *, base_sha: str, base_tree: str, tree: str, message: str
) -> SignedCommit:
    """Have GitHub make the commit of ``tree`` on ``base_sha``; no ref is changed.

    Raises :class:`DumpModelsError` for a file too large for the API and when the tree GitHub
    built is not ``tree`` (then nothing points at it).
    """
    found = changes(git, base_tree, tree)
    _check_sizes(git, found)  # before the first write: all or nothing
    entries = []
    for change in found:
        if change.sha is None:
            entry = {"path": change.path, "mode": change.mode, "type": "blob", "sha": None}
        elif change.mode == GITLINK:  # a submodule: the commit it points at, no content
            entry = {"path": change.path, "mode": change.mode, "type": "commit", "sha": change.sha}
        else:
            content = git.blob(tree, change.path)
            assert content is not None  # diff-tree just listed it in tree
            sha = gh.create_blob(content)
            entry = {"path": change.path, "mode": change.mode, "type": "blob", "sha": sha}
        entries.append(entry)
    made_tree = base_tree
    for start in range(0, len(entries), TREE_CHUNK):
        made_tree = gh.create_tree(made_tree, entries[start : start + TREE_CHUNK])
    if made_tree != tree:
        # Trees are content-addressed: a different sha is different content. Publish nothing.
        raise DumpModelsError(
            f"sign-commits: GitHub built tree {made_tree[:12]}, not {tree[:12]} as built here; "
            "nothing was published",
            exit_code=1,
        )
    answer = gh.create_commit(message=with_trailer(message), tree=made_tree, parents=[base_sha])
    verification = answer.get("verification") or {}
    return SignedCommit(
        answer["sha"], bool(verification.get("verified")), str(verification.get("reason") or "")
    )


def move_branch(
    gh: GitHub, branch: str, sha: str, *, current: str | None, fast_forward: bool
) -> bool:
    """Point ``branch`` at ``sha`` in one update; False when GitHub says the branch moved.

    ``current`` is where the branch was seen (None: not there, so it is created);
    ``fast_forward`` refuses to move it anywhere but forward (the base, in push mode),
    else the update is forced (the update branch is the tool's own).
    """
    try:
        if current is None:
            gh.create_branch(branch, sha)
        else:
            gh.update_branch(branch, sha, force=not fast_forward)
    except GitHubError as exc:
        moved = (REF_EXISTS, NOT_FAST_FORWARD, REF_MISSING)
        if exc.status == 422 and any(m.lower() in exc.message.lower() for m in moved):
            return False
        raise
    return True
