"""Shared fixtures: every test runs with a clean environment and no remembered secrets."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import settings

from dump_models import secrets

# CI explores the same examples on every run (a new one found there would fail a landing
# for a reason no commit made); locally each run explores new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")

_KEYISH = re.compile(r"(_API_KEY|_TOKEN|^GITHUB_|^INPUT_|^RUNNER_|^ACT$)")


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """No real key, token or GitHub Actions variable leaks into a test; secrets start empty."""
    for name in list(os.environ):
        if _KEYISH.search(name):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir(exist_ok=True)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    secrets.clear()
    yield
    secrets.clear()
