"""The two layouts of update branches (docs/scale.md): one branch ``<branch>`` for every
provider (group-by all), or ``<branch>/<provider>`` per provider (group-by provider).

git cannot hold both: ``refs/heads/dump-models/update`` is a file where
``refs/heads/dump-models/update/openai`` needs a directory. Switching layouts therefore
retires the other layout's branches first, the way a branch with nothing left to publish goes:
its open pull request closed, then the branch deleted, and only when its tip is the tool's
commit; a branch someone else pushed to stops the publish with one line and the fix.
"""

from __future__ import annotations

from ..errors import DumpModelsError
from ..git import Entry
from .checkout import Checkout
from .ownership import DERIVED_FILES, TRAILER, branch_is_ours


def provider_entries(checkout: Checkout) -> dict[str, tuple[Entry, ...]]:
    """The checkout's entries by provider (its ``<provider>.json``). Files derived from every
    dump (``DERIVED_FILES``) belong to no provider's pull request and are left out."""
    found: dict[str, list[Entry]] = {}
    prefix = checkout.out + "/"
    for entry in checkout.entries:
        name = entry.path.removeprefix(prefix)
        if name not in DERIVED_FILES and name.endswith(".json") and "/" not in name:
            found.setdefault(name.removesuffix(".json"), []).append(entry)
    return {provider: tuple(entries) for provider, entries in found.items()}


def provider_branches(checkout: Checkout) -> dict[str, str]:
    """``{provider: tip}`` of the per-provider branches on origin (none in a dry run that
    cannot read origin)."""
    prefix = checkout.options.branch
    none: dict[str, str] = {}
    heads = checkout.from_origin(lambda: checkout.git.remote_heads_under(prefix), none)
    return {branch.removeprefix(prefix + "/"): sha for branch, sha in heads.items()}


def retire_single(checkout: Checkout) -> None:
    """Before per-provider branches: the single update branch goes, if it is there."""
    branch = checkout.options.branch
    none: dict[str, str] = {}
    heads = checkout.from_origin(lambda: checkout.git.remote_heads(branch), none)
    if branch in heads:
        why = "group-by is provider now"
        clash = f"git cannot make {branch}/<provider> while {branch} is a branch"
        _retire(checkout, branch, heads[branch], why, clash)


def retire_per_provider(checkout: Checkout) -> None:
    """Before the single update branch: the per-provider branches go, if there are any."""
    branch = checkout.options.branch
    clash = f"git cannot make {branch} while {branch}/<provider> branches are there"
    for provider, tip in sorted(provider_branches(checkout).items()):
        _retire(checkout, f"{branch}/{provider}", tip, "group-by is all now", clash)


def _retire(checkout: Checkout, branch: str, tip: str, why: str, clash: str) -> None:
    """Close ``branch``'s pull request and delete it, when its tip is the tool's commit."""
    git = checkout.git

    def fetched() -> bool:
        git.fetch_objects(branch)
        return True

    if checkout.from_origin(fetched, False) and not branch_is_ours(git, tip):
        error = DumpModelsError(
            f"refusing to delete {branch}: its tip {tip[:12]} is not a dump-models commit (no "
            f"`{TRAILER}` trailer), and {clash} (fix: merge or delete {branch}, or set another "
            "`branch`)",
            exit_code=1,
        )
        if not checkout.dry:
            raise error
        checkout.warn(str(error))
        return
    pull = checkout.open_pull(branch)
    closed = f"close pull request #{pull['number']} and " if pull else ""
    if checkout.dry:
        checkout.say(f"would {closed}delete {branch}: {why}")
        return
    if pull is not None and checkout.gh is not None:
        checkout.gh.update_pull(pull["number"], state="closed")
    git.delete_remote_branch(branch, lease=tip)
    done = f"closed pull request #{pull['number']} and " if pull else ""
    checkout.say(f"{done}deleted {branch}: {why}")
