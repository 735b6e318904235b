"""A thin wrapper over the git CLI: one workspace, per-command config through the environment.

(Over 350 lines: one small method per git command the tool runs, and the words of git's
failures it tells apart; splitting them would scatter one wrapper.)
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import secrets

# Seconds before a git command is abandoned; a push over a slow link still fits.
TIMEOUT = 300
# A command talking to origin that failed in transit is run again after these pauses:
# three attempts, at most four seconds of waiting.
RETRY_DELAYS = (1.0, 3.0)

# Known words of git and of GitHub's git servers (matched in stderr; see docs/publishing.md).
# In transit: the server or the network failed, the same push may well pass a moment later.
TRANSIENT_FAILURES = (
    "the remote end hung up unexpectedly",
    "early EOF",
    "unexpected disconnect while reading sideband packet",
    "Connection reset by peer",
    "Connection timed out",
    "Operation timed out",
)
# "error: RPC failed; HTTP 502 curl 22 The requested URL returned error: 502": 5xx is the
# server's trouble (retried), 4xx is an answer (never retried).
HTTP_STATUS = re.compile(r"(?:RPC failed; HTTP|The requested URL returned error:) (\d{3})")
# Policy: the server refused this push on purpose; never retried. GitHub's words first (the
# "remote: error: ..." line, then the one git prints for the ref), then any server's hook.
PROTECTED_BRANCH = ("GH006: Protected branch update failed", "(protected branch hook declined)")
RULE_VIOLATIONS = (
    "GH013: Repository rule violations found",
    "(push declined due to repository rule violations)",
)
HOOK_DECLINED = "(pre-receive hook declined)"


@dataclass(frozen=True)
class Refusal:
    """A push the server refused by policy: ``rule`` is GH006, GH013 or ``pre-receive hook``.

    ``reasons`` are the server's own lines saying what it requires, e.g. ``Changes must be
    made through a pull request.`` (GitHub lists one per violated rule).
    """

    rule: str
    reasons: tuple[str, ...]


class GitError(Exception):
    """A git command failed; ``stderr`` (with any stdout) is already redacted.

    ``refusal`` is set when the server refused a push by policy; ``transient`` when the
    failure happened in transit (a 5xx, a connection cut) and the same command may pass.
    """

    def __init__(self, args: Sequence[str], returncode: int, stderr: str) -> None:
        self.command = secrets.redact(" ".join(args))
        self.returncode = returncode
        self.stderr = secrets.redact(stderr.strip())
        self.refusal = push_refusal(self.stderr)
        self.transient = self.refusal is None and in_transit(self.stderr)
        super().__init__(f"git {self.command}: {_telling_line(self.stderr, returncode)}")


def push_refusal(stderr: str) -> Refusal | None:
    """The policy that refused a push, read from git's stderr; None when it was not one."""
    if any(words in stderr for words in PROTECTED_BRANCH):
        rule = "GH006"
    elif any(words in stderr for words in RULE_VIOLATIONS):
        rule = "GH013"
    elif HOOK_DECLINED in stderr:
        rule = "pre-receive hook"
    else:
        return None
    reasons = []
    for line in stderr.splitlines():
        if not line.startswith("remote:"):
            continue
        text = line.removeprefix("remote:").strip()
        text = re.sub(r"^(?:error:\s*|-\s+)", "", text).strip()
        noise = (
            not text
            or text.startswith(("GH006", "GH013", "Review all repository rules", "Found "))
            or text.startswith(("Resolving deltas", "Counting objects", "Compressing objects"))
            or re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", text)
        )
        if not noise and text not in reasons:
            reasons.append(text)
    return Refusal(rule, tuple(reasons[:3]))


def in_transit(stderr: str) -> bool:
    """Whether git's stderr tells of a failure in transit (5xx, connection cut), not an answer."""
    statuses = [int(code) for code in HTTP_STATUS.findall(stderr)]
    if any(400 <= status < 500 for status in statuses):
        return False  # e.g. 413 is followed by "the remote end hung up": still an answer
    if any(status >= 500 for status in statuses):
        return True
    return any(needle.lower() in stderr.lower() for needle in TRANSIENT_FAILURES)


