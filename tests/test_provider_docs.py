"""docs/providers.md and docs/report.md hold the registry, the mapping tables and the normalized
fields as the code has them; no file cites documents the repository does not hold."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from dump_models.normalize import (
    DEFAULT_NAME_PATHS,
    MAPPINGS,
    NAME_PATHS,
    NORMALIZED_FIELDS,
    mapping_for,
)
from dump_models.providers import builtin_registry
from dump_models.records import ModelRecord

ROOT = Path(__file__).resolve().parent.parent
PROVIDERS_DOC = (ROOT / "docs" / "providers.md").read_text(encoding="utf-8")
REPORT_DOC = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
CELL = re.compile(r"`([^`]*)`")


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _registry_row(spec) -> str:
    query = "&".join(f"{key}={value}" for key, value in spec.params.items())
    url = spec.url + (f"?{query}" if query else "")
    keys = ", ".join(f"`{name}`" for name in spec.key_env) or "none"
    if spec.key_optional and spec.key_env:
        keys += " (optional)"
    models = "top-level array" if spec.list_key is None else f"`{spec.list_key}`"
    volatile = ", ".join(f"`{path}`" for path in spec.volatile_fields) or "\u2014"
    cells = [f"`{spec.name}`", f"`{url}`", keys, spec.auth, models, f"`{spec.id_field}`"]
    return "| " + " | ".join([*cells, spec.paging, volatile]) + " |"


def test_the_registry_table_is_the_registry():
    rows = [line for line in PROVIDERS_DOC.splitlines() if line.startswith("| `")]
    expected = [_registry_row(spec) for spec in builtin_registry().values()]
    shown = [row for row in rows if row.count("|") == 9]
    assert shown == expected, "\n".join(expected)


def _mapping_tables() -> dict[str, list[tuple[str, str]]]:
    section = _section(PROVIDERS_DOC, "## Mapping onto the normalized fields")
    tables: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in section.splitlines():
        if line.startswith("### "):
            current = line[4:].split(" ")[0]
            tables[current] = []
        elif current and line.startswith("| `"):
            path, name = CELL.findall(line)[:2]
            tables[current].append((path, name))
    return tables


def test_the_mapping_tables_are_the_mappings():
    tables = _mapping_tables()
    tables.pop("Display")
    generic = tables.pop("Any")
    assert tables == {
        provider: [(path, name) for path, name, _transform in rows]
        for provider, rows in MAPPINGS.items()
    }
    assert generic == [(path, name) for path, name, _t in mapping_for("any-other").rows]


def test_the_display_name_table_is_the_name_paths():
    section = _section(PROVIDERS_DOC, "### Display names").split("\n### ")[1]
    rows = [line.split("|")[1:3] for line in section.splitlines() if line.startswith("| ")]
    shown = {
        provider.strip().strip("`"): tuple(CELL.findall(paths))
        for provider, paths in rows[2:]  # header and rule
    }
    assert shown == {"any": DEFAULT_NAME_PATHS, **NAME_PATHS}


def test_the_normalized_fields_are_the_records_fields():
    section = _section(REPORT_DOC, "## Normalized fields")
    cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    assert [name for cell in cells for name in CELL.findall(cell)] == list(NORMALIZED_FIELDS)
    fields = [f.name for f in dataclasses.fields(ModelRecord)]
    assert fields == ["provider", "id", "name", *NORMALIZED_FIELDS, "raw", "unreadable"]


def _repository_files() -> list[Path]:
    top = [path for path in ROOT.iterdir() if path.is_file()]
    folders = ("dump_models", "tests", "benchmarks", "docs", ".ci", ".github")
    return top + [path for name in folders for path in (ROOT / name).rglob("*") if path.is_file()]


def test_no_file_cites_documents_outside_the_repository():
    outside = re.compile("SPEC" + r" ?§|PROVIDERS" + r"\.md")
    citing = []
    for path in _repository_files():
        if path.suffix in (".py", ".md", ".yml", ".yaml", ".sh", ".toml", ""):
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            name = path.relative_to(ROOT)
            citing += [f"{name}:{n}" for n, line in enumerate(lines, 1) if outside.search(line)]
    assert citing == []
