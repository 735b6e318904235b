"""The checkout being published and what every step of one publish shares.

:func:`open_checkout` reads, once, what does not change while publishing: the top of the
working tree, the tool's files there that this run added or modified (as blob entries; the
rest is named in one warning), the author and the base branch. :class:`Checkout` also holds
the clients to origin and the API, and how a dry run carries on when one cannot be read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .. import secrets
from ..errors import DumpModelsError
from ..events import utc_timestamp
from ..git import Entry, Git, GitError, Identity
from ..github import GitHub, GitHubError
from ..providers import builtin_registry
from .failures import one_line
from .options import PublishOptions
from .ownership import OutputFiles, made_in_plan, owned_paths, read_output_files, shown

SHOWN_NAMES = 20  # the stray-files warning names at most this many
T = TypeVar("T")


class Checkout:
    """One publish's shared state: options, git at the top of the checkout, the API client.

    ``out`` is the output directory from the top of the checkout; ``entries`` the tool's files
    there that this run added or modified; ``base`` the base branch; ``providers`` the
    configured ones; ``ts`` the time the change log's events are logged at, one for every
    plan of this publish (docs/history.md). In a dry run, origin or
    the API failing to answer is a warning and the step carries on without it:
    ``origin_readable`` turns False (HEAD then stands in for the base tip) and ``gh`` None.
    """

    def __init__(self, options: PublishOptions, emit: Callable[[str], None]) -> None:
        self.options = options
        self.dry = options.dry
        self._emit = emit
        self.git = self.git_at(options.workspace)
        self.gh: GitHub | None = None
        if (
            (options.mode != "push" or options.sign_commits)
            and options.token
            and options.repository
        ):
            self.gh = GitHub(
                options.api_url, options.token, options.repository, graphql_url=options.graphql_url
            )
        self.origin_readable = True
        self.author = Identity.parse(options.author.strip())
        when = time.time() if options.run_time is None else options.run_time
        self.ts = utc_timestamp(when)
        # Read from the checkout by open_checkout, which makes every Checkout.
        self.out = ""
        self.entries: tuple[Entry, ...] = ()
        self.base = ""
        self.providers: tuple[str, ...] = ()

    def git_at(self, path: Path) -> Git:
        """git in ``path``, authenticated for origin with the token."""
        o = self.options
        return Git(path, token=o.token, server_url=o.server_url, on_retry=self.warn)

    def say(self, text: str) -> None:
        """A line of progress, redacted."""
        self._emit(secrets.redact(text))

    def warn(self, text: str) -> None:
        """A warning line, redacted."""
        self.say(f"warning: {text}")

    def from_origin(self, read: Callable[[], T], default: T) -> T:
        """``read()`` from origin; in a dry run a failure is a warning, then HEAD stands in."""
        if not self.origin_readable:
            return default
        try:
            return read()
        except GitError as exc:
            if not self.dry:
                raise
            self.origin_readable = False
            self.warn(f"cannot read origin ({one_line(exc)}): comparing against HEAD")
            return default

    def from_api(self, what: str, read: Callable[[GitHub], T], default: T) -> T:
        """``read(gh)``; ``default`` without a client. In a dry run a failure is a warning
        and the client is dropped, so that it is said once."""
        if self.gh is None:
            return default
        try:
            return read(self.gh)
        except GitHubError as exc:
            if not self.dry:
                raise
            self.gh = None
            self.warn(f"cannot read {what} at {self.options.api_url} ({one_line(exc)})")
            return default

    def open_pull(self, branch: str) -> dict | None:
        """The open pull request from ``branch``, if the API can say."""
        return self.from_api("the open pull request", lambda gh: gh.find_open_pull(branch), None)


def open_checkout(options: PublishOptions, emit: Callable[[str], None]) -> Checkout | None:
    """The checkout at ``options.workspace``, read once for every step.

    None when it is not a git repository and this is a dry run (there is nothing to say);
    otherwise a failure raises: :class:`GitError`, or :class:`DumpModelsError` for an output
    directory outside the checkout or no base branch to be found.
    """
    checkout = Checkout(options, emit)
    try:
        top = checkout.git.toplevel()
    except GitError:
        if checkout.dry:
            checkout.say(f"{options.workspace} is not a git repository: nothing to publish")
            return None
        raise
    checkout.git = checkout.git_at(top)
    try:
        out = (Path(options.workspace) / options.output_dir).resolve().relative_to(top.resolve())
    except ValueError:
        raise DumpModelsError(f"output directory {options.output_dir} is outside {top}") from None
    if out == Path("."):
        # Committing the whole checkout would sweep in whatever else is dirty in it.
        raise DumpModelsError("the output directory must be a subdirectory of the checkout")
    checkout.out = out.as_posix()
    providers = options.providers if options.providers is not None else tuple(builtin_registry())
    checkout.providers = providers
    owned = owned_paths(providers, feeds=options.feeds)
    made = made_in_plan(providers, feeds=options.feeds)
    files = read_output_files(checkout.git, checkout.out, owned, made)
    _warn_not_committed(checkout, files)
    checkout.entries = tuple(checkout.git.blob_entries(files.committed))
    checkout.base = options.base or _default_base(checkout)
    if options.mode != "push" and options.branch == checkout.base:
        raise DumpModelsError(f"the update branch must not be the base branch: {checkout.base}")
    return checkout


def _warn_not_committed(checkout: Checkout, files: OutputFiles) -> None:
    """One warning naming what differs in the output directory but is not committed."""
    parts = []
    if files.left_alone:
        parts.append(f"{_names(checkout, files.left_alone)} (not dump-models' files: left alone)")
    if files.not_deleted:
        parts.append(
            f"{_names(checkout, files.not_deleted)} "
            "(deleted here: dump-models never deletes a dump)"
        )
    if files.not_taken:
        parts.append(
            f"{_names(checkout, files.not_taken)} "
            "(made by publish from the base's log: the copy here is not committed)"
        )
    if parts:
        checkout.warn(f"not committed from {checkout.out}/: " + "; ".join(parts))


def _names(checkout: Checkout, paths: tuple[str, ...]) -> str:
    names = [shown(p.removeprefix(checkout.out + "/")) for p in paths[:SHOWN_NAMES]]
    more = len(paths) - len(names)
    return ", ".join(names) + (f" and {more} more" if more else "")


def _default_base(checkout: Checkout) -> str:
    """The repository's default branch: the API's, else origin's HEAD, else the checkout's."""
    git = checkout.git
    base = checkout.from_api("the default branch", lambda gh: gh.default_branch(), None)
    base = base or checkout.from_origin(git.remote_default_branch, None)
    base = base or git.current_branch()
    if not base:
        if not checkout.dry:
            raise DumpModelsError("cannot tell the base branch: set `base`")
        checkout.warn("cannot tell the base branch (set `base`): comparing against HEAD")
        checkout.origin_readable = False
        base = "HEAD"
    return base
