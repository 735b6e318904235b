"""The one vocabulary: the Action's ``INPUT_*`` and the CLI's flags become the same Inputs,
checked by the same rules (one line, exit 2)."""

from __future__ import annotations

import pytest

from dump_models.cli import build_parser, main
from dump_models.errors import DumpModelsError
from dump_models.inputs import Inputs, from_environment, from_namespace


def from_cli(*argv: str) -> Inputs:
    return from_namespace(build_parser().parse_args(list(argv)))


def test_the_cli_and_the_action_give_the_same_inputs() -> None:
    cli = from_cli(
        "publish",
        "--publish=push",
        "--branch=dumps/weekly",
        "--labels=models, bots",
        "--reviewers=octo",
        "--draft",
        "--dry-run",
        "--output-dir=data",
    )
    action = from_environment(
        {
            "INPUT_PUBLISH": "push",
            "INPUT_BRANCH": "dumps/weekly",
            "INPUT_LABELS": "models\nbots\n",
            "INPUT_REVIEWERS": "octo",
            "INPUT_DRAFT": "True",
            "INPUT_DRY_RUN": "true",  # act's spelling
            "INPUT_OUTPUT-DIR": "data",
        }
    )
    assert (
        cli
        == action
        == Inputs(
            publish="push",
            branch="dumps/weekly",
            labels=("models", "bots"),
            reviewers=("octo",),
            draft=True,
            dry_run=True,
            output_dir="data",
        )
    )
    assert from_cli("run", "--providers", "groq, openrouter").providers == ("groq", "openrouter")
    assert from_cli("run") == from_cli("publish") == Inputs()


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("max-removal-ratio", "lots", "must be a number between 0 and 1, not 'lots'"),
        ("max-removal-ratio", "1.5", "must be a number between 0 and 1, not '1.5'"),
        ("max-removal-ratio", "nan", "must be a number between 0 and 1, not 'nan'"),
        ("branch", "a..b", "'a..b' is not a valid branch name"),
        ("base", "-x", "'-x' is not a valid branch name"),
    ],
)
def test_a_bad_value_breaks_the_same_rule_in_both(name, value, rule, capsys) -> None:
    with pytest.raises(DumpModelsError) as caught:
        from_environment({f"INPUT_{name.upper()}": value})
    assert str(caught.value).startswith(f"input {name} {rule}")
    assert caught.value.exit_code == 2

    command = "run" if name == "max-removal-ratio" else "publish"
    assert main([command, f"--{name}={value}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dump-models: error: --{name} {rule}") and err.count("\n") == 1


def test_the_action_declared_default_of_a_config_setting_is_not_given() -> None:
    """GitHub sends `output-dir: models` when the workflow sets nothing: the config file's
    `output_dir` must still apply. Another value is given; the CLI's flag always is."""
    assert from_environment({"INPUT_OUTPUT-DIR": "models"}).output_dir is None
    assert from_environment({"INPUT_MAX-REMOVAL-RATIO": "0.5"}).max_removal_ratio is None
    assert from_environment({"INPUT_MAX-REMOVAL-RATIO": "0.25"}).max_removal_ratio == 0.25
    assert from_cli("run", "--output-dir=models").output_dir == "models"


@pytest.mark.parametrize(
    ("environ", "dry_run"),
    [
        ({}, False),
        ({"ACT": "true"}, True),
        ({"ACT": "TRUE", "INPUT_DRY-RUN": "false"}, False),
        ({"INPUT_DRY-RUN": "true"}, True),
    ],
)
def test_under_act_a_run_is_dry_unless_the_workflow_says_otherwise(environ, dry_run) -> None:
    assert from_environment(environ).dry_run is dry_run


def test_api_keys_are_parsed_and_a_bad_line_is_never_quoted() -> None:
    keys = from_environment({"INPUT_API-KEYS": "# ours\nA_KEY = sk-canary-a\n\nB=sk-canary-b"})
    assert keys.api_keys == {"A_KEY": "sk-canary-a", "B": "sk-canary-b"}
    assert "sk-canary" not in repr(keys)
    with pytest.raises(DumpModelsError) as caught:
        from_environment({"INPUT_API-KEYS": "A=ok\nsk-canary-bad-line"})
    assert str(caught.value).startswith("input api-keys, line 2: expected NAME=value")
    assert "canary" not in str(caught.value)
