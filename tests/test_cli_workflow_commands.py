"""No provider's text becomes a workflow command in what the CLI prints (docs/output.md).

The CLI runs in a subprocess, as a workflow's own step would run it; the runner reads both
stdout and stderr, so both are checked with the runner's rules (tests/runner_rules.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from git_helpers import git
from hostile_providers import INJECTIONS, config_lines, route_hostile, write_previous
from provider_server import ProviderServer
from runner_rules import foreign_commands

ROOT = Path(__file__).resolve().parent.parent


def dump_models(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    environ = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ["HOME"],
        "GIT_CONFIG_NOSYSTEM": "1",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "dump_models", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_no_foreign_command(proc: subprocess.CompletedProcess) -> None:
    for stream in (proc.stdout, proc.stderr):
        assert foreign_commands(stream) == [], stream


@pytest.fixture
def server():
    with ProviderServer() as srv:
        route_hostile(srv)
        yield srv


@pytest.fixture
def checkout(tmp_path: Path, server: ProviderServer) -> Path:
    """A clone of a bare remote holding a config for the hostile providers and the previous
    ``models/names.json``."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(bare), str(work))
    (work / ".github").mkdir()
    (work / ".github/dump-models.yml").write_text(
        "\n".join(["providers:", *config_lines(server), "settings: {retries: 0, timeout: 5}"])
        + "\n"
    )
    write_previous(work / "models")
    git(work, "add", ".")
    git(work, "commit", "-qm", "seed")
    git(work, "push", "-q", "origin", "main")
    return work


def test_run_then_publish_dry_run_print_no_provider_command(checkout: Path) -> None:
    run = dump_models(checkout, "run", "--fail-on", "never")
    assert run.returncode == 0, run.stdout + run.stderr
    # The failures are there, with the provider's text, made inert.
    assert "deny: failed: HTTP 401" in run.stdout and "set-output" in run.stdout
    assert "keys: failed: " in run.stdout and "HOSTILE" in run.stdout
    assert_no_foreign_command(run)

    publish = dump_models(checkout, "publish", "--dry-run")
    assert publish.returncode == 0, publish.stdout + publish.stderr
    assert "<summary>Other field changes" in publish.stdout  # the changed field names
    assert "HOSTILE" in publish.stdout
    assert_no_foreign_command(publish)


def test_dry_run_and_reports_on_stdout_print_no_provider_command(checkout: Path) -> None:
    run = dump_models(
        checkout, "run", "--dry-run", "--fail-on", "never", "--report-md", "-", "--report-json", "-"
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "<summary>Other field changes" in run.stdout
    assert_no_foreign_command(run)


def test_diff_prints_no_command_from_the_files(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    write_previous(old)
    new.mkdir()
    models = [{"id": text, "name": text, f"field {text}": 2} for text in INJECTIONS]
    (new / "names.json").write_text(json.dumps({"data": models}))

    for args in ((), ("--json",)):
        proc = dump_models(tmp_path, "diff", str(old), str(new), *args)
        assert proc.returncode == 0, proc.stderr
        assert "HOSTILE" in proc.stdout
        assert_no_foreign_command(proc)
    report = json.loads(dump_models(tmp_path, "diff", str(old), str(new), "--json").stdout)
    assert INJECTIONS[3] in report["providers"]["names"]["changed"]  # the JSON keeps the values

    # A file name is text from outside too; its error goes to stderr.
    (new / "##[set-output name=x;]y.json").write_text("not json")
    proc = dump_models(tmp_path, "diff", str(old), str(new))
    assert proc.returncode == 2 and "not valid JSON" in proc.stderr
    assert_no_foreign_command(proc)
