"""The Action end to end: ``entrypoint.py`` run as GitHub runs a container action.

The workspace is a clone of a bare remote in ``tmp_path``; the file commands
(``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``) and the event are files; providers and GitHub's
REST API are loopback servers. Nothing is mocked: the seams are the wire, git and the files
the runner reads back.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from git_helpers import git
from github_server import FakeGitHub
from hostile_providers import config_lines, route_hostile, write_previous
from provider_server import ProviderServer, Reply, fixed, openai_models, openai_style
from runner_rules import commands_in, foreign_commands

from dump_models import action
from dump_models.inputs import raw

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "entrypoint.py"

KEY = "sk-canary-mistral-0123456789abcdef"
TOKEN = "ghs_canaryToken0123456789abcdefABCDEF"
SECRETS = (KEY, TOKEN)


@pytest.fixture
def providers():
    """mistral answers with two models when the canary key is sent; ``broken`` answers 500."""
    with ProviderServer() as server:
        server.route("/v1/models", openai_style(openai_models(2), key=KEY))
        server.route("/broken/models", fixed(Reply(500, "<html>upstream down</html>")))
        yield server


@pytest.fixture
def workspace(tmp_path: Path, providers: ProviderServer) -> Path:
    """A clone of a bare remote, with a config naming the loopback providers, pushed to main."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    ws = tmp_path / "workspace"
    git(tmp_path, "clone", "--quiet", str(remote), str(ws))
    git(ws, "config", "user.name", "Test")
    git(ws, "config", "user.email", "test@example.com")
    git(ws, "checkout", "--quiet", "-b", "main")
    config = ws / ".github" / "dump-models.yml"
    config.parent.mkdir()
    config.write_text(
        "providers:\n"
        f"  mistral: {{endpoint: '{providers.url}/v1'}}\n"
        f"  broken: {{endpoint: '{providers.url}/broken', auth: none}}\n"
        "settings: {retries: 0, timeout: 5}\n",
        encoding="utf-8",
    )
    git(ws, "add", ".")
    git(ws, "commit", "--quiet", "-m", "initial")
    git(ws, "push", "--quiet", "origin", "main")
    return ws


@pytest.fixture
def github():
    """GitHub's REST API for octo/models, accepting only the canary token."""
    with FakeGitHub(token=TOKEN, repository="octo/models") as fake:
        yield fake


@dataclass
class ActionRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    files: Path  # the directory of the file commands


