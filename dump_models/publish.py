"""Publish the output directory: one commit on the update branch and one rolling pull request.

Every decision is taken from what origin and the API say now; the user's checkout (HEAD,
index, working tree, refs) is never changed: the commit is built in a private index from the
base tip and pushed by sha.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import secrets, signed_commit
from .errors import DumpModelsError
from .git import Git, GitError, Identity
from .github import NOT_PERMITTED, PR_EXISTS, GitHub, GitHubError

MODES = ("pull-request", "push", "none")
ATTEMPTS = 3  # pushes rejected because origin moved are rebuilt and retried this many times

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
# ``Name <email>``: a name, then one email with an @ in angle brackets, nothing after it.
AUTHOR_FORM = re.compile(r"[^<>\x00-\x1f]*[^<>\s][^<>\x00-\x1f]*<[^<>\s]+@[^<>\s]+>")
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
class PublishOptions:
    """Everything publishing needs, gathered once by the CLI or the Action."""

    workspace: Path
    output_dir: str = "models"
    mode: str = "pull-request"
    base: str | None = None
    branch: str = "dump-models/update"
    title: str | None = None
    commit_message: str | None = None
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    draft: bool = False
    dry_run: bool = False
    sign_commits: bool = False  # the commit made through GitHub's API, so GitHub signs it
    token: str | None = field(default=None, repr=False)
    api_url: str = "https://api.github.com"
    graphql_url: str | None = None  # None: next to api_url (/graphql, or /api/graphql on GHES)
    server_url: str = "https://github.com"
    repository: str | None = None
    author: str = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"


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


def publish(
    options: PublishOptions,
    summarize: Callable[[list[FileChange]], Summary],
    *,
    emit: Callable[[str], None] = print,
) -> PublishResult:
    """Commit the output directory's changes and open or update the one pull request.

    Only the files of the output directory that differ between the checkout's HEAD and the
    working tree (what this run wrote or deleted) are laid over the base tip; the rest comes
    from the base tip, so changes made on the base after the checkout are kept.

    ``mode="push"`` commits onto the base branch instead (always ``none``: ``head_sha`` is the
    pushed commit, or None when nothing was pushed); ``mode="none"`` and ``dry_run`` only say
    what would be done (``none``). Raises :class:`DumpModelsError` with a one-line, redacted
    message.
    """
    secrets.register(options.token)
    _validate(options)
    try:
        return _Publisher(options, summarize, emit).run()
    except (GitError, GitHubError) as exc:
        raise DumpModelsError(describe_failure(exc), exit_code=1) from None


def _validate(options: PublishOptions) -> None:
    if options.mode not in MODES:
        raise DumpModelsError(f"publish mode must be one of {', '.join(MODES)}: {options.mode!r}")
    if options.repository is not None and options.repository.count("/") != 1:
        raise DumpModelsError(f"repository must be owner/name: {options.repository!r}")
    if options.mode == "pull-request" and not options.dry_run:
        if not options.repository:
            raise DumpModelsError(
                "publishing a pull request needs the repository: set GITHUB_REPOSITORY=owner/name "
                "and a token in GITHUB_TOKEN, or use --dry-run / --publish none"
            )
        if not options.token:
            raise DumpModelsError(
                "publishing a pull request needs a token: set GITHUB_TOKEN (input `token` in "
                "the Action), or use --dry-run / --publish none"
            )
    if options.sign_commits and options.mode != "none" and not options.dry_run:
        if not (options.repository and options.token):
            raise DumpModelsError(
                "sign-commits has GitHub's API make the commit: it needs GITHUB_REPOSITORY="
                "owner/name and a token (GITHUB_TOKEN, input `token`)"
            )
    author = options.author.strip()
    if not AUTHOR_FORM.fullmatch(author):
        raise DumpModelsError(
            f"author must be `Name <email>`: {options.author!r} (fix: set --author / input "
            "`author` like `dump-models bot <bot@example.com>`, or leave it unset)"
        )
    output = Path(options.output_dir)
    if output.is_absolute() or ".." in output.parts:
        raise DumpModelsError(f"output directory must be inside the workspace: {output}")


class _Publisher:
    def __init__(self, options, summarize, emit) -> None:
        self.o: PublishOptions = options
        self.summarize = summarize
        self._emit = emit
        self.dry = options.dry_run or options.mode == "none"
        self.git = Git(options.workspace, token=options.token, server_url=options.server_url)
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

    def emit(self, text: str) -> None:
        self._emit(secrets.redact(text))

    def warn(self, text: str) -> None:
        self.emit(f"warning: {text}")

    # -- the run --------------------------------------------------------------------------

    def run(self) -> PublishResult:
        o = self.o
        try:
            top = self.git.toplevel()
        except GitError:
            if o.mode == "none":
                self.emit(f"{o.workspace} is not a git repository: nothing to publish")
                return PublishResult("none")
            raise
        self.git = Git(top, token=o.token, server_url=o.server_url)
        try:
            out = (Path(o.workspace) / o.output_dir).resolve().relative_to(top.resolve())
        except ValueError:
            raise DumpModelsError(f"output directory {o.output_dir} is outside {top}") from None
        if out == Path("."):
            # Committing the whole checkout would sweep in whatever else is dirty in it.
            raise DumpModelsError("the output directory must be a subdirectory of the checkout")
        self.out = out.as_posix()
        self.author = Identity.parse(o.author.strip())
        base = o.base or self._default_base()
        target = base if o.mode == "push" else o.branch
        if target == base and o.mode != "push":
            raise DumpModelsError(f"the update branch must not be the base branch: {base}")
        self.worktree = self._worktree()
        for _attempt in range(ATTEMPTS):
            result = self._attempt(base)
            if result is not None:
                return result
            self.emit(f"origin moved while publishing; rebuilding from the new tip of {base}")
        raise DumpModelsError(
            f"gave up after {ATTEMPTS} attempts: origin kept moving under {target}", exit_code=1
        )

    def _default_base(self) -> str:
        base = None
        if self.gh is not None:
            base = self.gh.default_branch()
        base = base or self.git.remote_default_branch() or self.git.current_branch()
        if not base:
            raise DumpModelsError("cannot tell the base branch: set `base`")
        return base

    def _worktree(self) -> tuple[str, str] | None:
        """(HEAD's tree, that tree with the output dir as in the working tree), or None.

        None when HEAD is unborn (or its commit is missing): then the whole output dir of the
        working tree is laid over the base tip.
        """
        head = self.git.head_commit()
        if head is None:
            return None
        head_tree = self.git.tree_of(head)
        with tempfile.TemporaryDirectory(prefix="dump-models-") as tmp:
            return head_tree, self.git.tree_with(head, self.out, Path(tmp) / "index")

    def _tree(self, base_sha: str) -> str:
        """The tree to commit: the base tip plus what this run changed in the output dir."""
        with tempfile.TemporaryDirectory(prefix="dump-models-") as tmp:
            index = Path(tmp) / "index"
            if self.worktree is None:
                return self.git.tree_with(base_sha, self.out, index)
            head_tree, work_tree = self.worktree
            return self.git.overlay(base_sha, head_tree, work_tree, self.out, index)

    def _attempt(self, base: str) -> PublishResult | None:
        """One fetch-build-push round; None when origin moved and the round must be redone."""
        o = self.o
        wanted = (base,) if o.mode == "push" else (base, o.branch)
        heads = self.git.remote_heads(*wanted)
        if base not in heads:
            raise DumpModelsError(f"the base branch {base} is not on origin", exit_code=1)
        self.git.fetch_objects(*heads)
        if not all(self.git.has_commit(sha) for sha in heads.values()):
            return None  # a branch moved between listing and fetching
        base_sha, branch_sha = heads[base], heads.get(o.branch)
        base_tree = self.git.tree_of(base_sha)
        tree = self._tree(base_sha)
        if tree == base_tree:
            self.emit(f"no change in {self.out}/ against {base}")
            return self._no_change(branch_sha)
        changes = self._changes(base_tree, tree)
        summary = self.summarize(changes)
        # Defence in depth: no registered secret goes into a commit or to the API.
        title = secrets.redact(o.title or summary.title)
        body = secrets.redact(summary.body)
        message = secrets.redact(o.commit_message or summary.commit_message)
        self.emit(f"{len(changes)} changed file(s) in {self.out}/ against {base}")

        if o.mode == "push":
            if self.dry:
                self.emit(f"would commit onto {base}: {message.splitlines()[0]}")
                self._say_signed()
                return PublishResult("none", branch=base)
            if o.sign_commits:
                sha = self._signed_commit(tree, base_sha, base_tree, message, base, base_sha)
                if sha is None:
                    return None
                return PublishResult("none", head_sha=sha, branch=base)
            sha = self.git.commit_tree(tree, base_sha, message, self.author)
            if not self._push(sha, base, None, wanted, heads):
                return None
            self.emit(f"pushed {sha} to {base}")
            # No pull request in push mode: the operation stays `none`, the sha tells the push.
            return PublishResult("none", head_sha=sha, branch=base)

        if branch_sha and self.git.tree_of(branch_sha) == tree:
            self.emit(f"{o.branch} already holds this content")
            return self._pull_request(base, title, body, branch_sha, pushed=False)
        if self.dry:
            self.emit(f"would push a commit onto {base} to {o.branch}: {message.splitlines()[0]}")
            self._say_signed()
            return self._pull_request(base, title, body, None, pushed=True)
        if o.sign_commits:
            sha = self._signed_commit(tree, base_sha, base_tree, message, o.branch, branch_sha)
            if sha is None:
                return None
            return self._pull_request(base, title, body, sha, pushed=True)
        sha = self.git.commit_tree(tree, base_sha, message, self.author)
        if not self._push(sha, o.branch, branch_sha or "", wanted, heads):
            return None
        self.emit(f"pushed {sha[:12]} to {o.branch}")
        return self._pull_request(base, title, body, sha, pushed=True)

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

    def _push(
        self, sha: str, branch: str, lease: str | None, wanted: tuple[str, ...], heads: dict
    ) -> bool:
        """Push; False when it was refused because origin moved since ``heads`` was read."""
        try:
            self.git.push(sha, branch, lease=lease)
            return True
        except GitError:
            try:
                now = self.git.remote_heads(*wanted)
            except GitError:
                now = None
            if now is not None and any(now.get(b) != heads.get(b) for b in wanted):
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

    def _no_change(self, branch_sha: str | None) -> PublishResult:
        o = self.o
        if o.mode == "push" or self.gh is None:
            return PublishResult("none")
        pr = self.gh.find_open_pull(o.branch)
        if pr is None:
            if branch_sha is None:
                return PublishResult("none")
            # A leftover update branch (its pull request was closed by hand, say): remove it.
            if self.dry:
                self.emit(f"would delete {o.branch}: no pull request is open from it")
                return PublishResult("none", head_sha=branch_sha, branch=o.branch)
            if self._delete_branch(branch_sha):
                self.emit(f"deleted {o.branch}: nothing to publish and no pull request open")
            return PublishResult("none", branch=o.branch)
        number, url = pr["number"], pr.get("html_url")
        if self.dry:
            self.emit(f"would close pull request #{number} and delete {o.branch}")
            return PublishResult("none", number, url, branch_sha, o.branch)
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
            self.warn(f"could not delete {self.o.branch}: {exc}")
            return False

    def _pull_request(
        self, base: str, title: str, body: str, head_sha: str | None, *, pushed: bool
    ) -> PublishResult:
        o, gh = self.o, self.gh
        pr = gh.find_open_pull(o.branch) if gh is not None else None
        if self.dry:
            if pr is not None:
                self.emit(f"would update pull request #{pr['number']}: {title}")
            else:
                self.emit(f"would open a pull request {o.branch} → {base}: {title}")
            self.emit(body)
            number, url = (pr["number"], pr.get("html_url")) if pr else (None, None)
            return PublishResult("none", number, url, head_sha, o.branch)
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
