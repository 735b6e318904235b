"""In use: which tracked files of the repository name a model this update removes, retires
or reprices upward, by whole ids (``whole_ids``; docs/risk.md).

The search reads the blobs of one commit (tracked files only; never the working tree,
untracked or ignored files, nor what a symlink points to; binary files skipped as git grep
skips them): ``git grep -l -F`` lists the files holding any id, then the rule is checked on
those files' lines.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from dump_models import decimals
from dump_models.diff import ProviderReport
from dump_models.errors import DumpModelsError
from dump_models.lifecycle import Retiring
from dump_models.normalize import PRICE_FIELDS
from dump_models.report import escape
from dump_models.risk_policy import UsageSettings, parse_usage  # noqa: F401 (read with the policy)
from dump_models.whole_ids import Matcher, Model

_COMMIT = re.compile(r"HEAD|[0-9a-f]{40}|[0-9a-f]{64}")


@dataclass(frozen=True, order=True)
class Hit:
    """A line of a tracked file that names a model."""

    path: str
    line: int


# -- the search -------------------------------------------------------------------------


def _command(repo: Path, *args: str) -> list[str]:
    # The Action's container runs as another user than the one owning the checkout: git then
    # refuses the repository unless it is named safe (on the command line: never written).
    return ["git", "-c", f"safe.directory={repo}", *args]


def _git(repo: Path, *args: str, data: bytes = b"") -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            _command(repo, *args), cwd=repo, input=data, capture_output=True, check=False
        )
    except OSError as exc:
        raise DumpModelsError(f"usage search failed: {exc.strerror}", exit_code=1) from None


def _failed(what: str, done: subprocess.CompletedProcess) -> DumpModelsError:
    problem = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["failed"]
    return DumpModelsError(f"usage search failed: {what}: {problem[-1]}", exit_code=1)


def _files_naming(repo: Path, commit: str, patterns: list[str], pathspecs: list[str]) -> list[str]:
    """The text files of ``commit`` under ``pathspecs`` holding any pattern (a superset of
    the files naming a model).

    ``-l`` on purpose: git grep tries each of many fixed patterns on its own, and looks ahead
    for every one of them after each matching line, so printing the lines of a file that
    names models on every line (a vendored price list) takes minutes; stopping at a file's
    first match takes milliseconds.
    """
    done = _git(
        repo,
        # The user's settings must not change what is printed or how patterns are read.
        "-c",
        "grep.column=false",
        "-c",
        "color.grep=never",
        "-c",
        "grep.fullName=false",
        "grep",
        "--no-color",
        "-l",
        "-z",
        "-I",
        "-F",
        "--no-textconv",
        "-f",
        "-",
        commit,
        "--",
        *pathspecs,
        data="\n".join(patterns).encode("utf-8", "surrogateescape") + b"\n",
    )
    if done.returncode == 1 and not done.stderr.strip():
        return []  # nothing found
    if done.returncode != 0:
        raise _failed("git grep", done)
    prefix = commit + ":"
    names = done.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [name.removeprefix(prefix) for name in names if name]


def _blobs(repo: Path, commit: str, paths: list[str]) -> list[tuple[str, str]]:
    """(path, blob sha) of ``paths`` in ``commit`` (listed whole: ``ls-tree`` reads path
    arguments as patterns)."""
    done = _git(repo, "ls-tree", "-r", "-z", "--full-tree", commit)
    if done.returncode != 0:
        raise _failed("git ls-tree", done)
    wanted = set(paths)
    found = []
    for entry in done.stdout.decode("utf-8", "surrogateescape").split("\0"):
        meta, _tab, path = entry.partition("\t")
        if path in wanted and meta.split(" ")[1:2] == ["blob"]:
            found.append((path, meta.split(" ")[2]))
    return sorted(found)


def _contents(repo: Path, blobs: list[tuple[str, str]]) -> Iterator[tuple[str, bytes]]:
    """Each blob's bytes, one at a time, through one ``git cat-file --batch``."""
    with subprocess.Popen(
        _command(repo, "cat-file", "--batch"),
        cwd=repo,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        for path, sha in blobs:
            process.stdin.write(sha.encode() + b"\n")
            process.stdin.flush()
            header = process.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise DumpModelsError(
                    f"usage search failed: git cat-file: no blob {sha}", exit_code=1
                )
            data = process.stdout.read(int(header[2]))
            process.stdout.read(1)  # the newline after each object
            yield path, data
        process.stdin.close()


def find_usage(
    repo: Path,
    commit: str,
    paths: Sequence[str],
    models: Iterable[Model],
    *,
    exclude: Sequence[str] = (),
) -> dict[Model, list[Hit]]:
    """The lines of ``commit``'s files matching the globs ``paths`` (git's ``:(glob)``
    pathspecs, from the top of ``repo``: ``**`` crosses directories, ``*`` does not) that name
    each model, sorted; models named nowhere are left out. ``exclude``: paths (directories)
    not searched, such as the dumps' own directory.

    One ``git grep -l -F`` lists the text files holding any id; their blobs are then read
    once and checked by the rule. A failure (no repository, no such commit) is a
    :class:`DumpModelsError` with exit code 1, for the caller to show as a warning.
    """
    if not _COMMIT.fullmatch(commit):
        raise DumpModelsError(f"usage search: {commit!r} is not a commit sha", exit_code=1)
    wanted = list(dict.fromkeys(models))
    patterns = sorted({m for _p, m in wanted if m and "\n" not in m and "\r" not in m})
    if not paths or not patterns:
        return {}
    pathspecs = [f":(glob){path}" for path in paths]
    pathspecs += [f":(exclude,literal){path}" for path in exclude]
    files = _files_naming(repo, commit, patterns, pathspecs)
    if not files:
        return {}
    matcher = Matcher(wanted)
    found: dict[Model, list[Hit]] = {}
    for path, data in _contents(repo, _blobs(repo, commit, files)):
        text = data.decode("utf-8", "surrogateescape")
        for number, model in sorted(matcher.scan(text)):
            found.setdefault(model, []).append(Hit(path, number))
    return {model: sorted(hits) for model, hits in found.items()}


# -- what to look for -------------------------------------------------------------------


def _rose(change: object) -> bool:
    if not isinstance(change, Mapping):
        return False
    old, new = decimals.parse(change.get("old")), decimals.parse(change.get("new"))
    return old is not None and new is not None and new > old


def watched_models(
    reports: Sequence[ProviderReport], retiring: Sequence[Retiring]
) -> dict[Model, tuple[str, ...]]:
    """The models worth looking for, each with why: ``removed``, ``retiring`` (from the
    lifecycle), ``price rise`` (any price going up, free -> paid included)."""
    why: dict[Model, list[str]] = {}
    for report in reports:
        if report.status != "changed":
            continue
        for model in report.removed:
            why.setdefault((report.name, model), []).append("removed")
        for model, fields in report.changed.items():
            if any(_rose(fields.get(name)) for name in PRICE_FIELDS):
                why.setdefault((report.name, model), []).append("price rise")
    for item in retiring:
        why.setdefault((item.provider, item.model), []).append("retiring")
    return {model: tuple(reasons) for model, reasons in why.items()}


# -- links and the PR body --------------------------------------------------------------


def blob_url(server_url: str, repository: str, commit: str, hit: Hit) -> str:
    """``{server}/{repo}/blob/{commit}/{path}#L{line}``, the path percent-encoded."""
    path = quote(hit.path.encode("utf-8", "surrogateescape"), safe="/")
    return f"{server_url.rstrip('/')}/{repository}/blob/{commit}/{path}#L{hit.line}"


def render_in_use(
    usage: Mapping[Model, Sequence[Hit]],
    why: Mapping[Model, Sequence[str]],
    *,
    server_url: str,
    repository: str | None,
    commit: str,
    places: int = 10,
    limit: int = 50,
) -> list[str]:
    """The PR body's "In use" section: each model (escaped) with why it is watched and
    ``file:line`` links (at most ``places`` a model, ``limit`` models); nothing when no model
    is named anywhere. Without a ``repository`` the places are named, not linked."""
    named = sorted((model, hits) for model, hits in usage.items() if hits)
    if not named:
        return []
    lines = [
        "### In use",
        "",
        "Files of this repository that name a model this update removes, retires or "
        "reprices upward:",
        "",
    ]
    for (provider, model), hits in named[:limit]:
        links = [
            f"[{escape(f'{hit.path}:{hit.line}')}]({blob_url(server_url, repository, commit, hit)})"
            if repository
            else escape(f"{hit.path}:{hit.line}")
            for hit in hits[:places]
        ]
        if len(hits) > places:
            links.append(f"\u2026 and {len(hits) - places} more places")
        reasons = ", ".join(why.get((provider, model), ()))
        label = f" ({reasons})" if reasons else ""
        lines.append(f"- {escape(provider)}: {escape(model)}{label}: {', '.join(links)}")
    if len(named) > limit:
        lines.append(f"- \u2026 and {len(named) - limit} more models (see the job summary)")
    return lines + [""]


# -- the config block -------------------------------------------------------------------