def parse_outputs(text: str) -> dict[str, str]:
    """Read ``GITHUB_OUTPUT`` as the runner does: ``name=value`` and ``name<<DELIM`` blocks."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            while lines[i] != delimiter:
                value.append(lines[i])
                i += 1
            i += 1
            outputs[name] = "\n".join(value)
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def run_action(
    workspace: Path,
    inputs: dict[str, str],
    *,
    github: FakeGitHub,
    env: dict[str, str] | None = None,
) -> ActionRun:
    """Run the entrypoint with the environment GitHub gives a Docker action."""
    files = workspace.parent / "file_commands"
    files.mkdir(exist_ok=True)
    for name in ("output", "summary"):
        (files / name).write_text("", encoding="utf-8")
    event = files / "event.json"
    event.write_text(json.dumps({"repository": {"default_branch": "main"}}), encoding="utf-8")
    environ = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ["HOME"],
        "GIT_CONFIG_NOSYSTEM": "1",
        "PYTHONPATH": str(ROOT),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(files / "output"),
        "GITHUB_STEP_SUMMARY": str(files / "summary"),
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "GITHUB_REPOSITORY": "octo/models",
        "GITHUB_API_URL": github.url,
        "GITHUB_SERVER_URL": "https://github.com",
        "RUNNER_TEMP": "/home/runner/work/_temp",  # a host path, not mounted (as on GitHub)
        "INPUT_TOKEN": TOKEN,
    }
    for name, value in inputs.items():
        environ[name] = value
    environ.update(env or {})
    proc = subprocess.run(
        [sys.executable, str(ENTRYPOINT)],
        cwd=workspace,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return ActionRun(
        returncode=proc.returncode,
        stdout=proc.stdout,
        stderr=proc.stderr,
        outputs=parse_outputs((files / "output").read_text(encoding="utf-8")),
        summary=(files / "summary").read_text(encoding="utf-8"),
        files=files,
    )


def assert_no_secret(run: ActionRun, workspace: Path) -> None:
    """No canary in the logs, the outputs, the summary, any file, or the git history."""
    # ::add-mask:: lines carry the secret to the runner, which never shows them.
    logged = [line for line in run.stdout.splitlines() if not line.startswith("::add-mask::")]
    texts = {"stdout": "\n".join(logged), "stderr": run.stderr, "summary": run.summary}
    texts["outputs"] = json.dumps(run.outputs)
    for root in (workspace, run.files):
        for path in root.rglob("*"):
            if path.is_file() and ".git" not in path.relative_to(root).parts[:1]:
                texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    texts["git log"] = git(workspace, "log", "--all", "-p", "--format=%H %s%n%b")
    texts[".git/config"] = (workspace / ".git" / "config").read_text(encoding="utf-8")
    for where, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, f"a secret leaked into {where}"


def first_line_with(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if needle in line)


BASE_INPUTS = {
    "INPUT_API-KEYS": f"# keys for the run\nMISTRAL_API_KEY={KEY}\n",
    "INPUT_PUBLISH": "none",
    "INPUT_FAIL_ON": "never",  # act's spelling of fail-on
}


def test_run_writes_dumps_outputs_summary_and_masks_first(workspace: Path, github) -> None:
    run = run_action(workspace, {**BASE_INPUTS, "INPUT_OUTPUT-DIR": "dumps"}, github=github)

    assert run.returncode == 0, run.stdout + run.stderr
    # Masks come before anything else, and the token and the key are among them.
    lines = run.stdout.splitlines()
    masks = [line for line in lines if line.startswith("::add-mask::")]
    assert f"::add-mask::{TOKEN}" in masks and f"::add-mask::{KEY}" in masks
    assert lines[: len(masks)] == masks
    # Each provider in a group; the failure as a warning annotation.
    assert "::group::mistral: new" in lines
    assert any(line.startswith("::group::broken: failed") for line in lines)
    assert lines.count("::endgroup::") == 2
    warning = next(line for line in lines if line.startswith("::warning "))
    assert "broken" in warning and "500" in warning

    dump = json.loads((workspace / "dumps" / "mistral.json").read_text(encoding="utf-8"))
    assert [m["id"] for m in dump["data"]] == ["model-000", "model-001"]
    assert not (workspace / "dumps" / "broken.json").exists()

    outputs = run.outputs
    assert set(outputs) == set(action.OUTPUTS)
    assert outputs["changed"] == "true"
    assert (outputs["added"], outputs["removed"], outputs["modified"]) == ("2", "0", "0")
    assert outputs["failed-providers"] == "broken"
    assert outputs["pull-request-operation"] == "none"
    assert outputs["pull-request-number"] == outputs["pull-request-url"] == ""
    assert outputs["report-path"] == ".dump-models/report.json"  # later steps run in the workspace
    report = json.loads((workspace / outputs["report-path"]).read_text(encoding="utf-8"))
    assert report["providers"]["mistral"]["added"] == ["model-000", "model-001"]
    assert report["totals"]["failed"] == 1

    assert "mistral" in run.summary and "broken" in run.summary
    assert_no_secret(run, workspace)


def test_fail_on_any_fails_the_step_after_reporting(workspace: Path, github) -> None:
    run = run_action(workspace, {**BASE_INPUTS, "INPUT_FAIL_ON": "any"}, github=github)

    assert run.returncode == 1
    assert run.outputs["failed-providers"] == "broken"  # outputs are written all the same
    assert (workspace / "models" / "mistral.json").is_file()
    assert_no_secret(run, workspace)


def test_fail_on_all_passes_when_one_provider_works(workspace: Path, github) -> None:
    run = run_action(
        workspace, {**BASE_INPUTS, "INPUT_FAIL-ON": "all", "INPUT_FAIL_ON": ""}, github=github
    )
    assert run.returncode == 0, run.stdout


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"INPUT_FAIL-ON": "sometimes"}, "input fail-on must be one of any, all, never"),
        ({"INPUT_DRY-RUN": "yes"}, "input dry-run must be true or false"),
        ({"INPUT_MAX-REMOVAL-RATIO": "lots"}, "input max-removal-ratio must be a number"),
        ({"INPUT_MAX-REMOVAL-RATIO": "nan"}, "input max-removal-ratio must be a number"),
        ({"INPUT_MAX-REMOVAL-RATIO": "inf"}, "input max-removal-ratio must be a number"),
        ({"INPUT_PUBLISH": "email"}, "input publish must be one of"),
        ({"INPUT_API-KEYS": f"mistral key {KEY}"}, "input api-keys, line 1: expected NAME=value"),
        ({"INPUT_BRANCH": "a..b"}, "input branch 'a..b' is not a valid branch name"),
        ({"INPUT_BASE": "x.lock"}, "input base 'x.lock' is not a valid branch name"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(workspace: Path, github, inputs, message) -> None:
    run = run_action(workspace, {**BASE_INPUTS, **inputs}, github=github)

    assert run.returncode == 2
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and message in errors[0], run.stdout
    assert not (workspace / "models").exists()  # nothing fetched, nothing written
    assert_no_secret(run, workspace)


def test_the_guard_hint_names_the_input(workspace: Path, github) -> None:
    """In the Action there is no --force to pass: the hint names the input."""
    previous = {"object": "list", "data": openai_models(10)}
    (workspace / "models").mkdir()
    (workspace / "models" / "mistral.json").write_text(json.dumps(previous), encoding="utf-8")
    run = run_action(workspace, BASE_INPUTS, github=github)

    assert run.returncode == 0, run.stdout + run.stderr
    hint = "would remove 8 of 10 (80% > 50%); set the input force: true to write it"
    warning = next(line for line in run.stdout.splitlines() if "mistral not written" in line)
    assert hint in warning.replace("%25", "%") and hint in run.summary.replace("&gt;", ">")
    assert "--force" not in run.stdout + run.summary


def test_under_act_the_run_is_dry_unless_told_otherwise(workspace: Path, github) -> None:
    inputs = {**BASE_INPUTS, "INPUT_PUBLISH": "pull-request"}
    run = run_action(workspace, inputs, env={"ACT": "true"}, github=github)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "dry run" in run.stdout
    # What it would publish: the title and the body the PR would get.
    assert "dump-models: dry run: would pull-request: Update LLM model listings: +" in run.stdout
    assert "### mistral" in run.stdout
    assert not (workspace / "models").exists()
    assert run.outputs["changed"] == "true"  # what the run would have changed
    assert run.outputs["pull-request-operation"] == "none"
    assert github.writes() == []
    assert git(workspace, "ls-remote", "--heads", "origin").count("refs/heads/") == 1
    assert_no_secret(run, workspace)

    real = run_action(
        workspace, {**BASE_INPUTS, "INPUT_DRY-RUN": "FALSE"}, env={"ACT": "true"}, github=github
    )
    assert real.returncode == 0, real.stdout + real.stderr
    assert (workspace / "models" / "mistral.json").is_file()


def test_opens_one_pull_request_then_leaves_it_unchanged(workspace: Path, github) -> None:
    inputs = {**BASE_INPUTS, "INPUT_PUBLISH": "pull-request", "INPUT_LABELS": "models"}
    run = run_action(workspace, inputs, github=github)

    assert run.returncode == 0, run.stdout + run.stderr
    (pull,) = github.open_pulls()
    assert run.outputs["pull-request-operation"] == "created"
    assert run.outputs["pull-request-number"] == str(pull["number"])
    assert run.outputs["pull-request-url"] == pull["html_url"]
    assert pull["html_url"] in run.summary
    assert pull["head"]["ref"] == "dump-models/update" and pull["base"]["ref"] == "main"
    assert "model-000" in pull["body"]
    files = git(workspace, "ls-tree", "-r", "--name-only", "origin/dump-models/update")
    assert "models/mistral.json" in files.splitlines()
    assert "models/broken.json" not in files
    assert_no_secret(run, workspace)
    for request in github.requests:
        assert TOKEN not in json.dumps(request.body)

    again = run_action(workspace, inputs, github=github)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.outputs["pull-request-operation"] == "unchanged"
    assert again.outputs["changed"] == "false"
    assert len(github.pulls) == 1


def test_publishing_failure_exits_1_with_the_known_fix(workspace: Path, github) -> None:
    github.forbid_create = True
    run = run_action(workspace, {**BASE_INPUTS, "INPUT_PUBLISH": "pull-request"}, github=github)

    assert run.returncode == 1
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "not permitted to create" in errors[0], run.stdout
    assert run.outputs["changed"] == "true"  # the outputs are written all the same
    assert_no_secret(run, workspace)


def test_keys_in_the_environment_are_masked_before_any_output(workspace: Path, github) -> None:
    """A provider key given as a step env var (the usual way) is masked first as well."""
    inputs = {"INPUT_PUBLISH": "none", "INPUT_FAIL-ON": "never"}
    other = "sk-canary-unused-provider-key-42"
    run = run_action(
        workspace, inputs, env={"MISTRAL_API_KEY": KEY, "ACME_API_KEY": other}, github=github
    )

    assert run.returncode == 0, run.stdout + run.stderr
    for secret in (KEY, other, TOKEN):
        assert first_line_with(run.stdout, secret) < first_line_with(run.stdout, "::group::")
    assert (workspace / "models" / "mistral.json").is_file()
    assert_no_secret(run, workspace)


MULTI_LINE_KEY = "sk-canary-multi-first-0123456789\n  sk-canary-multi-second-9876543210\n"


@pytest.mark.parametrize(
    ("inputs", "env", "code"),
    [
        ({"INPUT_API-KEYS": f"MISTRAL_API_KEY={MULTI_LINE_KEY}"}, {}, 2),  # line 2: no NAME=
        ({"INPUT_API-KEYS": ""}, {"MISTRAL_API_KEY": MULTI_LINE_KEY}, 0),
    ],
    ids=["api-keys", "variable"],
)
def test_a_multi_line_secret_is_masked_line_by_line_first(
    workspace: Path, github, inputs, env, code
) -> None:
    run = run_action(workspace, {**BASE_INPUTS, **inputs}, env=env, github=github)

    assert run.returncode == code, run.stdout + run.stderr
    parts = secret_lines(MULTI_LINE_KEY)
    assert len(parts) == 2
    lines = run.stdout.splitlines()
    masks = [line for line in lines if line.startswith("::add-mask::")]
    assert lines[: len(masks)] == masks  # masks first
    assert {f"::add-mask::{part}" for part in parts} <= set(masks)
    for line in lines:  # a part appears only in its own mask, never in clear
        for part in parts:
            assert part not in line or line == f"::add-mask::{part}", line
    for text in (run.stderr, run.summary, json.dumps(run.outputs)):
        assert not any(part in text for part in parts)


def test_the_report_leaves_the_checkout_clean(workspace: Path, github) -> None:
    """The report is in the workspace (the only directory later steps share), ignored by git."""
    run = run_action(workspace, {**BASE_INPUTS, "INPUT_FAIL_ON": "never"}, github=github)

    assert run.returncode == 0, run.stdout + run.stderr
    assert (workspace / run.outputs["report-path"]).is_file()
    status = git(workspace, "status", "--porcelain", "--untracked-files=all")
    assert ".dump-models" not in status


# --- paths: inside the workspace, outside .git, never through a symlink -----------------


def _outside(workspace: Path) -> Path:
    target = workspace.parent / "outside"
    target.mkdir(exist_ok=True)
    (target / "report.json").write_text("someone else's\n", encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("arrange", "inputs", "message"),
    [
        (lambda ws: None, {"INPUT_OUTPUT-DIR": "../outside"}, "leads outside the workspace"),
        (lambda ws: None, {"INPUT_OUTPUT-DIR": ".git/hooks"}, "leads into .git"),
        (
            lambda ws: (ws / ".dump-models").symlink_to(_outside(ws)),
            {},
            ".dump-models is a symbolic link",
        ),
        (
            lambda ws: (ws / ".dump-models").write_text("x", encoding="utf-8"),
            {},
            ".dump-models is a file",
        ),
        (
            lambda ws: (
                (ws / ".dump-models").mkdir(),
                (ws / ".dump-models" / "report.json").symlink_to(_outside(ws) / "report.json"),
            ),
            {},
            "report.json is a symbolic link",
        ),
    ],
    ids=["output-outside", "output-in-git", "dir-symlink", "dir-file", "report-symlink"],
)
def test_a_path_outside_the_workspace_or_through_a_link_exits_2_before_any_request(
    workspace: Path, providers: ProviderServer, github, arrange, inputs, message
) -> None:
    arrange(workspace)
    run = run_action(workspace, {**BASE_INPUTS, **inputs}, github=github)

    assert run.returncode == 2, run.stdout + run.stderr
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and message in errors[0], run.stdout
    assert providers.requests == []
    outside = workspace.parent / "outside"
    if outside.exists():
        assert sorted(p.name for p in outside.iterdir()) == ["report.json"]
        assert (outside / "report.json").read_text(encoding="utf-8") == "someone else's\n"
    assert not list((workspace / ".git" / "hooks").glob("*.json"))


# --- what the runner reads from the step's output ---------------------------------------


def secret_lines(*values: str) -> set[str]:
    """What the action masks: every non-empty stripped line of every secret."""
    return {part.strip() for value in values for part in value.splitlines() if part.strip()}


@pytest.fixture
def hostile_workspace(workspace: Path, providers: ProviderServer) -> Path:
    """The workspace with three more providers whose text is shaped like workflow commands,
    and a previous ``models/names.json`` so that changed field names are reported."""
    route_hostile(providers)
    config = workspace / ".github" / "dump-models.yml"
    lines = config.read_text(encoding="utf-8").splitlines()
    at = lines.index("settings: {retries: 0, timeout: 5}")
    config.write_text("\n".join([*lines[:at], *config_lines(providers), *lines[at:]]) + "\n")
    write_previous(workspace / "models")
    git(workspace, "add", ".")
    git(workspace, "commit", "--quiet", "-m", "hostile providers")
    git(workspace, "push", "--quiet", "origin", "main")
    return workspace


@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_no_provider_text_becomes_a_workflow_command(hostile_workspace: Path, github, dry_run):
    inputs = {**BASE_INPUTS, "INPUT_DRY-RUN": dry_run}
    run = run_action(hostile_workspace, inputs, github=github)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "HOSTILE" in run.stdout  # the text is shown, inert
    if dry_run == "true":
        assert "<summary>Other field changes" in run.stdout
    masks = secret_lines(KEY, TOKEN)
    assert foreign_commands(run.stdout, masks) == [], run.stdout
    assert foreign_commands(run.stderr, masks) == [], run.stderr
    # The tool's own commands, and no more: one warning per failed provider, no error.
    names = [c.name for c in commands_in(run.stdout)]
    assert names.count("warning") == 3  # broken, deny, keys
    assert names.count("error") == 0
    assert names.count("group") == names.count("endgroup") == 5
    assert_no_secret(run, hostile_workspace)


def test_job_summary_with_the_pull_request_line_stays_under_1_mib(
    workspace: Path, github, providers
) -> None:
    """GitHub drops a step summary over 1 MiB of UTF-8 whole: CJK text is 3 bytes a character."""
    models = [{"id": f"{'模型' * 45}-{i:05d}"} for i in range(6000)]
    providers.route("/v1/models", openai_style(models, key=KEY))
    run = run_action(workspace, {**BASE_INPUTS, "INPUT_PUBLISH": "pull-request"}, github=github)

    assert run.returncode == 0, run.stdout + run.stderr
    (pull,) = github.open_pulls()
    size = len(run.summary.encode("utf-8"))
    assert size <= 1024 * 1024 and "_Report shortened to fit" in run.summary
    assert run.summary.rstrip("\n").endswith(f"Pull request (created): {pull['html_url']}")
    assert len(pull["body"]) <= 60000
    assert_no_secret(run, workspace)


# --- pure helpers -----------------------------------------------------------------------


def test_outputs_use_the_delimiter_form_for_multi_line_values() -> None:
    text = action.format_outputs({"one": "1", "many": "a\nb"})
    assert text.startswith("one=1\nmany<<ghadelimiter_")
    assert parse_outputs(text) == {"one": "1", "many": "a\nb"}
    delimiter = re.search(r"many<<(\S+)", text).group(1)
    assert text.endswith(f"\n{delimiter}\n")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"INPUT_OUTPUT-DIR": "a"}, "a"),
        ({"INPUT_OUTPUT_DIR": "b"}, "b"),
        ({"INPUT_OUTPUT-DIR": "", "INPUT_OUTPUT_DIR": "c"}, "c"),
        ({}, ""),
    ],
)
def test_inputs_are_read_in_githubs_and_acts_spelling(environ, expected) -> None:
    assert raw(environ, "output-dir") == expected


def test_job_summary_backstop_cuts_to_1_mib_between_characters() -> None:
    assert action.job_summary("report\n\n") == "report\n"
    text = action.job_summary("模" * 400_000 + "\nPull request (created): https://x/pull/1\n")
    assert len(text.encode("utf-8")) <= 1024 * 1024 and set(text) == {"模"}


def test_input_catalog_commits_catalog_json_with_the_dumps(workspace: Path, github) -> None:
    inputs = {**BASE_INPUTS, "INPUT_PUBLISH": "pull-request", "INPUT_CATALOG": "true"}
    run = run_action(workspace, inputs, github=github)

    assert run.returncode == 0, run.stdout + run.stderr
    branch = "origin/dump-models/update"
    files = git(workspace, "ls-tree", "-r", "--name-only", branch).splitlines()
    assert "models/catalog.json" in files and "models/mistral.json" in files
    catalog = json.loads(git(workspace, "show", f"{branch}:models/catalog.json"))
    assert catalog["providers"] == ["mistral"]
    assert [m["id"] for m in catalog["models"]] == ["model-000", "model-001"]
    (pull,) = github.open_pulls()
    assert "catalog" not in pull["title"]  # a derived file: no provider of its own
    assert_no_secret(run, workspace)

    again = run_action(workspace, inputs, github=github)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.outputs["pull-request-operation"] == "unchanged"
