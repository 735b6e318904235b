"""Real git for tests: run it as a user would, with an identity and no global config needed."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(cwd: Path, *args: str) -> str:
    """Run ``git args`` in ``cwd``; its stripped stdout (raises CalledProcessError on failure)."""
    done = subprocess.run(
        ["git", "-c", "user.name=Tester", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def seeded_origin(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    """A bare origin (``tmp_path/origin.git``) whose ``main`` holds ``files`` (path -> content)
    in one commit."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "init", "--quiet", "-b", "main", str(seed))
    for name, content in files.items():
        path = seed / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    git(seed, "add", ".")
    git(seed, "commit", "--quiet", "-m", "seed")
    git(seed, "push", "--quiet", str(bare), "main")
    return bare


def clone(tmp_path: Path, remote: Path, name: str = "work") -> Path:
    """A checkout of ``remote`` (origin) at ``tmp_path/name``."""
    path = tmp_path / name
    git(tmp_path, "clone", "--quiet", str(remote), str(path))
    return path


# What GitHub's git servers print when a push breaks a rule (each line is shown as "remote: ").
GITHUB_REFUSALS = {
    "GH006": [
        "error: GH006: Protected branch update failed for refs/heads/{branch}.",
        "",
        "- Changes must be made through a pull request.",
    ],
    "GH013": [
        "error: GH013: Repository rule violations found for refs/heads/{branch}.",
        "Review all repository rules at http://github.com/octo/models/rules?ref=refs%2Fheads%2F",
        "",
        "- Changes must be made through a pull request.",
        "",
        "- Commits must have verified signatures.",
        "  Found 1 violation:",
        "",
        "  5cbd07211cca9d7c959f48cd0b10e6b6366c619e",
    ],
}


def refusing_hook(bare: Path, lines: list[str]) -> Path:
    """A pre-receive hook in ``bare`` that prints ``lines`` and refuses; the file it counts in."""
    hook = bare / "hooks" / "pre-receive"
    printed = "".join(f"echo '{line}' >&2\n" for line in lines)
    hook.write_text(f'#!/bin/sh\n{printed}echo run >> "$0.count"\nexit 1\n')
    hook.chmod(0o755)
    return Path(f"{hook}.count")
