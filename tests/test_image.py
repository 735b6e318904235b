"""The built image, run the way GitHub runs a Docker action (with buildah: no Docker here).

The image is built by ``.ci/image.sh`` (``.ci/run`` does it before the tests) and named after
a hash of this checkout's sources (``.ci/image_tag.py``): these tests run that exact image, never
one built from other sources (``DUMP_MODELS_IMAGE`` names another on purpose). Its own
ENTRYPOINT runs with the workspace mounted at ``/github/workspace``, the file commands under
``/github/file_commands``, ``INPUT_*`` and ``GITHUB_*`` set, against loopback providers and a
loopback GitHub API (``--network host``). Without buildah or that image, these tests fail when
``CI=true`` and are skipped otherwise.
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from github_server import FakeGitHub
from provider_server import ProviderServer, openai_models, openai_style
from test_action import KEY, TOKEN, git, parse_outputs

pytestmark = pytest.mark.image

ROOT = Path(__file__).resolve().parent.parent
IMAGE_TAG = runpy.run_path(str(ROOT / ".ci" / "image_tag.py"))
# The image .ci/image.sh builds from this checkout's sources, unless one is named on purpose.
IMAGE = os.environ.get("DUMP_MODELS_IMAGE") or IMAGE_TAG["image_name"](ROOT)
BUILDAH = ["buildah", "--storage-driver", "vfs"]


def buildah(*args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*BUILDAH, *args], capture_output=True, text=True, check=check, timeout=timeout
    )


@pytest.fixture(scope="module")
def entrypoint() -> list[str]:
    """The image's own ENTRYPOINT, as GitHub would run it."""
    problem = None
    if shutil.which("buildah") is None:
        problem = "buildah is not installed"
    elif buildah("inspect", "--type", "image", IMAGE, check=False).returncode != 0:
        problem = f"image {IMAGE} is not built"
        if "DUMP_MODELS_IMAGE" not in os.environ:
            problem += " from this checkout's sources (another build does not count)"
    if problem:
        message = f"{problem}: run .ci/image.sh first"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    text = buildah("inspect", "--format", "{{.OCIv1.Config.Entrypoint}}", IMAGE).stdout
    command = text.strip().strip("[]").split()
    assert command and all(part.startswith("/") for part in command), text
    return command


@pytest.fixture
def container(entrypoint):
    name = f"dump-models-test-{uuid.uuid4().hex[:8]}"
    buildah("from", "--pull-never", "--name", name, IMAGE)
    yield name
    buildah("rm", name, check=False)


def test_image_dumps_into_the_mounted_workspace_and_opens_a_pull_request(
    tmp_path: Path, entrypoint: list[str], container: str
) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    ws = tmp_path / "workspace"
    git(tmp_path, "clone", "--quiet", str(remote), str(ws))
    git(ws, "checkout", "--quiet", "-b", "main")
    (ws / "README.md").write_text("models\n", encoding="utf-8")
    git(ws, "add", ".")
    git(ws, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "initial")
    git(ws, "push", "--quiet", "origin", "main")
    files = tmp_path / "file_commands"
    files.mkdir()
    (files / "output").write_text("", encoding="utf-8")
    (files / "summary").write_text("", encoding="utf-8")
    workflow = tmp_path / "workflow"
    workflow.mkdir()
    (workflow / "event.json").write_text("{}", encoding="utf-8")
    home = tmp_path / "home_in_container"
    home.mkdir()

    with (
        ProviderServer() as provider,
        FakeGitHub(token=TOKEN, repository="octo/models") as github,
    ):
        provider.route("/v1/models", openai_style(openai_models(3), key=KEY))
        env = {
            "HOME": "/github/home",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": "/github/workspace",
            "GITHUB_OUTPUT": "/github/file_commands/output",
            "GITHUB_STEP_SUMMARY": "/github/file_commands/summary",
            "GITHUB_EVENT_PATH": "/github/workflow/event.json",
            "GITHUB_REPOSITORY": "octo/models",
            "GITHUB_API_URL": github.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "RUNNER_TEMP": "/home/runner/work/_temp",  # a host path, not mounted (as on GitHub)
            "MISTRAL_API_KEY": KEY,
            "INPUT_TOKEN": TOKEN,
            "INPUT_PROVIDERS": "mistral",
            "INPUT_OUTPUT-DIR": "models",
            "INPUT_PUBLISH": "pull-request",
            "INPUT_FAIL-ON": "any",
        }
        # A built-in provider pointed at the loopback server by the workspace's config.
        config = ws / ".github" / "dump-models.yml"
        config.parent.mkdir()
        config.write_text(f"providers:\n  mistral: {{endpoint: '{provider.url}/v1'}}\n")
        if os.geteuid() == 0:
            # As on GitHub: the workspace belongs to the runner's user, not to the
            # container's root, which makes git see "dubious ownership".
            for path in [ws, *ws.rglob("*")]:
                os.lchown(path, 1001, 1001)
        args = ["run", "--isolation", "chroot", "--network", "host"]
        args += ["--workingdir", "/github/workspace"]
        for host, inside in (
            (ws, "/github/workspace"),
            (files, "/github/file_commands"),
            (workflow, "/github/workflow"),
            (home, "/github/home"),
            (remote, str(remote)),  # origin, at the path the clone recorded
        ):
            args += ["-v", f"{host}:{inside}:rw"]
        for name, value in env.items():
            args += ["-e", f"{name}={value}"]
        proc = buildah(*args, container, "--", *entrypoint, check=False)

        assert proc.returncode == 0, proc.stdout + proc.stderr
        dump = json.loads((ws / "models" / "mistral.json").read_text(encoding="utf-8"))
        assert [m["id"] for m in dump["data"]] == ["model-000", "model-001", "model-002"]
        outputs = parse_outputs((files / "output").read_text(encoding="utf-8"))
        assert outputs["changed"] == "true" and outputs["added"] == "3"
        assert outputs["pull-request-operation"] == "created"
        assert outputs["pull-request-number"] == "1"
        assert (ws / outputs["report-path"]).is_file()
        assert "mistral" in (files / "summary").read_text(encoding="utf-8")
        assert [p["head"]["ref"] for p in github.open_pulls()] == ["dump-models/update"]
        tree = git(
            ws,
            "-c",
            "safe.directory=*",
            "ls-tree",
            "-r",
            "--name-only",
            "origin/dump-models/update",
        )
        assert "models/mistral.json" in tree.splitlines()
        logged = [line for line in proc.stdout.splitlines() if not line.startswith("::add-mask::")]
        for secret in (KEY, TOKEN):
            assert secret not in "\n".join(logged) + proc.stderr
            assert secret not in (ws / ".git" / "config").read_text(encoding="utf-8")


def test_image_has_git_and_a_supported_python(container: str) -> None:
    proc = buildah(
        "run", "--isolation", "chroot", container, "--",
        "/opt/venv/bin/python", "-c",
        "import sys, dump_models.action; assert sys.version_info >= (3, 10)",
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    git_version = buildah("run", "--isolation", "chroot", container, "--", "git", "--version")
    assert git_version.stdout.startswith("git version")
