"""action.yml, the inputs the entrypoint reads, and the README's tables say the same thing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from dump_models import action

ROOT = Path(__file__).resolve().parent.parent


def action_yml() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def readme_table_names(heading: str) -> list[str]:
    """The backticked names in the first column of the table under ``### <heading>``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^### {heading}\s*$(.*?)(?=^#{{1,3}} |\Z)", text, re.M | re.S)
    assert match, f"README.md has no '### {heading}' section"
    names = []
    for line in match.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and cells:
            names += re.findall(r"`([^`]+)`", cells[0])
    assert names, f"README.md's '### {heading}' section has no table of `names`"
    return names


def test_action_yml_inputs_are_what_the_entrypoint_reads() -> None:
    inputs = action_yml()["inputs"]
    assert list(inputs) == list(action.INPUT_DEFAULTS)
    for name, spec in inputs.items():
        assert str(spec.get("default", "")) == action.INPUT_DEFAULTS[name], name
        assert spec.get("description"), f"input {name} has no description"
        assert not spec.get("required", False), f"input {name}: every input is optional"

    # The entrypoint really reads every one of them (and nothing else).
    environ = {f"INPUT_{name.upper()}": "" for name in inputs}
    reader = action.InputReader(environ)
    action.parse_inputs(reader, under_act=False)
    assert reader.read == set(inputs)


def test_action_yml_outputs_are_what_the_entrypoint_writes() -> None:
    outputs = action_yml()["outputs"]
    assert list(outputs) == list(action.OUTPUTS)
    assert all(spec.get("description") for spec in outputs.values())


def test_action_yml_runs_the_dockerfile() -> None:
    assert action_yml()["runs"] == {"using": "docker", "image": "Dockerfile"}
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r'^ENTRYPOINT \["/[^"]+", "/[^"]+entrypoint\.py"\]$', dockerfile, re.M)
    assert not re.search(r"^(USER|WORKDIR)\b", dockerfile, re.M)


@pytest.mark.parametrize(
    ("heading", "names"),
    [("Inputs", list(action.INPUT_DEFAULTS)), ("Outputs", list(action.OUTPUTS))],
)
def test_readme_documents_every_input_and_output(heading: str, names: list[str]) -> None:
    assert sorted(readme_table_names(heading)) == sorted(names)


def test_the_repository_workflow_passes_only_declared_inputs() -> None:
    workflow = yaml.safe_load(
        (ROOT / ".github" / "workflows" / "update-models.yml").read_text(encoding="utf-8")
    )
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    (ours,) = [s for s in steps if s.get("uses") == "./"]
    assert set(ours.get("with", {})) <= set(action.INPUT_DEFAULTS)
