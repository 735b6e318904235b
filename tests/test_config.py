"""Configuration: defaults, overrides, custom providers, lc TOML and every bad input (exit 2)."""

from __future__ import annotations

import json
import os
import stat
import textwrap

import pytest
from provider_server import ProviderServer, endless_pages, openai_models, openai_style

from dump_models import secrets
from dump_models.cli import main
from dump_models.config import load_settings
from dump_models.config_file import PROVIDER_KEYS
from dump_models.errors import DumpModelsError
from dump_models.inputs import Inputs
from dump_models.limits import DEFAULT_LIMITS, Limits


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def names(settings):
    return [t.name for t in settings.targets]


def test_defaults_are_keyed_builtins_plus_openrouter(tmp_path):
    settings = load_settings(
        Inputs(), environ={"MISTRAL_API_KEY": "mk-1", "CO_API_KEY": "co-1"}, workspace=tmp_path
    )
    assert names(settings) == ["openrouter", "mistral", "cohere"]
    cohere = settings.targets[2]
    assert cohere.api_key == "co-1" and cohere.key_source == "CO_API_KEY"
    assert settings.output_dir == tmp_path / "models"
    assert (settings.concurrency, settings.timeout, settings.retries) == (8, 30.0, 3)
    assert settings.max_removal_ratio == 0.5


def test_default_config_file_is_read_and_overrides_apply(tmp_path):
    write(
        tmp_path / ".github/dump-models.yml",
        """
        output_dir: data/models
        providers:
          openrouter: {}
          mistral:
            api_key_env: MY_MISTRAL_KEY
          anthropic:
            endpoint: https://proxy.example.com/anthropic/v1
            params: {beta: "true"}
          my-vllm:
            endpoint: http://localhost:8000/v1
            auth: header:X-Key
            headers: {X-Team: ml, X-Auth: "${api_key}"}
            ignore_fields: [created]
        settings:
          concurrency: 2
          timeout: 5
          retries: 0
          max_removal_ratio: 0.25
        """,
    )
    settings = load_settings(
        Inputs(),
        environ={"MY_MISTRAL_KEY": "m-key", "MISTRAL_API_KEY": "wrong"},
        workspace=tmp_path,
    )
    assert names(settings) == ["openrouter", "mistral", "anthropic", "my-vllm"]
    by_name = {t.name: t for t in settings.targets}
    assert by_name["mistral"].api_key == "m-key"
    anthropic = by_name["anthropic"].spec
    # Only the endpoint moved: auth style, paging and list shape stay built in.
    assert anthropic.url == "https://proxy.example.com/anthropic/v1/models"
    assert (anthropic.auth, anthropic.paging) == ("anthropic", "anthropic")
    assert anthropic.params == {"limit": "1000", "beta": "true"}  # added to the built-in's
    custom = by_name["my-vllm"]
    assert custom.spec.key_env == ("MY_VLLM_API_KEY",)
    assert custom.spec.volatile_fields == ("created",)
    assert custom.skip_reason is not None  # a key is needed and there is none
    assert by_name["anthropic"].skip_reason.startswith("no key")
    assert settings.output_dir == tmp_path / "data/models"
    assert (settings.concurrency, settings.timeout, settings.retries) == (2, 5.0, 0)
    assert settings.max_removal_ratio == 0.25


def test_builtin_made_keyless_by_auth_none(tmp_path):
    (tmp_path / "c.yml").write_text("providers:\n  openai: {endpoint: 'http://x/v1', auth: none}\n")
    settings = load_settings(Inputs(config="c.yml"), environ={}, workspace=tmp_path)
    assert settings.targets[0].skip_reason is None


def test_providers_subset_and_unknown_name(tmp_path):
    settings = load_settings(
        Inputs(providers=("groq", "openrouter")), environ={}, workspace=tmp_path
    )
    assert names(settings) == ["groq", "openrouter"]
    with pytest.raises(DumpModelsError, match="unknown provider 'nope'"):
        load_settings(Inputs(providers=("nope",)), environ={}, workspace=tmp_path)


