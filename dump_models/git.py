"""A thin wrapper over the git CLI: one workspace, per-command config through the environment."""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import secrets

# Seconds before a git command is abandoned; a push over a slow link still fits.
TIMEOUT = 300


class GitError(Exception):
    """A git command failed; ``stderr`` (with any stdout) is already redacted."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: str) -> None:
        self.command = secrets.redact(" ".join(args))
        self.returncode = returncode
        self.stderr = secrets.redact(stderr.strip())
        super().__init__(f"git {self.command}: {_telling_line(self.stderr, returncode)}")


def _telling_line(text: str, returncode: int) -> str:
    """The line that says why: a rejection or a fatal error, else the last line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if "[rejected]" in line or "[remote rejected]" in line or line.startswith("fatal:"):
            return line
    return lines[-1] if lines else f"exit code {returncode}"


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
    ) -> None:
        self.workspace = Path(workspace)
        self._token = token
        self._server_url = server_url.rstrip("/")
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
        out = self.output("ls-remote", "origin", *refs, auth=True)
        heads = {}
        for line in out.splitlines():
            sha, _, ref = line.partition("\t")
            if ref in refs:
                heads[ref.removeprefix("refs/heads/")] = sha
        return heads

    def remote_default_branch(self) -> str | None:
        """The branch origin's HEAD points at, asked of the remote itself."""
        out = self.output("ls-remote", "--symref", "origin", "HEAD", auth=True)
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

    # -- writing --------------------------------------------------------------------------

    def fetch_objects(self, *branches: str) -> None:
        """Download the branches' commits without touching any ref, FETCH_HEAD included."""
        refs = [f"refs/heads/{b}" for b in branches]
        # An empty --refmap stops git's opportunistic update of refs/remotes/origin/*.
        args = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--refmap="]
        self.run(*args, "origin", *refs, auth=True)

    def tree_with(self, base: str, path: str, index_file: Path) -> str:
        """The tree of ``base`` with ``path`` replaced by the working tree's files.

        Built in a private index so the user's index, HEAD and working tree are untouched.
        ``.gitignore`` is honoured, deletions under ``path`` are included.
        """
        env = {"GIT_INDEX_FILE": str(index_file)}
        self.run("read-tree", base, env=env)
        if (self.workspace / path).exists():
            self.run("add", "--all", "--", path, env=env)
        else:  # the whole directory is gone; `git add` would refuse the missing pathspec
            self.run("rm", "-r", "--cached", "--quiet", "--ignore-unmatch", "--", path, env=env)
        return self.output("write-tree", env=env)

    def overlay(self, base: str, old_tree: str, new_tree: str, path: str, index_file: Path) -> str:
        """The tree of ``base`` with what changed under ``path`` from ``old_tree`` to ``new_tree``.

        Only the paths that differ between the two trees are taken (added, modified or
        deleted); every other file is as it is in ``base``. Built in a private index.
        """
        out = self.run(
            "diff-tree", "-r", "-z", "--no-renames", old_tree, new_tree, "--", path
        ).stdout
        fields = out.split("\0")
        entries = []
        # Raw records: ":<old mode> <new mode> <old sha> <new sha> <status>" NUL <path> NUL
        for meta, name in zip(fields[0::2], fields[1::2], strict=False):
            if not meta.startswith(":"):
                continue
            _old_mode, new_mode, _old_sha, new_sha, status = meta[1:].split(" ")
            if status == "D":  # mode 0 removes the entry from the index
                entries.append(f"0 {'0' * len(new_sha)}\t{name}\0")
            else:
                entries.append(f"{new_mode} {new_sha}\t{name}\0")
        env = {"GIT_INDEX_FILE": str(index_file)}
        self.run("read-tree", base, env=env)
        if entries:
            self.run("update-index", "-z", "--index-info", env=env, stdin="".join(entries))
        return self.output("write-tree", env=env)

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
        self.run(*args, "origin", f"{sha}:{ref}", auth=True)

    def delete_remote_branch(self, branch: str, *, lease: str | None = None) -> None:
        """Delete ``refs/heads/<branch>`` on origin; with ``lease``, only if it is still there."""
        ref = f"refs/heads/{branch}"
        args = ["push", "--no-verify"]
        if lease is not None:
            args.append(f"--force-with-lease={ref}:{lease}")
        self.run(*args, "origin", f":{ref}", auth=True)
