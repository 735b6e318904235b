"""action.yml, the vocabulary (dump_models/inputs.py), the CLI and the README's tables say the
same thing."""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from dump_models import action, inputs
from dump_models.cli import build_parser

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


ACTION_INPUTS = [option.name for option in inputs.ACTION_INPUTS]


def test_action_yml_inputs_are_the_vocabularys_with_the_same_defaults() -> None:
    declared = action_yml()["inputs"]
    assert list(declared) == ACTION_INPUTS
    for name, spec in declared.items():
        assert str(spec.get("default", "")) == inputs.BY_NAME[name].default, name
        assert spec.get("description"), f"input {name} has no description"
        assert not spec.get("required", False), f"input {name}: every input is optional"


def test_the_declared_defaults_read_as_inputs_not_given() -> None:
    """GitHub sends every input, with action.yml's default when the workflow sets none: that
    must read as the Inputs' own defaults (the token's default is an expression)."""
    defaults = {
        f"INPUT_{name.upper()}": str(spec.get("default", ""))
        for name, spec in action_yml()["inputs"].items()
        if name != "token"
    }
    assert inputs.from_environment(defaults) == inputs.from_environment({}) == inputs.Inputs()


def test_every_input_fills_its_own_field() -> None:
    fields = [f.name for f in dataclasses.fields(inputs.Inputs)]
    assert sorted(fields) == sorted(option.field for option in inputs.OPTIONS)
    for option in inputs.ACTION_INPUTS:
        # A value unlike the default, of the input's kind, reaches its field and no other.
        text = {"bool": "true", "ratio": "0.25", "keys": "MY_KEY=v"}.get(option.kind, "x")
        text = option.choices[-1] if option.choices else text
        given = inputs.from_environment({f"INPUT_{option.name.upper()}": text})
        changed = [f for f in fields if getattr(given, f) != getattr(inputs.Inputs(), f)]
        assert changed == [option.field], option.name


def cli_options() -> dict[str, dict[str, argparse.Action]]:
    """Each sub-command's ``--options`` (but --help), by name without the dashes."""
    [sub] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return {
        command: {
            flag[2:]: act
            for act in parser._actions
            for flag in act.option_strings
            if flag.startswith("--") and flag != "--help"
        }
        for command, parser in sub.choices.items()
    }


def test_every_cli_option_of_run_and_publish_is_in_the_vocabulary() -> None:
    options = cli_options()
    for command, names in inputs.COMMANDS.items():
        assert list(options[command]) == list(names), command
        for name, act in options[command].items():
            option = inputs.BY_NAME[name]
            assert tuple(act.choices or ()) == option.choices, name
    # Every option is an input of the Action or of the CLI (or both).
    used = {name for names in inputs.COMMANDS.values() for name in names}
    assert [o.name for o in inputs.OPTIONS if not o.action and o.name not in used] == []


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
    [("Inputs", ACTION_INPUTS), ("Outputs", list(action.OUTPUTS))],
)
def test_readme_documents_every_input_and_output(heading: str, names: list[str]) -> None:
    assert sorted(readme_table_names(heading)) == sorted(names)


def test_the_repository_workflow_passes_only_declared_inputs() -> None:
    workflow = yaml.safe_load(
        (ROOT / ".github" / "workflows" / "update-models.yml").read_text(encoding="utf-8")
    )
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    (ours,) = [s for s in steps if s.get("uses") == "./"]
    assert set(ours.get("with", {})) <= set(ACTION_INPUTS)


def test_the_readmes_workflow_examples_use_declared_inputs_and_outputs() -> None:
    """Every ``steps.<id>.outputs.<name>`` the README's examples read is an output, and every
    ``with:`` of a step using the action is made of inputs (e.g. the risk gate)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    read = set(re.findall(r"steps\.dump\.outputs\.([a-z-]+)", text))
    assert "risk" in read and read <= set(action.OUTPUTS)
    given: set[str] = set()
    for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
        steps = yaml.safe_load(block)
        if not isinstance(steps, list):
            continue
        for step in steps:
            if isinstance(step, dict) and "dump-models@" in str(step.get("uses", "")):
                given |= set(step.get("with") or {})
    assert {"auto-merge", "merge-method"} <= given <= set(ACTION_INPUTS)