def test_lc_config_keys_and_shapes(tmp_path):
    write(
        tmp_path / "lc.toml",
        """
        default_provider = "openai"
        [providers.gemini]
        endpoint = "http://127.0.0.1:9/v1beta"
        api_key = "lc-gemini-secret"
        models_path = "/models"
        [providers.local]
        endpoint = "http://127.0.0.1:9/v1"
        api_key = "lc-local-secret"
        headers = { X-Key = "${api_key}" }
        """,
    )
    settings = load_settings(
        Inputs(lc_config="lc.toml"), environ={"GROQ_API_KEY": "g"}, workspace=tmp_path
    )
    by_name = {t.name: t for t in settings.targets}
    # No providers list in a YAML config: the defaults, plus what the lc config adds.
    assert list(by_name) == ["openrouter", "groq", "gemini", "local"]
    gemini = by_name["gemini"]
    assert gemini.api_key == "lc-gemini-secret" and gemini.spec.auth == "gemini"
    assert gemini.spec.list_key == "models" and gemini.spec.paging == "gemini"
    assert by_name["local"].spec.headers == {"X-Key": "${api_key}"}
    assert secrets.redact("x lc-local-secret y") == "x *** y"


BAD_CONFIGS = [
    ("providers:\n  mistral:\n    endpont: https://x\n", ":3: unknown key 'endpont'"),
    (
        "providers:\n  my-vllm:\n    models_path: /models\n",
        ":2: custom provider 'my-vllm' has no endpoint",
    ),
    ("providers:\n  ../x:\n    endpoint: https://x\n", ":2: provider name '../x' is not valid"),
    ("providers:\n  Big/Name: {}\n", ":2: provider name 'Big/Name' is not valid"),
    ("providers:\n  a..b: {endpoint: 'https://x'}\n", "provider name 'a..b' is not valid"),
    ("providers: [openrouter\n", ":1: malformed YAML: a flow sequence starts here"),
    ("outputdir: models\n", ":1: unknown key 'outputdir' at the top level"),
    ("settings:\n  timeout: -1\n", ":2: settings.timeout is -1"),
    ("settings:\n  timeout: .inf\n", ":2: settings.timeout is inf; it must be"),
    ("settings:\n  provider_timeout: .inf\n", ":2: settings.provider_timeout is inf"),
    ("settings:\n  provider_timeout: .nan\n", ":2: settings.provider_timeout is nan"),
    ("settings:\n  provider_timeout: 0\n", ":2: settings.provider_timeout is 0; it must"),
    ("settings:\n  max_pages: 0\n", ":2: settings.max_pages is 0; it must be a whole number"),
    ("settings:\n  max_pages: 2.5\n", ":2: settings.max_pages is 2.5"),
    ("settings:\n  max_listing_bytes: -1\n", ":2: settings.max_listing_bytes is -1"),
    ("settings:\n  max_response_bytes: true\n", ":2: settings.max_response_bytes is True"),
    ("settings:\n  max_listing_values: '5'\n", ":2: settings.max_listing_values is '5'"),
    ("settings:\n  concurency: 3\n", ":2: unknown key 'concurency' in settings"),
    (
        "providers:\n  x:\n    endpoint: ftp://x\n    auth: basic\n",
        ":3: provider 'x': endpoint must be",
    ),
    (
        "providers:\n  x:\n    endpoint: https://x\n    auth: basic\n",
        ":4: provider 'x': auth is 'basic'",
    ),
    ("providers:\n  mistral:\n    paging: sometimes\n", ":3: provider 'mistral': paging"),
    # `$` matches before a trailing newline: names are matched whole.
    ('providers:\n  "good\\n": {endpoint: "https://x"}\n', "provider name 'good\\n' is not valid"),
    # Numbers must be finite: YAML's .inf and .nan are floats.
    ("settings:\n  timeout: .inf\n", ":2: settings.timeout is inf; it must be a finite number"),
    ("settings:\n  timeout: .nan\n", ":2: settings.timeout is nan; it must be a finite number"),
    ("settings:\n  max_removal_ratio: .nan\n", ":2: settings.max_removal_ratio is nan"),
    ("settings:\n  concurrency: .inf\n", ":2: settings.concurrency is inf"),
    (
        'providers:\n  x:\n    endpoint: https://x\n    headers: {"X-A\\nB": v}\n',
        ":4: provider 'x': headers",
    ),
    (
        'providers:\n  x:\n    endpoint: https://x\n    headers: {X-A: "v\\r\\nInjected: 1"}\n',
        ":4: provider 'x': headers",
    ),
]


