"""Listings and git repositories of snapshots for the history, feed and price tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from dump_models.canonical import dumps


def openrouter_model(model_id: str, prompt: str = "0.00000025", **extra) -> dict:
    """An OpenRouter-shaped model; ``prompt`` is its input price in USD per token."""
    model = {
        "id": model_id,
        "name": f"Model {model_id}",
        "context_length": 131072,
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
        "pricing": {"prompt": prompt, "completion": "0.000001"},
        "top_provider": {"max_completion_tokens": 32768},
        "supported_parameters": ["max_tokens"],
    }
    model.update(extra)
    return model


def listing_text(models: list[dict], list_key: str | None = "data") -> str:
    """A listing file as a run writes it."""
    return dumps(models if list_key is None else {list_key: models})


def dated_env(when: int) -> dict[str, str]:
    """The environment of a git command that commits at ``when`` (epoch seconds, UTC)."""
    return dict(
        os.environ,
        GIT_AUTHOR_DATE=f"@{when} +0000",
        GIT_COMMITTER_DATE=f"@{when} +0000",
        GIT_AUTHOR_NAME="Tester",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="Tester",
        GIT_COMMITTER_EMAIL="t@example.com",
    )


def commit_files(repo: Path, files: dict[str, str | None], when: int, message: str) -> str:
    """Write (``None``: delete) ``files`` under ``repo`` and commit them at ``when`` (epoch
    seconds, as author and committer date); the commit's sha. An empty ``files`` makes an
    empty commit."""
    for name, text in files.items():
        path = repo / name
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    env = dated_env(when)
    subprocess.run(["git", "add", "-A", "."], cwd=repo, check=True, env=env)
    subprocess.run(
        ["git", "commit", "-q", "--allow-empty", "-m", message], cwd=repo, check=True, env=env
    )
    done = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def init_repo(path: Path) -> Path:
    """An empty repository on branch main."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    return path
