"""Fan-out on GitHub Actions (docs/scale.md): `plan --json` is the matrix, each shard is a
`run` of one provider, `publish --reports DIR` publishes what the shards left."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from git_helpers import git
from github_server import FakeGitHub
from provider_server import ProviderServer, Reply, openai_models, openai_style

from dump_models.canonical import canonical_document, dumps
from dump_models.cli import main
from dump_models.providers import ProviderSpec

TOKEN = "ghs_CANARY_fan_out_token"
KEY = "sk-CANARY-fan-out-mistral"


def test_plan_json_is_a_matrix_of_the_configured_providers(tmp_path, monkeypatch, capsys):
    (tmp_path / "c.yml").write_text(
        "providers:\n"
        "  openrouter: {}\n"
        "  mistral: {}\n"
        "  gemini: {}\n"
        "  acme: {endpoint: 'https://acme.example/v1', api_key_env: ACME_TOKEN}\n"
        "  open: {endpoint: 'https://open.example/v1', auth: none}\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MISTRAL_API_KEY", KEY)
    assert main(["plan", "--json", "--config", "c.yml"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == {
        "include": [
            {"provider": "openrouter", "key_env": "OPENROUTER_API_KEY"},
            {"provider": "mistral", "key_env": "MISTRAL_API_KEY"},
            {"provider": "gemini", "key_env": "GEMINI_API_KEY"},
            {"provider": "acme", "key_env": "ACME_TOKEN"},
            {"provider": "open", "key_env": ""},
        ]
    }
    assert out.count("\n") == 1 and "CANARY" not in out  # one line for $GITHUB_OUTPUT
    assert main(["plan", "--config", "c.yml", "--providers", "open,mistral"]) == 0
    assert capsys.readouterr().out.splitlines() == ["open", "mistral  MISTRAL_API_KEY"]


def test_plan_without_a_provider_list_says_the_matrix_depends_on_the_keys_here(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    for name in ("OPENAI_API_KEY", "MISTRAL_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert main(["plan", "--json"]) == 0
    captured = capsys.readouterr()
    assert [row["provider"] for row in json.loads(captured.out)["include"]] == ["openrouter"]
    assert captured.err.count("\n") == 1 and "lists no providers" in captured.err


# --- publish --reports ------------------------------------------------------------------


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(bare), str(work))
    (work / "models").mkdir()
    for name in ("alpha", "beta", "gamma"):
        document = {"object": "list", "data": openai_models(2, name)}
        (work / "models" / f"{name}.json").write_text(json.dumps(document, indent=2) + "\n")
    (work / ".github").mkdir()
    (work / ".github/dump-models.yml").write_text(
        "providers:\n"
        + "".join(
            f"  {name}: {{endpoint: 'https://{name}.example/v1', auth: none}}\n"
            for name in ("alpha", "beta", "gamma", "delta")
        )
    )
    git(work, "add", ".")
    git(work, "commit", "-qm", "seed")
    git(work, "push", "-q", "origin", "main")
    return work


def shard_report(name: str, status: str, **fields) -> dict:
    entry = {
        "status": status,
        "error": None,
        "models_before": 2,
        "models_after": 2,
        "added": [],
        "removed": [],
        "changed": {},
        **fields,
    }
    totals = {"providers": 1, "changed_providers": int(status in ("changed", "new"))}
    return {"version": 1, "totals": totals, "providers": {name: entry}}


def publish_env(monkeypatch, checkout: Path, github: FakeGitHub) -> None:
    monkeypatch.chdir(checkout)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", github.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", github.repository)


def test_publish_reports_shows_every_shard_failed_and_missing_ones_too(
    checkout, monkeypatch, capsys
):
    # alpha's shard changed its file; beta's failed; gamma's was unchanged; delta's shard
    # never uploaded anything.
    document = {"object": "list", "data": openai_models(3, "alpha")}
    (checkout / "models/alpha.json").write_text(json.dumps(document, indent=2) + "\n")
    reports = checkout / "shard-reports"
    reports.mkdir()
    added = {"added": ["alpha-002"], "models_after": 3}
    for name, status, fields in [
        ("alpha", "changed", added),
        ("beta", "failed", {"error": "HTTP 500: upstream down"}),
        ("gamma", "unchanged", {}),
    ]:
        (reports / f"{name}.json").write_text(json.dumps(shard_report(name, status, **fields)))
    with FakeGitHub(token=TOKEN) as github:
        publish_env(monkeypatch, checkout, github)
        assert main(["publish", "--reports", "shard-reports"]) == 0
        out = capsys.readouterr().out
        [pull] = github.open_pulls()
    body = pull["body"]
    assert pull["title"] == "Update LLM model listings: +1 −0 ~0 (alpha)"
    assert "alpha-002" in body
    assert "- **beta** failed: HTTP 500: upstream down" in body
    assert "- **delta** failed: its shard sent no report" in body
    assert "gamma" not in body  # unchanged, as a single run's pull request says
    assert "delta: failed: its shard sent no report" in out
    files = git(checkout, "show", "--name-only", "--format=", "origin/dump-models/update")
    dumps = [path for path in files.splitlines() if path.endswith(".json")]
    assert dumps == ["models/alpha.json"]  # the reports are not committed
    assert "CANARY" not in body + out


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda ws: None, "--reports 'shard-reports': no such directory"),
        (lambda ws: (ws / "shard-reports").write_text("x"), "is not a directory"),
        (
            lambda ws: _two_reports_of(ws, "beta"),
            "beta is reported twice, differently (shard-reports/a.json, shard-reports/b.json)",
        ),
    ],
    ids=["missing", "file", "conflict"],
)
def test_publish_reports_refuses_a_directory_it_cannot_read_as_one_line(
    checkout, monkeypatch, capsys, setup, message
):
    setup(checkout)
    monkeypatch.chdir(checkout)
    assert main(["publish", "--dry-run", "--reports", "shard-reports"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def _two_reports_of(workspace: Path, name: str) -> None:
    reports = workspace / "shard-reports"
    reports.mkdir()
    (reports / "a.json").write_text(json.dumps(shard_report(name, "unchanged")))
    (reports / "b.json").write_text(json.dumps(shard_report(name, "failed", error="x")))


def test_an_unreadable_report_is_named_and_its_shard_counts_as_missing(
    checkout, monkeypatch, capsys
):
    document = {"object": "list", "data": openai_models(3, "alpha")}
    (checkout / "models/alpha.json").write_text(json.dumps(document, indent=2) + "\n")
    reports = checkout / "shard-reports"
    reports.mkdir()
    (reports / "alpha.json").write_text('{"version": 1, "providers": {"alpha": {"status": "??"}}')
    (reports / "beta.json").write_text(json.dumps(shard_report("beta", "failed", error="boom")))
    (reports / "gamma.json").symlink_to(checkout / "models/gamma.json")
    monkeypatch.chdir(checkout)
    assert main(["publish", "--dry-run", "--reports", "shard-reports"]) == 0
    out = capsys.readouterr().out
    assert "warning: shard-reports/alpha.json is not a report of dump-models run" in out
    assert "warning: shard-reports/gamma.json is not a regular file" in out
    for name in ("alpha", "gamma", "delta"):
        assert f"{name}: failed: its shard sent no report" in out
    assert "- **beta** failed: boom" in out


# --- the example workflow's flow, shard by shard as separate processes ----------------------

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "examples" / "workflows" / "fan-out.yml"
SECRET = "sk-CANARY-fan-out-gamma-key"


def step(job: str, step_id: str) -> dict:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    [found] = [s for s in workflow["jobs"][job]["steps"] if s.get("id") == step_id]
    return found


def expand(text: str, context: dict[str, str]) -> str:
    """The workflow's ``${{ ... }}`` expressions this flow uses, evaluated from ``context``."""

    def value(match: re.Match) -> str:
        expression = match.group(1)
        assert expression in context, f"the test does not know {expression!r}: update it"
        return context[expression]

    return re.sub(r"\$\{\{\s*(.+?)\s*\}\}", value, text)


