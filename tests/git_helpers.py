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