# A value of the wrong kind for each key of a provider entry (config_file.PROVIDER_RULES).
BAD_PROVIDER_VALUES = {
    "endpoint": "5",
    "models_path": "''",
    "auth": "basic",
    "headers": "[X-A]",
    "params": "{a: [1]}",
    "api_key_env": "true",
    "ignore_fields": "created",
    "list_key": "5",
    "id_field": "''",
    "paging": "sometimes",
}


def test_every_key_of_a_provider_entry_is_checked() -> None:
    assert tuple(BAD_PROVIDER_VALUES) == PROVIDER_KEYS


@pytest.mark.parametrize(("key", "value"), BAD_PROVIDER_VALUES.items())
def test_a_bad_value_of_a_provider_key_names_its_line(tmp_path, key, value):
    endpoint = "" if key == "endpoint" else "    endpoint: https://x\n"
    (tmp_path / "c.yml").write_text(f"providers:\n  x:\n{endpoint}    {key}: {value}\n")
    with pytest.raises(DumpModelsError) as caught:
        load_settings(Inputs(config="c.yml"), environ={}, workspace=tmp_path)
    line = 3 if key == "endpoint" else 4
    assert str(caught.value).startswith(f"c.yml:{line}: provider 'x': {key} "), caught.value
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("text", "expected"), BAD_CONFIGS)
def test_bad_yaml_exits_2_with_one_line(tmp_path, capsys, monkeypatch, text, expected):
    (tmp_path / "cfg.yml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--config", "cfg.yml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("dump-models: error: cfg.yml")
    assert expected in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[providers.x\nendpoint = 1\n", "lc.toml:1: malformed TOML"),
        ('[providers."../up"]\nendpoint = "http://x"\n', "provider name '../up' is not valid"),
        ("[providers.x]\napi_key = 'k'\n", "[providers.x] has no endpoint"),
        ('[providers."good\\n"]\nendpoint = "http://x"\n', "provider name 'good\\n' is not"),
    ],
)
def test_bad_toml_exits_2(tmp_path, capsys, monkeypatch, text, expected):
    (tmp_path / "lc.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--lc-config", "lc.toml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err, err


@pytest.mark.parametrize("flag", ["--config", "--lc-config"])
def test_config_that_is_not_utf8_exits_2(tmp_path, capsys, monkeypatch, flag):
    (tmp_path / "cfg").write_bytes(b"providers:\n  x: {endpoint: '\xff'}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["run", flag, "cfg"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dump-models: error: cfg: not UTF-8")


def test_missing_config_file_and_bad_flags(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--config", "nope.yml"]) == 2
    assert "nope.yml: cannot read config" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["run", "--fail-on", "sometimes"])
    assert exc.value.code == 2
    assert main(["run", "--max-removal-ratio", "3"]) == 2
    assert "max-removal-ratio" in capsys.readouterr().err
    for value in ("nan", "inf", "-inf"):
        assert main(["run", f"--max-removal-ratio={value}"]) == 2
        assert "max-removal-ratio" in capsys.readouterr().err


def test_providers_command_never_prints_keys(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no config: every built-in
    monkeypatch.setenv("MISTRAL_API_KEY", "sk-CANARY-providers-123")
    assert main(["providers"]) == 0
    out = capsys.readouterr().out
    assert "CANARY" not in out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert len(rows) == 25
    assert rows["mistral"][2:] == ["set", "(MISTRAL_API_KEY)", "yes", "built-in"]
    assert rows["openai"][2:] == ["missing", "(OPENAI_API_KEY)", "no", "built-in"]
    assert rows["openrouter"][2:] == ["not", "needed", "yes", "built-in"]


# --- paths (docs/output.md): inside the workspace, outside .git, checked before any request -


@pytest.fixture
def provider(tmp_path):
    """A provider that counts requests: a refused path must be refused before any."""
    with ProviderServer() as server:
        server.route("/v1/models", openai_style(openai_models(1)))
        config = tmp_path / ".github" / "dump-models.yml"
        config.parent.mkdir()
        config.write_text(f"providers:\n  local: {{endpoint: '{server.url}/v1', auth: none}}\n")
        yield server


def _outside(tmp_path):
    return str(tmp_path.parent / f"{tmp_path.name}-outside")


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("option", "../outside", "leads outside the workspace"),
        ("option", "OUTSIDE", "leads outside the workspace"),
        ("option", ".git", "leads into .git"),
        ("option", ".git/hooks", "leads into .git"),
        ("option", "models/../.git/hooks", "leads into .git"),
        ("option", "sub/.git/x", "leads into .git"),
        ("option", ".", "is the workspace itself"),
        ("option", "link-out", "leads outside the workspace"),
        ("option", "link-git", "leads into .git"),
        ("option", "a-file", "is a file, not a directory"),
        ("option", "link-file", "is a file, not a directory"),
        ("config", "../outside", "leads outside the workspace"),
        ("config", ".git/hooks", "leads into .git"),
    ],
)
def test_output_dir_outside_the_workspace_or_in_git_exits_2_before_any_request(
    tmp_path, capsys, monkeypatch, provider, where, value, message
):
    value = _outside(tmp_path) if value == "OUTSIDE" else value
    (tmp_path / ".git" / "hooks").mkdir(parents=True)
    (tmp_path / "link-out").symlink_to(tmp_path.parent)
    (tmp_path / "link-git").symlink_to(tmp_path / ".git")
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "link-file").symlink_to(tmp_path / "a-file")
    args = ["run", "--output-dir", value]
    if where == "config":
        config = tmp_path / ".github" / "dump-models.yml"
        config.write_text(config.read_text() + f"output_dir: {value}\n")
        args = ["run"]
    monkeypatch.chdir(tmp_path)

    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert (".github/dump-models.yml:3: output_dir" if where == "config" else "--output-dir") in err
    assert provider.requests == []
    assert not list((tmp_path / ".git" / "hooks").iterdir())
    assert not (tmp_path.parent / "local.json").exists()


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--report-json", "../r.json", "leads outside the workspace"),
        ("--report-md", "OUTSIDE", "leads outside the workspace"),
        ("--report-md", ".git/hooks/pre-commit", "leads into .git"),
        ("--report-json", "link.json", "is a symbolic link"),
        ("--report-md", "fifo", "is a FIFO"),
        ("--report-md", "link-fifo", "is a symbolic link"),  # as /dev/stdout is
        ("--report-md", "dir", "is a directory"),
    ],
)
def test_report_paths_are_checked_before_any_request(
    tmp_path, capsys, monkeypatch, provider, flag, value, message
):
    value = _outside(tmp_path) if value == "OUTSIDE" else value
    (tmp_path / ".git" / "hooks").mkdir(parents=True)
    (tmp_path / "inside.json").write_text("keep\n")
    (tmp_path / "link.json").symlink_to(tmp_path / "inside.json")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link-fifo").symlink_to(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    monkeypatch.chdir(tmp_path)

    assert main(["run", flag, value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and flag in err and message in err, err
    assert provider.requests == []
    assert (tmp_path / "inside.json").read_text() == "keep\n"
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "link-fifo").is_symlink()
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode)
    assert not (tmp_path / ".git" / "hooks" / "pre-commit").exists()