def run_step(job: str, step_id: str, cwd: Path, context: dict[str, str], **env: str) -> int:
    """A step's ``run`` script as the runner runs it (bash -eo pipefail), with its ``env``."""
    found = step(job, step_id)
    variables = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", str(cwd)),
        **{name: expand(str(value), context) for name, value in found.get("env", {}).items()},
        **env,
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", found["run"]],
        cwd=cwd,
        env=variables,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode


def upload(job_dir: Path, artifacts: Path, context: dict[str, str]) -> None:
    """actions/upload-artifact with the upload step's paths: each file kept at its path
    from the workspace (their common ancestor), a missing one ignored."""
    found = step("shard", "upload")["with"]
    target = artifacts / expand(found["name"], context)
    for line in found["path"].splitlines():
        relative = expand(line.strip(), context)
        if relative and (job_dir / relative).is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(job_dir / relative, target / relative)


def download(artifacts: Path, job_dir: Path) -> None:
    """actions/download-artifact with pattern shard-* and merge-multiple: into the workspace."""
    pattern = step("publish", "download")["with"]["pattern"]
    for artifact in sorted(artifacts.glob(pattern)):
        shutil.copytree(artifact, job_dir, dirs_exist_ok=True)


def test_the_example_workflows_fan_out_shard_by_shard_then_one_pull_request(tmp_path):
    # alpha changes, beta's provider fails, gamma (keyed) is unchanged, delta's job dies
    # before its upload: the pull request says all of it.
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(bare), str(seed))
    gamma_models = openai_models(2, "gamma")
    with ProviderServer() as server, FakeGitHub(token=TOKEN) as github:
        server.route("/alpha/models", openai_style(openai_models(3, "alpha")))
        server.route("/beta/models", lambda request: Reply(500, {"error": "upstream down"}))
        server.route("/gamma/models", openai_style(gamma_models, key=SECRET))
        server.route("/delta/models", openai_style(openai_models(1, "delta")))
        (seed / ".github").mkdir()
        (seed / ".github/dump-models.yml").write_text(
            "providers:\n"
            f"  alpha: {{endpoint: '{server.url}/alpha', auth: none}}\n"
            f"  beta: {{endpoint: '{server.url}/beta', auth: none}}\n"
            f"  gamma: {{endpoint: '{server.url}/gamma', api_key_env: GAMMA_KEY}}\n"
            f"  delta: {{endpoint: '{server.url}/delta', auth: none}}\n"
            "settings: {retries: 0}\n"
        )
        (seed / "models").mkdir()
        for name, models in [("alpha", openai_models(2, "alpha")), ("gamma", gamma_models)]:
            spec = ProviderSpec(name=name, endpoint="unused")
            document, _ = canonical_document(spec, {"object": "list", "data": models})
            (seed / f"models/{name}.json").write_text(dumps(document))  # as a run writes it
        git(seed, "add", ".")
        git(seed, "commit", "-qm", "seed")
        git(seed, "push", "-q", "origin", "main")

        def job(name: str) -> Path:
            path = tmp_path / name
            git(tmp_path, "clone", "-q", str(bare), str(path))
            return path

        plan_dir = job("plan")
        outputs = tmp_path / "plan-output"
        assert run_step("plan", "plan", plan_dir, {}, GITHUB_OUTPUT=str(outputs)) == 0
        [line] = outputs.read_text().splitlines()
        matrix = json.loads(line.removeprefix("matrix="))
        assert [row["provider"] for row in matrix["include"]] == ["alpha", "beta", "gamma", "delta"]

        artifacts = tmp_path / "artifacts"
        secrets = {"GAMMA_KEY": SECRET, "OTHER_KEY": "sk-CANARY-not-for-shards"}
        codes = {}
        for row in matrix["include"]:
            context = {
                "matrix.provider": row["provider"],
                "matrix.key_env": row["key_env"],
                "secrets[matrix.key_env]": secrets.get(row["key_env"], ""),
            }
            shard_dir = job(f"shard-{row['provider']}")
            codes[row["provider"]] = run_step("shard", "shard", shard_dir, context)
            if row["provider"] != "delta":  # its job died before the upload
                upload(shard_dir, artifacts, context)
        assert codes == {"alpha": 0, "beta": 1, "gamma": 0, "delta": 0}

        publish_dir = job("publish")
        download(artifacts, publish_dir)
        environment = {
            "GITHUB_API_URL": github.url,
            "GITHUB_REPOSITORY": github.repository,
        }
        context = {"github.token": TOKEN}
        assert run_step("publish", "publish", publish_dir, context, **environment) == 0
        [pull] = github.open_pulls()
        [gamma_request] = server.requests_to("/gamma/models")
    body = pull["body"]
    assert pull["title"] == "Update LLM model listings: +1 −0 ~0 (alpha)"
    assert "alpha-002" in body
    assert "- **beta** failed: HTTP 500" in body
    assert "- **delta** failed: its shard sent no report" in body
    assert "gamma" not in body  # its shard had its key, and nothing changed
    assert gamma_request.header("authorization") == f"Bearer {SECRET}"
    committed = git(publish_dir, "show", "--name-only", "--format=", "origin/dump-models/update")
    assert [path for path in committed.splitlines() if path.endswith(".json")] == [
        "models/alpha.json"
    ]
    shared = [p.read_text() for p in artifacts.rglob("*.json")]
    assert all("CANARY" not in text for text in [body, *shared])