def _telling_line(text: str, returncode: int) -> str:
    """The line that says why: a rejection, an HTTP status, a fatal error, else the last line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    tests = (
        lambda line: "[rejected]" in line or "[remote rejected]" in line,
        HTTP_STATUS.search,
        lambda line: line.startswith("fatal:"),
    )
    for test in tests:
        for line in lines:
            if test(line):
                return line
    return lines[-1] if lines else f"exit code {returncode}"


@dataclass(frozen=True)
class Entry:
    """One file of a tree: ``mode`` (e.g. ``100644``), blob ``sha`` and ``path`` from the top."""

    mode: str
    sha: str
    path: str


@dataclass(frozen=True)
class Identity:
    """A commit author/committer parsed from ``Name <email>``."""

    name: str
    email: str

    @classmethod
    def parse(cls, text: str) -> Identity:
        """Split ``Name <email>``; a bare name gets an empty email."""
        name, _, rest = text.partition("<")
        return cls(name.strip(), rest.rstrip().rstrip(">").strip())


def auth_header(token: str) -> str:
    """The ``http.extraheader`` value actions/checkout uses: basic auth as x-access-token."""
    raw = base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")
    return f"AUTHORIZATION: basic {raw}"


class Git:
    """Runs git in ``workspace``.

    Configuration is passed per command through ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/
    ``GIT_CONFIG_VALUE_n`` so that neither the token nor ``safe.directory`` is ever written to
    ``.git/config`` or shown in argv (``ps``).
    """

    def __init__(
        self,
        workspace: Path,
        *,
        token: str | None = None,
        server_url: str = "https://github.com",
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        self.workspace = Path(workspace)
        self._token = token
        self._server_url = server_url.rstrip("/")
        self._on_retry = on_retry
        secrets.register(token)
        if token:  # the header's base64 form is as good as the token itself
            secrets.register(auth_header(token).rsplit(" ", 1)[1])

    def _env(self, auth: bool, extra: Mapping[str, str] | None) -> dict[str, str]:
        # The container's workspace belongs to another uid: without this git refuses to work.
        config = [("safe.directory", str(self.workspace))]
        if auth and self._token:
            key = f"http.{self._server_url}/.extraheader"
            # The empty value first resets the list, so the header actions/checkout persisted
            # in .git/config is not sent as a second Authorization header.
            config += [(key, ""), (key, auth_header(self._token))]
        env = dict(os.environ)
        env.update(
            {
                "GIT_TERMINAL_PROMPT": "0",  # fail, never wait for a password
                "LC_ALL": "C",  # messages we match on are in English
                "GIT_CONFIG_COUNT": str(len(config)),
            }
        )
        for index, (key, value) in enumerate(config):
            env[f"GIT_CONFIG_KEY_{index}"] = key
            env[f"GIT_CONFIG_VALUE_{index}"] = value
        if extra:
            env.update(extra)
        return env

    def run(
        self,
        *args: str,
        auth: bool = False,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        stdin: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``git <args>``, fed ``stdin``; raise :class:`GitError` on failure when ``check``."""
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=self.workspace,
                env=self._env(auth, env),
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                input=stdin,
                stdin=subprocess.DEVNULL if stdin is None else None,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GitError(args, -1, str(exc)) from exc
        if check and done.returncode != 0:
            raise GitError(args, done.returncode, f"{done.stderr}\n{done.stdout}")
        return done

    def output(self, *args: str, **kwargs) -> str:
        """The stripped stdout of ``git <args>``."""
        return self.run(*args, **kwargs).stdout.strip()

    def remote(self, *args: str) -> str:
        """``git <args>`` against origin, authenticated; run again when it fails in transit.

        Three attempts in all (pauses of :data:`RETRY_DELAYS`); a refusal or any other answer
        is raised at once. Its stripped stdout.
        """
        delays = iter(RETRY_DELAYS)
        while True:
            try:
                return self.output(*args, auth=True)
            except GitError as exc:
                delay = next(delays, None)
                if not exc.transient or delay is None:
                    raise
                if self._on_retry is not None:
                    line = _telling_line(exc.stderr, exc.returncode)
                    self._on_retry(
                        f"git {args[0]} failed in transit ({line}); again in {delay:g} s"
                    )
                time.sleep(delay)

    @contextmanager
    def _private_index(self) -> Iterator[dict[str, str]]:
        """The environment of commands that work on an index of their own, not the user's."""
        with tempfile.TemporaryDirectory(prefix="dump-models-") as tmp:
            # Literal pathspecs: an output directory named `models[1]` is not a pattern.
            yield {"GIT_INDEX_FILE": str(Path(tmp) / "index"), "GIT_LITERAL_PATHSPECS": "1"}

    # -- reading --------------------------------------------------------------------------

    def toplevel(self) -> Path:
        """The root of the working tree (fails outside a repository)."""
        return Path(self.output("rev-parse", "--show-toplevel"))

    def current_branch(self) -> str | None:
        """The checked-out branch, or None on a detached HEAD."""
        done = self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return done.stdout.strip() or None

    def remote_heads(self, *branches: str) -> dict[str, str]:
        """``{branch: sha}`` for those of ``branches`` that exist on origin."""
        refs = [f"refs/heads/{b}" for b in branches]
        out = self.remote("ls-remote", "origin", *refs)
        heads = {}
        for line in out.splitlines():
            sha, _, ref = line.partition("\t")
            if ref in refs:
                heads[ref.removeprefix("refs/heads/")] = sha
        return heads

    def remote_heads_under(self, prefix: str) -> dict[str, str]:
        """``{branch: sha}`` of the branches ``<prefix>/<name>`` on origin (one level)."""
        out = self.remote("ls-remote", "origin", f"refs/heads/{prefix}/*")
        heads = {}
        for line in out.splitlines():
            sha, _, ref = line.partition("\t")
            name = ref.removeprefix(f"refs/heads/{prefix}/")
            if ref.startswith(f"refs/heads/{prefix}/") and name and "/" not in name:
                heads[f"{prefix}/{name}"] = sha
        return heads

    def remote_default_branch(self) -> str | None:
        """The branch origin's HEAD points at, asked of the remote itself."""
        out = self.remote("ls-remote", "--symref", "origin", "HEAD")
        for line in out.splitlines():
            if line.startswith("ref: ") and line.endswith("\tHEAD"):
                return line[5:].split("\t")[0].removeprefix("refs/heads/")
        return None

    def has_commit(self, sha: str) -> bool:
        """Whether the commit is in the local object store."""
        return self.run("cat-file", "-e", f"{sha}^{{commit}}", check=False).returncode == 0

    def head_commit(self) -> str | None:
        """The commit HEAD points at, or None when HEAD is unborn (or its commit is missing)."""
        done = self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
        return done.stdout.strip() or None

    def tree_of(self, commit: str) -> str:
        """The tree hash of a commit."""
        return self.output("rev-parse", f"{commit}^{{tree}}")

    def changed_paths(self, old_tree: str, new_tree: str, path: str) -> list[str]:
        """Paths under ``path`` that differ between two trees."""
        out = self.run(
            "diff-tree", "-r", "-z", "--name-only", "--no-renames", old_tree, new_tree, "--", path
        ).stdout
        return [p for p in out.split("\0") if p]

    def blob(self, tree: str, path: str) -> bytes | None:
        """The content of ``path`` in ``tree``, or None when it is not there."""
        done = subprocess.run(
            ["git", "cat-file", "blob", f"{tree}:{path}"],
            cwd=self.workspace,
            env=self._env(False, None),
            capture_output=True,
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
        return done.stdout if done.returncode == 0 else None

    def tree_entries(self, tree: str, paths: Sequence[str]) -> dict[str, Entry]:
        """The entries of ``tree`` at and under ``paths`` (from the top), by path; directories
        too (mode ``040000``), so that a path in the way of a file is seen."""
        out = self.run(
            "ls-tree", "-r", "-t", "-z", "--full-tree", tree, "--", *paths,
            env={"GIT_LITERAL_PATHSPECS": "1"},
        ).stdout  # fmt: skip
        entries = {}
        for record in filter(None, out.split("\0")):
            meta, _, path = record.partition("\t")
            mode, _kind, sha = meta.split(" ")
            entries[path] = Entry(mode, sha, path)
        return entries

    # -- writing --------------------------------------------------------------------------

    def write_blobs(self, contents: Sequence[bytes]) -> list[str]:
        """Write each of ``contents`` to the object store as a blob, byte for byte (no filter
        of the repository's applies); their shas, in order. One git process for all."""
        if not contents:
            return []
        with tempfile.TemporaryDirectory(prefix="dump-models-") as tmp:
            paths = []
            for number, data in enumerate(contents):
                path = Path(tmp) / str(number)
                path.write_bytes(data)
                paths.append(f"{path}\n")
            out = self.run(
                "hash-object", "-w", "--no-filters", "--stdin-paths", stdin="".join(paths)
            ).stdout
        return out.split()

    def fetch_objects(self, *branches: str) -> None:
        """Download the branches' commits without touching any ref, FETCH_HEAD included."""
        refs = [f"refs/heads/{b}" for b in branches]
        # An empty --refmap stops git's opportunistic update of refs/remotes/origin/*.
        args = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--refmap="]
        self.remote(*args, "origin", *refs)

    def worktree_changes(self, path: str) -> list[str]:
        """Paths under ``path`` whose working-tree state differs from HEAD's, sorted.

        Modified, deleted, or untracked and not ignored: what ``git add --all`` would stage.
        Read through a private index holding only ``path``, so the user's index is untouched
        and only files under ``path`` are read; no object is written.
        """
        head = self.head_commit()
        with self._private_index() as env:
            if head is not None:
                found = self.run("rev-parse", "--verify", "--quiet", f"{head}:{path}", check=False)
                if found.returncode == 0:
                    self.run("read-tree", f"--prefix={path}/", found.stdout.strip(), env=env)
            # Stat data of the fresh index is empty: refresh compares contents (exit 1 when
            # some differ, which is what we want to learn next).
            self.run("update-index", "-q", "--refresh", env=env, check=False)
            out = self.run(
                "ls-files", "-z", "--modified", "--others", "--exclude-standard", "--", path,
                env=env,
            ).stdout  # fmt: skip
        return sorted({p for p in out.split("\0") if p})

    def blob_entries(self, paths: Sequence[str]) -> list[Entry]:
        """The working tree's ``paths`` (from the top) written as blobs, as tree entries.

        The files are read as ``git add`` reads them (filters, executable bit); only these
        paths are written to the object store.
        """
        if not paths:
            return []
        with self._private_index() as env:
            self.run("update-index", "--add", "-z", "--stdin", env=env,
                     stdin="".join(f"{p}\0" for p in paths))  # fmt: skip
            out = self.run("ls-files", "-z", "--stage", env=env).stdout
        entries = []
        for record in filter(None, out.split("\0")):
            meta, _, name = record.partition("\t")
            mode, sha, _stage = meta.split(" ")
            entries.append(Entry(mode, sha, name))
        return entries

    def tree_with(self, base: str | None, entries: Sequence[Entry]) -> str:
        """The tree of commit ``base`` (None: the empty tree) with ``entries`` laid over it.

        Built in a private index: the user's index, HEAD and working tree are untouched.
        """
        with self._private_index() as env:
            self.run("read-tree", *([base] if base else ["--empty"]), env=env)
            if entries:
                info = "".join(f"{e.mode} {e.sha}\t{e.path}\0" for e in entries)
                self.run("update-index", "-z", "--index-info", env=env, stdin=info)
            return self.output("write-tree", env=env)

    def add_trailer(self, message: str, trailer: str) -> str:
        """``message`` with ``trailer`` (``Key: value``) in its closing trailer block, once.

        git's own rules place it: after existing trailers such as ``Co-authored-by:``, else in
        a paragraph of its own.
        """
        text = message.rstrip() + "\n"  # without a final newline git glues it to the subject
        return self.run(
            "interpret-trailers", "--no-divider", "--if-exists", "addIfDifferent",
            "--trailer", trailer, stdin=text,
        ).stdout  # fmt: skip

    def trailer_values(self, commit: str, key: str) -> list[str]:
        """The values of ``commit``'s trailers named ``key`` (case-insensitive), as git parses."""
        out = self.output(
            "log", "-1", "--no-show-signature", f"--format=%(trailers:key={key},valueonly)",
            commit, "--",
        )  # fmt: skip
        return [line.strip() for line in out.splitlines() if line.strip()]

    def commit_tree(self, tree: str, parent: str, message: str, author: Identity) -> str:
        """Write a commit object (no ref changes) and return its sha."""
        env = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": author.name,
            "GIT_COMMITTER_EMAIL": author.email,
        }
        return self.output("commit-tree", tree, "-p", parent, "-m", message, env=env)

    def push(self, sha: str, branch: str, *, lease: str | None = None) -> None:
        """Push ``sha`` to ``refs/heads/<branch>`` on origin.

        With ``lease`` (the sha expected there, "" for "must not exist") the push is forced
        with that lease; without, it must fast-forward.
        """
        ref = f"refs/heads/{branch}"
        # --no-verify: the user's local pre-push hooks are for their pushes, not the bot's.
        args = ["push", "--no-verify"]
        if lease is not None:
            args.append(f"--force-with-lease={ref}:{lease}")
        self.remote(*args, "origin", f"{sha}:{ref}")

    def delete_remote_branch(self, branch: str, *, lease: str | None = None) -> None:
        """Delete ``refs/heads/<branch>`` on origin; with ``lease``, only if it is still there."""
        ref = f"refs/heads/{branch}"
        args = ["push", "--no-verify"]
        if lease is not None:
            args.append(f"--force-with-lease={ref}:{lease}")
        self.remote(*args, "origin", f":{ref}")