def test_paths_inside_the_workspace_are_fine_and_symlinked_dirs_resolve(tmp_path):
    (tmp_path / "data" / "real").mkdir(parents=True)
    (tmp_path / "models").symlink_to(tmp_path / "data" / "real")
    settings = load_settings(
        Inputs(output_dir="models", report_json="out/r.json"), environ={}, workspace=tmp_path
    )
    # Where the files really go, in the workspace's own terms.
    assert settings.output_dir == tmp_path / "data" / "real"
    assert settings.report_json == tmp_path / "out" / "r.json"
    absolute = load_settings(
        Inputs(output_dir=str(tmp_path / "dumps")), environ={}, workspace=tmp_path
    )
    assert absolute.output_dir == tmp_path / "dumps"


def test_limits_are_settings(tmp_path):
    (tmp_path / "c.yml").write_text(
        "settings:\n  max_response_bytes: 1000\n  max_listing_bytes: 5000\n"
        "  max_listing_values: 300\n  max_pages: 7\n  provider_timeout: 2.5\n"
    )
    settings = load_settings(Inputs(config="c.yml"), environ={}, workspace=tmp_path)
    assert settings.limits == Limits(
        max_response_bytes=1000,
        max_listing_bytes=5000,
        max_listing_values=300,
        max_pages=7,
        provider_timeout=2.5,
    )
    assert load_settings(Inputs(), environ={}, workspace=tmp_path).limits == DEFAULT_LIMITS


