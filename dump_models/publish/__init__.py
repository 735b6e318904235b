"""Publish the output directory: one commit on the update branch and one rolling pull request.

Every decision is taken from what origin and the API say now; the user's checkout (HEAD,
index, working tree, refs) is never changed: the commit is built in a private index from the
base tip and pushed by sha. The rules every way of committing keeps are in ``ownership``
(docs/publishing.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .. import secrets
from ..errors import DumpModelsError
from ..git import Entry, Git, GitError, Identity
from ..github import PR_EXISTS, GitHub, GitHubError
from ..providers import builtin_registry
from . import signed_commit
from .failures import (
    FIX_CONTENTS_WRITE,
    FIX_PR_PERMISSION,
    FIX_SAFE_DIRECTORY,
    FIX_TOKEN,
    describe_failure,
    one_line,
    refusal_line,
)
from .options import MODES, PublishOptions, validate_options
from .ownership import (
    DERIVED_FILES,
    TRAILER,
    OutputFiles,
    branch_is_ours,
    commit_message,
    foreign_branch,
    owned_paths,
    read_output_files,
    shown,
)

__all__ = [
    "DERIVED_FILES",
    "FIX_CONTENTS_WRITE",
    "FIX_PR_PERMISSION",
    "FIX_SAFE_DIRECTORY",
    "FIX_TOKEN",
    "MODES",
    "TRAILER",
    "FileChange",
    "PublishOptions",
    "PublishResult",
    "Summary",
    "describe_failure",
    "owned_paths",
    "publish",
]

ATTEMPTS = 3  # pushes rejected because origin moved are rebuilt and retried this many times
SHOWN_NAMES = 20  # the stray-files warning names at most this many
T = TypeVar("T")


@dataclass(frozen=True)
class FileChange:
    """A file of the output directory that differs between the base tip and the working tree."""

    path: str  # relative to the output directory, e.g. "openrouter.json"
    old: bytes | None  # content at the base tip (None: not there)
    new: bytes | None  # content in the working tree (None: deleted)


@dataclass(frozen=True)
class Summary:
    """What the caller says about the changes."""

    title: str
    body: str
    commit_message: str


@dataclass(frozen=True)
class PublishResult:
    """What was done: ``operation`` is created | updated | unchanged | closed | none.

    ``operation`` is about the pull request only. In push mode it is always ``none``; a push
    that happened shows as ``head_sha`` (the pushed commit) with ``branch`` the base.
    """

    operation: str
    pr_number: int | None = None
    pr_url: str | None = None
    head_sha: str | None = None
    branch: str | None = None


def publish(
    options: PublishOptions,
    summarize: Callable[[list[FileChange]], Summary],
    *,
    emit: Callable[[str], None] = print,
) -> PublishResult:
    """Commit the output directory's changes and open or update the one pull request.

    Only the tool's files (:func:`owned_paths`) that this run added or modified (they differ
    between the checkout's HEAD and the working tree) are laid over the base tip; the rest
    comes from the base tip, so changes made on the base after the checkout are kept. Nothing
    is deleted; other files are named in one warning. The update branch is overwritten or
    deleted only when its tip is the tool's commit (:func:`branch_is_ours`).

    ``mode="push"`` commits onto the base branch instead (always ``none``: ``head_sha`` is the
    pushed commit, or None when nothing was pushed); ``mode="none"`` and ``dry_run`` only say
    what would be done (``none``). Raises :class:`DumpModelsError` with a one-line, redacted
    message.
    """
    secrets.register(options.token)
    validate_options(options)
    try:
        return _Publisher(options, summarize, emit).run()
    except (GitError, GitHubError) as exc:
        raise DumpModelsError(describe_failure(exc), exit_code=1) from None


class _Publisher:
    def __init__(self, options, summarize, emit) -> None:
        self.o: PublishOptions = options
        self.summarize = summarize
        self._emit = emit
        self.dry = options.dry
        self.git = self._git(options.workspace)
        self.gh: GitHub | None = None
        if (
            (options.mode != "push" or options.sign_commits)
            and options.token
            and options.repository
        ):
            self.gh = GitHub(
                options.api_url,
                options.token,
                options.repository,
                graphql_url=options.graphql_url,
            )
        self.origin_readable = True  # a dry run that cannot read origin compares against HEAD
        self._wanted: tuple[str, ...] = ()
        self._heads: dict[str, str] = {}

    def _git(self, path: Path) -> Git:
        o = self.o
        return Git(path, token=o.token, server_url=o.server_url, on_retry=self.warn)

    def emit(self, text: str) -> None:
        self._emit(secrets.redact(text))

    def warn(self, text: str) -> None:
        self.emit(f"warning: {text}")

    def _from_origin(self, read: Callable[[], T], default: T) -> T:
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

    def _from_api(self, what: str, read: Callable[[], T], default: T) -> T:
        """``read()`` from the API; in a dry run a failure is a warning and ``default``."""
        try:
            return read()
        except GitHubError as exc:
            if not self.dry:
                raise
            self.gh = None  # one warning: nothing more is asked of it
            self.warn(f"cannot read {what} at {self.o.api_url} ({one_line(exc)})")
            return default

    # -- the run --------------------------------------------------------------------------

    def run(self) -> PublishResult:
        o = self.o
        try:
            top = self.git.toplevel()
        except GitError:
            if self.dry:
                self.emit(f"{o.workspace} is not a git repository: nothing to publish")
                return PublishResult("none")
            raise
        self.git = self._git(top)
        try:
            out = (Path(o.workspace) / o.output_dir).resolve().relative_to(top.resolve())
        except ValueError:
            raise DumpModelsError(f"output directory {o.output_dir} is outside {top}") from None
        if out == Path("."):
            # Committing the whole checkout would sweep in whatever else is dirty in it.
            raise DumpModelsError("the output directory must be a subdirectory of the checkout")
        self.out = out.as_posix()
        self.author = Identity.parse(o.author.strip())
        providers = o.providers if o.providers is not None else tuple(builtin_registry())
        files = read_output_files(self.git, self.out, owned_paths(providers))
        self._warn_not_committed(files)
        self.entries: list[Entry] = self.git.blob_entries(files.committed)
        base = o.base or self._default_base()
        target = base if o.mode == "push" else o.branch
        if target == base and o.mode != "push":
            raise DumpModelsError(f"the update branch must not be the base branch: {base}")
        for _attempt in range(ATTEMPTS):
            result = self._attempt(base)
            if result is not None:
                return result
            self.emit(f"origin moved while publishing; rebuilding from the new tip of {base}")
        raise DumpModelsError(
            f"gave up after {ATTEMPTS} attempts: origin kept moving under {target}", exit_code=1
        )

    def _warn_not_committed(self, files: OutputFiles) -> None:
        """One warning naming what differs in the output directory but is not committed."""
        parts = []
        if files.left_alone:
            parts.append(f"{self._names(files.left_alone)} (not dump-models' files: left alone)")
        if files.not_deleted:
            parts.append(
                f"{self._names(files.not_deleted)} (deleted here: dump-models never deletes a dump)"
            )
        if parts:
            self.warn(f"not committed from {self.out}/: " + "; ".join(parts))

    def _names(self, paths: tuple[str, ...]) -> str:
        names = [shown(p.removeprefix(self.out + "/")) for p in paths[:SHOWN_NAMES]]
        more = len(paths) - len(names)
        return ", ".join(names) + (f" and {more} more" if more else "")

    def _default_base(self) -> str:
        base = None
        if self.gh is not None:
            gh = self.gh
            base = self._from_api("the default branch", gh.default_branch, None)
        base = base or self._from_origin(self.git.remote_default_branch, None)
        base = base or self.git.current_branch()
        if not base:
            if not self.dry:
                raise DumpModelsError("cannot tell the base branch: set `base`")
            self.warn("cannot tell the base branch (set `base`): comparing against HEAD")
            self.origin_readable = False
            base = "HEAD"
        return base

    def _tips(self, base: str) -> tuple[str | None, str | None] | None:
        """(base tip, update branch tip) as fetched from origin; None when one moved meanwhile.

        In a dry run that cannot read origin, or finds no base there, HEAD stands in for the
        base tip (None when HEAD is unborn).
        """
        o = self.o
        self._wanted = (base,) if o.mode == "push" else (base, o.branch)
        heads = self._from_origin(lambda: self.git.remote_heads(*self._wanted), None)
        if heads is None:
            return self.git.head_commit(), None
        self._heads = heads
        if base not in heads:
            if not self.dry:
                raise DumpModelsError(f"the base branch {base} is not on origin", exit_code=1)
            self.warn(f"the base branch {base} is not on origin: comparing against HEAD")

        def fetch() -> bool:
            self.git.fetch_objects(*heads)
            return True

        if heads:
            if not self._from_origin(fetch, False):
                return self.git.head_commit(), None
            if not all(self.git.has_commit(sha) for sha in heads.values()):
                return None  # a branch moved between listing and fetching
        return heads.get(base) or self.git.head_commit(), heads.get(o.branch)

    def _attempt(self, base: str) -> PublishResult | None:
        """One fetch-build-push round; None when origin moved and the round must be redone."""
        o = self.o
        tips = self._tips(base)
        if tips is None:
            return None
        base_sha, branch_sha = tips
        base_tree = self.git.tree_of(base_sha) if base_sha else self.git.tree_with(None, [])
        tree = self.git.tree_with(base_sha, self.entries)
        if tree == base_tree:
            self.emit(f"no change in {self.out}/ against {base}")
            return self._no_change(branch_sha)
        changes = self._changes(base_tree, tree)
        summary = self.summarize(changes)
        # Defence in depth: no registered secret goes into a commit or to the API.
        title = secrets.redact(o.title or summary.title)
        body = secrets.redact(summary.body)
        message = secrets.redact(o.commit_message or summary.commit_message)
        message = commit_message(self.git, message)
        self.emit(f"{len(changes)} changed file(s) in {self.out}/ against {base}")

        if o.mode == "push":
            if self.dry:
                self.emit(f"would commit onto {base}: {message.splitlines()[0]}")
                self._say_signed()
                return PublishResult("none", branch=base)
            assert base_sha is not None  # not a dry run: origin was read
            if o.sign_commits:
                sha = self._signed_commit(tree, base_sha, base_tree, message, base, base_sha)
                if sha is None:
                    return None
                return PublishResult("none", head_sha=sha, branch=base)
            sha = self.git.commit_tree(tree, base_sha, message, self.author)
            if not self._push(sha, base, None):
                return None
            self.emit(f"pushed {sha} to {base}")
            # No pull request in push mode: the operation stays `none`, the sha tells the push.
            return PublishResult("none", head_sha=sha, branch=base)

        if branch_sha and self.git.tree_of(branch_sha) == tree:
            self.emit(f"{o.branch} already holds this content")
            return self._pull_request(base, title, body, branch_sha, pushed=False)
        if branch_sha and not self._may_rewrite(branch_sha, "overwrite"):
            return self._pull_request(base, title, body, None, pushed=True)  # a dry run's
        if self.dry:
            self.emit(f"would push a commit onto {base} to {o.branch}: {message.splitlines()[0]}")
            self._say_signed()
            return self._pull_request(base, title, body, None, pushed=True)
        assert base_sha is not None  # not a dry run: origin was read
        if o.sign_commits:
            sha = self._signed_commit(tree, base_sha, base_tree, message, o.branch, branch_sha)
            if sha is None:
                return None
            return self._pull_request(base, title, body, sha, pushed=True)
        sha = self.git.commit_tree(tree, base_sha, message, self.author)
        if not self._push(sha, o.branch, branch_sha or ""):
            return None
        self.emit(f"pushed {sha[:12]} to {o.branch}")
        return self._pull_request(base, title, body, sha, pushed=True)

    def _may_rewrite(self, tip: str, doing: str) -> bool:
        """Whether the update branch at ``tip`` may be overwritten or deleted.

        When it is not the tool's, a dry run says so as a warning; otherwise the step fails.
        """
        if branch_is_ours(self.git, tip):
            return True
        error = foreign_branch(self.o.branch, tip, doing)
        if not self.dry:
            raise error
        self.warn(str(error))
        return False

    def _changes(self, base_tree: str, tree: str) -> list[FileChange]:
        changes = []
        prefix = self.out + "/"
        for path in self.git.changed_paths(base_tree, tree, self.out):
            if path.endswith(".json"):
                changes.append(
                    FileChange(
                        path=path.removeprefix(prefix),
                        old=self.git.blob(base_tree, path),
                        new=self.git.blob(tree, path),
                    )
                )
        return changes

    def _push(self, sha: str, branch: str, lease: str | None) -> bool:
        """Push; False when it was refused because origin moved since the tips were read.

        A refusal by policy (a protected branch, rules, a hook) fails with the rule's line.
        """
        try:
            self.git.push(sha, branch, lease=lease)
            return True
        except GitError as exc:
            if exc.refusal is not None:
                onto_base = self.o.mode == "push"
                line = refusal_line(exc.refusal, branch, onto_base=onto_base)
                raise DumpModelsError(line, exit_code=1) from None
            try:
                now = self.git.remote_heads(*self._wanted)
            except GitError:
                now = None
            if now is not None and any(now.get(b) != self._heads.get(b) for b in self._wanted):
                return False
            raise

    # -- sign-commits: the commit made by GitHub's API (signed_commit.py) ------------------

    def _say_signed(self) -> None:
        if self.o.sign_commits:
            self.emit("the commit would be made through GitHub's API, signed by GitHub")

    def _signed_commit(
        self,
        tree: str,
        base_sha: str,
        base_tree: str,
        message: str,
        branch: str,
        current: str | None,
    ) -> str | None:
        """The commit made and signed by GitHub, ``branch`` moved to it; None: origin moved."""
        assert self.gh is not None  # _validate: sign-commits needs a token and a repository
        made = signed_commit.commit(
            self.gh, self.git, base_sha=base_sha, base_tree=base_tree, tree=tree, message=message
        )
        if not made.verified:
            self.warn(
                f"GitHub did not sign commit {made.sha[:12]} ({made.reason or 'no reason given'})"
                ": a rule requiring signed commits will refuse it"
            )
        push_mode = self.o.mode == "push"
        if not signed_commit.move_branch(
            self.gh, branch, made.sha, current=current, fast_forward=push_mode
        ):
            return None
        how = "signed by GitHub" if made.verified else "not signed"
        self.emit(f"committed {made.sha[:12]} to {branch} through GitHub's API ({how})")
        return made.sha

    # -- the pull request -----------------------------------------------------------------

    def _open_pull(self) -> dict | None:
        gh = self.gh
        if gh is None:
            return None
        return self._from_api(
            "the open pull request", lambda: gh.find_open_pull(self.o.branch), None
        )

    def _no_change(self, branch_sha: str | None) -> PublishResult:
        o = self.o
        if o.mode == "push" or self.gh is None:
            return PublishResult("none")
        pr = self._open_pull()
        if pr is None:
            if branch_sha is None:
                return PublishResult("none")
            if not self._may_rewrite(branch_sha, "delete"):
                return PublishResult("none", head_sha=branch_sha, branch=o.branch)
            # A leftover update branch (its pull request was closed by hand, say): remove it.
            if self.dry:
                self.emit(f"would delete {o.branch}: no pull request is open from it")
                return PublishResult("none", head_sha=branch_sha, branch=o.branch)
            if self._delete_branch(branch_sha):
                self.emit(f"deleted {o.branch}: nothing to publish and no pull request open")
            return PublishResult("none", branch=o.branch)
        number, url = pr["number"], pr.get("html_url")
        if branch_sha and not self._may_rewrite(branch_sha, "delete"):
            return PublishResult("none", number, url, branch_sha, o.branch)
        if self.dry:
            self.emit(f"would close pull request #{number} and delete {o.branch}")
            return PublishResult("none", number, url, branch_sha, o.branch)
        assert self.gh is not None
        self.gh.update_pull(number, state="closed")
        self.emit(f"closed pull request #{number}: nothing left to update")
        if branch_sha:
            self._delete_branch(branch_sha)
        return PublishResult("closed", number, url, None, o.branch)

    def _delete_branch(self, sha: str) -> bool:
        """Delete the update branch if it still is at ``sha``; a failure is a warning."""
        try:
            self.git.delete_remote_branch(self.o.branch, lease=sha)
            return True
        except GitError as exc:
            reason = (
                refusal_line(exc.refusal, self.o.branch, onto_base=False)
                if exc.refusal is not None
                else str(exc)
            )
            self.warn(f"could not delete {self.o.branch}: {reason}")
            return False

    def _pull_request(
        self, base: str, title: str, body: str, head_sha: str | None, *, pushed: bool
    ) -> PublishResult:
        o = self.o
        pr = self._open_pull()
        if self.dry:
            if pr is not None:
                self.emit(f"would update pull request #{pr['number']}: {title}")
            else:
                self.emit(f"would open a pull request {o.branch} → {base}: {title}")
            self.emit(body)
            number, url = (pr["number"], pr.get("html_url")) if pr else (None, None)
            return PublishResult("none", number, url, head_sha, o.branch)
        gh = self.gh
        assert gh is not None  # _validate: pull-request mode needs a token and a repository
        if pr is not None and not pushed:
            self.emit(f"pull request #{pr['number']} is up to date: {pr.get('html_url')}")
            return PublishResult("unchanged", pr["number"], pr.get("html_url"), head_sha, o.branch)
        operation = "updated"
        if pr is None:
            try:
                pr = gh.create_pull(head=o.branch, base=base, title=title, body=body, draft=o.draft)
                operation = "created"
            except GitHubError as exc:
                # Another run opened it between our look-up and our create: update that one.
                if exc.status != 422 or PR_EXISTS.lower() not in exc.message.lower():
                    raise
                pr = gh.find_open_pull(o.branch)
                if pr is None:
                    raise
        if operation == "updated":
            pr = gh.update_pull(pr["number"], title=title, body=body)
        number, url = pr["number"], pr.get("html_url")
        self.emit(f"{operation} pull request #{number}: {url}")
        self._decorate(number)
        return PublishResult(operation, number, url, head_sha, o.branch)

    def _decorate(self, number: int) -> None:
        """Labels and reviewers; a refusal is a warning, the pull request stands."""
        o, gh = self.o, self.gh
        assert gh is not None
        if o.labels:
            try:
                gh.add_labels(number, list(o.labels))
            except GitHubError as exc:
                self.warn(f"labels {', '.join(o.labels)} not added: {exc.message}")
        if o.reviewers:
            try:
                gh.request_reviewers(number, list(o.reviewers))
            except GitHubError as exc:
                self.warn(f"reviewers {', '.join(o.reviewers)} not requested: {exc.message}")
