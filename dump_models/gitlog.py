"""Reading a directory's git history with a fixed number of git processes, whatever its length.

``first_parent_log`` is one ``git log --first-parent --raw`` of the directory; ``blobs`` is one
``git cat-file --batch`` fed every blob wanted and read back as a stream. Every git process
``dump-models history`` starts is started by :meth:`GitReader.start`.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from dump_models.errors import DumpModelsError

ZERO = "0" * 40  # the sha of "no file" in raw diff output
BLOB_MODES = ("100644", "100755")  # regular files; links and submodules are no content


@dataclass(frozen=True)
class Change:
    """One file changed by a commit, relative to its first parent; ``path`` is relative to
    the directory, ``sha`` is ``ZERO`` on the side where the file is absent."""

    path: str
    old_mode: str
    new_mode: str
    old_sha: str
    new_sha: str

    @property
    def old_blob(self) -> bool:
        """Whether the file was a regular file before (with content to read)."""
        return self.old_sha != ZERO and self.old_mode in BLOB_MODES

    @property
    def new_blob(self) -> bool:
        """Whether the file is a regular file after."""
        return self.new_sha != ZERO and self.new_mode in BLOB_MODES


@dataclass(frozen=True)
class Commit:
    """A first-parent commit that changed the directory: committer time in epoch seconds."""

    sha: str
    seconds: int
    parents: tuple[str, ...]
    changes: tuple[Change, ...]


class GitReader:
    """Runs git in ``directory``, read-only; ``workspace`` (the repository's top) is passed
    as ``safe.directory`` since a container's workspace belongs to another uid."""

    def __init__(self, directory: Path, workspace: Path | None = None) -> None:
        self.directory = directory
        self.env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
        if workspace is not None:
            self.env.update(
                GIT_CONFIG_COUNT="1",
                GIT_CONFIG_KEY_0="safe.directory",
                GIT_CONFIG_VALUE_0=str(workspace),
            )

    def start(self, *args: str, stdin: bool = False) -> subprocess.Popen[bytes]:
        """Start ``git <args>`` with pipes for stdout and stderr (and stdin if asked)."""
        try:
            return subprocess.Popen(
                ["git", *args],
                cwd=self.directory,
                env=self.env,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            raise DumpModelsError(f"cannot run git: {exc.strerror or exc}", exit_code=1) from None

    def output(self, *args: str) -> bytes:
        """The stdout of ``git <args>``; :meth:`failure` when it fails."""
        process = self.start(*args)
        out, err = process.communicate()
        if process.returncode != 0:
            raise self.failure(args[0], err)
        return out

    def failure(self, command: str, stderr: bytes) -> DumpModelsError:
        """git's reason as one line, with what the command needs."""
        lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
        fatal = [line for line in lines if line.startswith("fatal:")]
        reason = (fatal or [line for line in lines if line] or ["no reason given"])[-1]
        return DumpModelsError(
            f"{self.directory}: git {command} failed: {reason}; history reads the git history "
            "of the output directory (run it inside the repository)"
        )

    def is_shallow(self) -> bool:
        """Whether the repository's history is cut (``fetch-depth``); fails outside one."""
        return self.output("rev-parse", "--is-shallow-repository").strip() == b"true"


_LOG = (
    "log",
    "--root",  # the first commit's files as added, whatever log.showRoot says
    "--first-parent",
    "--diff-merges=first-parent",  # a merge: what it changed against the branch it is on
    "--raw",
    "--no-abbrev",
    "--no-renames",
    "--relative",
    "-z",
    "--no-color",
    "--no-show-signature",
    "--format=%H %ct %P",
    "--",
    ".",
)


def first_parent_log(git: GitReader) -> list[Commit]:
    """The first-parent commits of HEAD that changed the directory, oldest first, with their
    changes (in git's path order); none in a repository without commits."""
    process = git.start(*_LOG)
    out, err = process.communicate()
    if process.returncode != 0:
        if b"does not have any commits yet" in err:
            return []
        raise git.failure("log", err)
    # -z: "<format>\0", then per file "\n"? ":<modes> <shas> <status>\0<path>\0".
    commits: list[Commit] = []
    header: list[str] | None = None
    changes: list[Change] = []
    tokens = iter(out.split(b"\0"))
    for raw in tokens:
        token = raw.lstrip(b"\n")
        if token.startswith(b":"):
            path = next(tokens).decode("utf-8", "surrogateescape")
            old_mode, new_mode, old_sha, new_sha = token[1:].decode("ascii").split(" ")[:4]
            changes.append(Change(path, old_mode, new_mode, old_sha, new_sha))
        elif token:
            if header is not None:
                commits.append(_commit(header, changes))
            header, changes = token.decode("ascii").split(), []
    if header is not None:
        commits.append(_commit(header, changes))
    commits.reverse()
    return commits


def _commit(header: list[str], changes: list[Change]) -> Commit:
    sha, seconds, *parents = header
    return Commit(sha, int(seconds), tuple(parents), tuple(changes))


@contextmanager
def blobs(git: GitReader, shas: Sequence[str]) -> Iterator[Iterator[bytes]]:
    """The contents of ``shas``, in order, from one ``git cat-file --batch``.

    A thread writes the requests while the answers are read here, so neither side waits for
    the other to empty a pipe, and only the blob being read is in memory.
    """
    if not shas:
        yield iter(())
        return
    process = git.start("cat-file", "--batch", stdin=True)
    assert process.stdin is not None and process.stdout is not None and process.stderr
    feeder = threading.Thread(target=_feed, args=(process.stdin, shas))
    feeder.start()
    try:
        yield _answers(process.stdout, shas)
    finally:
        if process.poll() is None:
            process.kill()  # all read, or stopped by an error: nothing more is wanted
        feeder.join()
        process.stdout.close()
        process.stderr.close()
        process.wait()


def _answers(out: IO[bytes], shas: Sequence[str]) -> Iterator[bytes]:
    for sha in shas:
        header = out.readline().split()  # "<sha> blob <size>", or "<sha> missing"
        if len(header) != 3 or header[1] != b"blob":
            raise DumpModelsError(
                f"git cat-file: {sha} is missing from the repository", exit_code=1
            )
        data = out.read(int(header[2]))
        out.read(1)  # the newline after each content
        yield data


def _feed(stdin: IO[bytes], shas: Sequence[str]) -> None:
    try:
        for sha in shas:
            stdin.write(sha.encode("ascii") + b"\n")
        stdin.close()
    except (BrokenPipeError, ValueError):  # git was stopped early; the reader says why
        pass
