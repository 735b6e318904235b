""".ci/image_tag.py: the image tests run the image of this checkout's sources, and only that."""

from __future__ import annotations

import os
import runpy
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IMAGE_TAG = runpy.run_path(str(ROOT / ".ci" / "image_tag.py"))
image_name = IMAGE_TAG["image_name"]
hashed_files = IMAGE_TAG["hashed_files"]

DOCKERFILE = """\
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}
COPY pyproject.toml entrypoint.py /src/
COPY --chown=0:0 pkg /src/pkg
COPY --from=builder /opt/venv /opt/venv
RUN python3 -m venv /opt/venv \\
    && /opt/venv/bin/pip install /src
"""


@pytest.fixture
def context(tmp_path: Path) -> Path:
    """A build context: what the Dockerfile copies, and what it does not."""
    (tmp_path / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    for name, text in {
        "pyproject.toml": "[project]\n",
        "entrypoint.py": "print('hi')\n",
        "pkg/__init__.py": "",
        "pkg/sub/data.yml": "a: 1\n",
        "pkg/__pycache__/__init__.cpython-311.pyc": "bytecode",
        "tests/test_x.py": "def test(): pass\n",
        "README.md": "not copied here\n",
    }.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_hash_covers_the_dockerfile_and_what_it_copies(context: Path):
    assert [p.as_posix() for p in hashed_files(context)] == [
        "Dockerfile",
        "entrypoint.py",
        "pkg/__init__.py",
        "pkg/sub/data.yml",
        "pyproject.toml",
    ]


@pytest.mark.parametrize(
    "changed", ["Dockerfile", "entrypoint.py", "pkg/sub/data.yml", "pkg/new.py"]
)
def test_a_change_to_a_copied_file_changes_the_name(context: Path, changed: str):
    before = image_name(context)
    path = context / changed
    with path.open("a", encoding="utf-8") as file:
        file.write("# changed\n")
    assert image_name(context) != before
    assert image_name(context).startswith("localhost/dump-models:")


@pytest.mark.parametrize(
    "changed", ["tests/test_x.py", "README.md", "pkg/__pycache__/__init__.cpython-311.pyc"]
)
def test_what_the_image_does_not_hold_leaves_the_name(context: Path, changed: str):
    before = image_name(context)
    (context / changed).write_text("changed\n", encoding="utf-8")
    os.utime(context / "entrypoint.py", (0, 0))  # times are not content
    assert image_name(context) == before


def test_the_name_depends_on_content_not_on_where_the_checkout_is(context: Path, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("other") / "checkout"
    shutil.copytree(context, elsewhere)
    assert image_name(elsewhere) == image_name(context)


def test_this_repository_s_image_is_named_from_every_source_it_holds():
    files = {p.as_posix() for p in hashed_files(ROOT)}
    assert {"Dockerfile", "pyproject.toml", "README.md", "entrypoint.py"} <= files
    assert {"dump_models/fetch.py", "dump_models/providers.yml"} <= files
    assert not [f for f in files if f.startswith(("tests/", ".ci/")) or "__pycache__" in f]
