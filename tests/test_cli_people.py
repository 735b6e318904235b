"""The command line as people meet it: help, ``diff --provider``, ``providers`` from the
config, suggestions for misspelt names and keys, where broken YAML starts."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from realistic_listings import openrouter_pair

from dump_models.cli import build_parser, main
from dump_models.config import load_settings
from dump_models.errors import DumpModelsError
from dump_models.inputs import Inputs

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


# --- help -------------------------------------------------------------------------------


def test_bare_command_prints_the_help_and_exits_0(capsys):
    """Like gh (git exits 1, which here means provider failures): help on stdout, exit 0."""
    assert main([]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("usage: dump-models")
    assert err == ""
    for name in _commands():
        assert f"    {name}" in out


def test_python_m_with_no_arguments_is_the_same():
    done = subprocess.run(
        [sys.executable, "-m", "dump_models"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("usage: dump-models")


@pytest.mark.parametrize("name", sorted(_commands()))
def test_each_command_help_has_a_description_and_an_example(capsys, name):
    with pytest.raises(SystemExit) as exited:
        main([name, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    usage, description, *rest = out.split("\n\n")
    assert description.strip() and "\n" not in description.strip(), out
    example = out[out.index("example:") :].splitlines()
    assert example[1].startswith(f"  dump-models {name}"), out


# --- diff --provider ----------------------------------------------------------------------


def _pair(tmp_path: Path) -> tuple[Path, Path]:
    old, new = openrouter_pair(30, repriced=3, arena=4)
    (tmp_path / "or_old.json").write_text(json.dumps({"data": old}))
    (tmp_path / "or_new.json").write_text(json.dumps({"data": new}))
    return tmp_path / "or_old.json", tmp_path / "or_new.json"


def test_diff_of_two_files_says_whose_rules_it_used(tmp_path, capsys):
    old, new = _pair(tmp_path)
    assert main(["diff", str(old), str(new)]) == 0
    out, err = capsys.readouterr()
    assert err == (
        "dump-models diff: no provider is named or_new (the file's name): read with generic "
        "rules (token limits only: no prices or capabilities); pass --provider NAME to choose one\n"
    )
    assert "**Prices**" not in out

    assert main(["diff", str(old), str(new), "--provider", "openrouter"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "### openrouter" in out and "**Prices** (USD per 1M tokens)" in out


def test_diff_names_the_provider_it_guessed_from_the_file_name(tmp_path, capsys):
    old, new = _pair(tmp_path)
    new = new.rename(tmp_path / "openrouter.json")
    assert main(["diff", str(old), str(new)]) == 0
    out, err = capsys.readouterr()
    assert err == (
        "dump-models diff: read as openrouter (the file's name); "
        "pass --provider NAME to choose another\n"
    )
    assert "**Prices**" in out


def test_diff_provider_is_checked_and_suggested(tmp_path, capsys):
    old, new = _pair(tmp_path)
    assert main(["diff", str(old), str(new), "--provider", "openruoter"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "dump-models: error: --provider: unknown provider 'openruoter' (did you mean "
        "'openrouter'?); see 'dump-models providers'\n"
    )
    assert main(["diff", str(tmp_path), str(tmp_path), "--provider", "openrouter"]) == 2
    assert "--provider applies to two files" in capsys.readouterr().err


# --- providers ----------------------------------------------------------------------------


def test_providers_reads_the_config_and_prints_json(tmp_path, monkeypatch, capsys):
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/dump-models.yml").write_text(
        "providers:\n"
        "  openrouter: {}\n"
        "  mistral:\n    endpoint: https://proxy.example/mistral/v1\n"
        "    api_key_env: MY_MISTRAL_KEY\n"
        "  local:\n    endpoint: http://localhost:8000/v1\n    auth: none\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MY_MISTRAL_KEY", "sk-canary-providers-0123456789")
    assert main(["providers", "--json"]) == 0
    out = capsys.readouterr().out
    assert "sk-canary" not in out
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["mistral"] == {
        "name": "mistral",
        "source": "built-in",
        "changed_by_config": ["api_key_env", "endpoint"],
        "runs": True,
        "endpoint": "https://proxy.example/mistral/v1",
        "models_path": "/models",
        "url": "https://proxy.example/mistral/v1/models",
        "auth": "bearer",
        "key_variables": ["MY_MISTRAL_KEY"],
        "key": "set",
        "key_from": "MY_MISTRAL_KEY",
    }
    assert rows["local"]["source"] == "config" and rows["local"]["key"] == "not needed"
    assert rows["local"]["runs"] is True and rows["openrouter"]["runs"] is True
    assert rows["groq"]["runs"] is False  # a built-in the config does not list
    assert rows["groq"]["endpoint"] == "https://api.groq.com/openai/v1"

    assert main(["providers"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["name", "endpoint", "key", "runs", "source"]
    mistral = next(line for line in table if line.startswith("mistral "))
    assert mistral.split() == [
        "mistral",
        "https://proxy.example/mistral/v1",
        "set",
        "(MY_MISTRAL_KEY)",
        "yes",
        "built-in,",
        "config:",
        "api_key_env,",
        "endpoint",
    ]


# --- suggestions and YAML ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "providers:\n  mistral:\n    endpont: https://x\n",
            "c.yml:3: unknown key 'endpont' in providers.mistral (did you mean 'endpoint'?); "
            "expected one of: endpoint,",
        ),
        (
            "settings:\n  concurency: 3\n",
            "c.yml:2: unknown key 'concurency' in settings (did you mean 'concurrency'?); ",
        ),
        (
            "providers:\n  openruoter: {}\n",
            "c.yml:2: custom provider 'openruoter' has no endpoint (did you mean 'openrouter'?);",
        ),
    ],
)
def test_misspelt_keys_and_providers_suggest_the_closest(tmp_path, config, message):
    (tmp_path / "c.yml").write_text(config)
    with pytest.raises(DumpModelsError) as caught:
        load_settings(Inputs(config="c.yml"), environ={}, workspace=tmp_path)
    assert str(caught.value).startswith(message), caught.value


def test_an_unknown_provider_to_run_suggests_the_closest(tmp_path):
    with pytest.raises(DumpModelsError) as caught:
        load_settings(Inputs(providers=("openruoter",)), environ={}, workspace=tmp_path)
    assert str(caught.value).startswith(
        "--providers: unknown provider 'openruoter' (did you mean 'openrouter'?); choose from: "
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "providers:\n  openrouter: {}\n  mistral: [a, b\n\nsettings:\n  timeout: 3\n",
            "c.yml:3: malformed YAML: a flow sequence starts here and is broken at line 5 "
            "(expected ',' or ']', but got ':'); fix the syntax from line 3",
        ),
        (
            'providers:\n  x:\n    endpoint: "https://x\n    auth: none\n',
            "c.yml:3: malformed YAML: a quoted scalar starts here and is broken at line 5 "
            "(found unexpected end of stream); fix the syntax from line 3",
        ),
        (
            "output_dir: models\n providers: {}\n",
            "c.yml:2: malformed YAML (mapping values are not allowed here); fix the syntax at "
            "that line",
        ),
    ],
)
def test_malformed_yaml_names_the_line_where_the_broken_part_starts(tmp_path, text, message):
    (tmp_path / "c.yml").write_text(text)
    with pytest.raises(DumpModelsError) as caught:
        load_settings(Inputs(config="c.yml"), environ={}, workspace=tmp_path)
    assert str(caught.value) == message


# --- the README's custom providers ----------------------------------------------------------

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_provider_key_is_documented_in_the_readme():
    from dump_models.config_file import PROVIDER_KEYS

    section = README[README.index("### Custom providers") :]
    assert [key for key in PROVIDER_KEYS if f"| `{key}` |" not in section] == []


def test_the_readmes_custom_provider_example_dumps_that_shape(tmp_path, monkeypatch, capsys):
    """The worked example, pointed at a loopback server serving the shape it describes."""
    from provider_server import ProviderServer, Reply

    start = README.index("<!-- custom-provider-example:start -->")
    block = README[start : README.index("<!-- custom-provider-example:end -->")]
    config = block[block.index("```yaml\n") + 8 : block.rindex("```")]
    models = [
        {"name": f"acme-{i:02d}", "context": 131072, "stats": {"requests_today": 9000 + i}}
        for i in range(7)
    ]

    def catalog(request):
        if request.header("x-api-key") != "sk-canary-acme-0123456789":
            return Reply(401, {"error": "no key"})
        assert request.header("accept-language") == "en" and request.query["page_size"] == "100"
        start = int(request.query.get("page_token", "0"))
        page = {"models": models[start : start + 3]}
        if start + 3 < len(models):
            page["next_page_token"] = str(start + 3)
        return Reply(200, page)

    with ProviderServer() as server:
        server.route("/api/catalog", catalog)
        (tmp_path / ".github").mkdir()
        (tmp_path / ".github/dump-models.yml").write_text(
            config.replace("https://llm.example.com", server.url)
        )
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("ACME_KEY", "sk-canary-acme-0123456789")
        assert main(["run"]) == 0
        assert len(server.requests) == 3  # three pages
    dump = json.loads((tmp_path / "models/acme.json").read_text())
    assert [m["name"] for m in dump["models"]] == [m["name"] for m in models]
    assert all("requests_today" not in json.dumps(m) for m in dump["models"])
    assert "acme: fetched 7 models" in capsys.readouterr().out
