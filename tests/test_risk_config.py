"""The config file's risk:, lifecycle: and usage: blocks and the inputs auto-merge and
merge-method: read once into Settings and Inputs, every bad value one line with its place."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pytest

from dump_models import inputs
from dump_models.cli import main
from dump_models.config import load_settings
from dump_models.errors import DumpModelsError
from dump_models.inputs import Inputs
from dump_models.lifecycle import LifecycleSettings
from dump_models.risk_policy import RiskLabels, RiskPolicy
from dump_models.usage import UsageSettings


def write_config(tmp_path, text: str) -> None:
    path = tmp_path / ".github" / "dump-models.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_without_the_blocks_the_defaults_hold(tmp_path):
    settings = load_settings(Inputs(), environ={}, workspace=tmp_path)
    assert settings.risk == RiskPolicy()
    assert settings.lifecycle == LifecycleSettings(90)
    assert settings.usage == UsageSettings(())


def test_the_blocks_land_in_the_settings(tmp_path):
    write_config(
        tmp_path,
        """
        providers: {openrouter: {}}
        risk:
          removed: false
          price_rise_percent: 25
          price_factor: false
          max_changed_models: 200
          labels: {low: "deps: boring", high: "deps: look"}
        lifecycle:
          retiring_within_days: 30
        usage:
          paths: ["src/**/*.py", "*.md"]
        """,
    )
    settings = load_settings(Inputs(), environ={}, workspace=tmp_path)
    assert settings.risk == RiskPolicy(
        removed=False,
        price_rise_percent=Decimal(25),
        price_factor=None,
        max_changed_models=200,
        labels=RiskLabels("deps: boring", "deps: look"),
    )
    assert settings.lifecycle == LifecycleSettings(30)
    assert settings.usage == UsageSettings(("src/**/*.py", "*.md"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "risk:\n  price_factor: 1\n",
            ".github/dump-models.yml:2: risk.price_factor is 1; it must be a number > 1",
        ),
        (
            "providers: {}\nrisk:\n  labels: {low: same, high: same}\n",
            ".github/dump-models.yml:3: risk.labels.low and risk.labels.high are both 'same'",
        ),
        (
            "lifecycle:\n  retiring_within_days: -1\n",
            ".github/dump-models.yml:2: lifecycle.retiring_within_days is -1",
        ),
        (
            "usage:\n  paths: ['../secrets/*']\n",
            ".github/dump-models.yml:2: usage.paths has '../secrets/*'",
        ),
        (
            "risk: [removed]\n",
            ".github/dump-models.yml:1: risk must be a mapping",
        ),
        (
            "usage:\n  path: ['*.md']\n",
            ".github/dump-models.yml:2: unknown key 'path' in usage; expected one of: paths",
        ),
    ],
)
def test_a_bad_block_is_one_line_with_its_place_and_exit_2(tmp_path, text, expected):
    write_config(tmp_path, text)
    with pytest.raises(DumpModelsError) as caught:
        load_settings(Inputs(), environ={}, workspace=tmp_path)
    assert caught.value.exit_code == 2
    assert str(caught.value).startswith(expected), str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_unknown_top_level_key_names_the_new_blocks(tmp_path):
    write_config(tmp_path, "riks: {}\n")
    with pytest.raises(DumpModelsError) as caught:
        load_settings(Inputs(), environ={}, workspace=tmp_path)
    assert "risk, lifecycle, usage" in str(caught.value)


def test_a_bad_block_stops_the_cli_before_any_request(tmp_path, monkeypatch, capsys):
    write_config(tmp_path, "risk:\n  removed: maybe\n")
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "dump-models: error: .github/dump-models.yml:2: risk.removed is 'maybe'; "
        "it must be true or false"
    )


def test_auto_merge_and_merge_method_inputs():
    given = inputs.from_environment({"INPUT_AUTO-MERGE": "low", "INPUT_MERGE-METHOD": "rebase"})
    assert (given.auto_merge, given.merge_method) == ("low", "rebase")
    assert (Inputs().auto_merge, Inputs().merge_method) == ("never", "squash")
    with pytest.raises(DumpModelsError) as caught:
        inputs.from_environment({"INPUT_AUTO-MERGE": "always"})
    assert str(caught.value) == "input auto-merge must be one of never, low, not 'always'"
    with pytest.raises(DumpModelsError) as caught:
        inputs.from_environment({"INPUT_MERGE_METHOD": "fast-forward"})
    assert "input merge-method must be one of squash, merge, rebase" in str(caught.value)


def test_the_vocabulary_and_the_auto_merge_module_agree():
    from dump_models import automerge, github

    assert inputs.BY_NAME["auto-merge"].choices == automerge.AUTO_MERGE_MODES
    assert inputs.BY_NAME["merge-method"].choices == automerge.MERGE_METHOD_CHOICES
    assert tuple(github.MERGE_METHODS) == automerge.MERGE_METHOD_CHOICES