def test_a_limit_set_in_the_config_stops_the_provider(tmp_path, capsys, monkeypatch):
    with ProviderServer() as server:
        server.route("/p/models", endless_pages())
        (tmp_path / "c.yml").write_text(
            f"providers:\n  p:\n    endpoint: {server.url}/p\n    auth: none\n"
            "    list_key: models\n    id_field: name\n    paging: cohere\n"
            "settings:\n  max_pages: 3\n"
        )
        monkeypatch.chdir(tmp_path)
        assert main(["run", "--config", "c.yml"]) == 1
        assert "p: failed: more than 3 pages (settings.max_pages)" in capsys.readouterr().out
        assert len(server.requests) == 3


CI_VARIABLES = [
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "INPUT_TOKEN",
    "INPUT_API_KEYS",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "GITHUB_API_URL",
    "RUNNER_TEMP",
    "github_token",
]


@pytest.mark.parametrize("variable", CI_VARIABLES)
@pytest.mark.parametrize("provider", ["mistral", "my-proxy"])
def test_a_ci_credential_is_never_a_providers_key(
    tmp_path, capsys, monkeypatch, provider, variable
):
    (tmp_path / "c.yml").write_text(
        f"providers:\n  {provider}:\n    endpoint: https://x.example/v1\n"
        f"    api_key_env: {json.dumps(variable)}\n"
    )
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_CANARY_token")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--config", "c.yml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(
        f"dump-models: error: c.yml:4: provider '{provider}': api_key_env {variable} is a "
        "CI variable (GITHUB_*, GH_TOKEN, GH_ENTERPRISE_TOKEN, INPUT_*, ACTIONS_*, RUNNER_*)"
    ), err
    assert "CANARY" not in err


def test_the_github_models_token_is_not_a_ci_credential(tmp_path):
    (tmp_path / "c.yml").write_text(
        "providers:\n  github: {}\n  gh-proxy:\n    endpoint: https://x.example/v1\n"
        "    api_key_env: GITHUB_MODELS_TOKEN\n"
    )
    settings = load_settings(
        Inputs(config="c.yml"), environ={"GITHUB_MODELS_TOKEN": "t"}, workspace=tmp_path
    )
    assert [t.api_key for t in settings.targets] == ["t", "t"]


@pytest.mark.parametrize(
    "name", ["github-foo", "runner-x", "actions", "input-token", "github.enterprise"]
)
def test_a_custom_provider_whose_default_key_variable_is_a_ci_one_needs_api_key_env(
    tmp_path, capsys, monkeypatch, name
):
    (tmp_path / "c.yml").write_text(f"providers:\n  {name}:\n    endpoint: https://x/v1\n")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--config", "c.yml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"c.yml:2: provider '{name}': its key variable would be " in err
    assert "set api_key_env to a variable of your own" in err
    (tmp_path / "c.yml").write_text(
        f"providers:\n  {name}:\n    endpoint: https://x/v1\n    api_key_env: MY_KEY\n"
    )
    settings = load_settings(Inputs(config="c.yml"), environ={"MY_KEY": "k"}, workspace=tmp_path)
    assert settings.targets[0].api_key == "k"


def test_an_lc_provider_in_a_ci_namespace_reads_only_its_own_key(tmp_path):
    write(
        tmp_path / "lc.toml",
        """
        [providers.github-copilot]
        endpoint = "https://x.example/v1"
        api_key = "lc-key-of-its-own"
        """,
    )
    environ = {"GITHUB_COPILOT_API_KEY": "ghs_CANARY_from_ci"}
    settings = load_settings(
        Inputs(lc_config="lc.toml", providers=("github-copilot",)),
        environ=environ,
        workspace=tmp_path,
    )
    (target,) = settings.targets
    assert target.api_key == "lc-key-of-its-own" and target.spec.key_env == ()
