"""What ``pip install .`` (the container image) installs: every package of the source tree."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_of_the_source_tree_is_installed():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "dump_models").rglob("__init__.py")
    }
    assert found <= listed, f"not installed by pip: {sorted(found - listed)}"


def test_every_data_file_of_the_package_is_installed():
    """The registry and the catalog's JSON Schema (docs/catalog.md) reach the wheel."""
    from fnmatch import fnmatch

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["dump_models"]
    data = [
        path.relative_to(ROOT / "dump_models").as_posix()
        for path in (ROOT / "dump_models").rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    ]
    assert "schemas/catalog.schema.json" in data
    assert [name for name in data if not any(fnmatch(name, p) for p in patterns)] == []
