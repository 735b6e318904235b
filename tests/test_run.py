"""``dump-models run`` end to end: built-in shapes on loopback servers, files, report, secrets."""

from __future__ import annotations

import json
import time

import pytest
from provider_server import (
    ProviderServer,
    Reply,
    anthropic_style,
    bare_array,
    cohere_models,
    cohere_style,
    gemini_models,
    gemini_style,
    hang,
    html_error_page,
    links_next_style,
    openai_models,
    openai_style,
    openrouter_models,
    sequence,
    status_reply,
    together_models,
    truncated_json,
)

from dump_models.cli import main
from dump_models.providers import builtin_registry

CANARY = "sk-CANARY-7f3a9c"  # every key in these tests carries it


def canary(name: str) -> str:
    return f"{CANARY}-{name}"


def mistral_now(request):
    """Mistral stamps every model's ``created`` with the time of the request."""
    now = int(time.time())
    return Reply(
        200,
        {
            "object": "list",
            "data": [
                {
                    "id": "mistral-large-latest",
                    "object": "model",
                    "created": now,
                    "max_context_length": 131072,
                    "capabilities": {"function_calling": True},
                },
                {
                    "id": "codestral-latest",
                    "object": "model",
                    "created": now,
                    "max_context_length": 32768,
                    "capabilities": {"function_calling": False},
                },
            ],
        },
    )


@pytest.fixture
def server():
    with ProviderServer() as srv:
        yield srv


def configure(tmp_path, server, providers: dict[str, dict], **settings) -> None:
    lines = ["providers:"]
    for name, extra in providers.items():
        lines.append(f"  {name}:")
        lines.append(f"    endpoint: {server.url}/{name}")
        for key, value in extra.items():
            lines.append(f"    {key}: {json.dumps(value)}")
    lines.append("settings:")
    options = {"timeout": 2, "retries": 2, **settings}
    lines += [f"  {key}: {value}" for key, value in options.items()]
    (tmp_path / ".github").mkdir(exist_ok=True)
    (tmp_path / ".github/dump-models.yml").write_text("\n".join(lines) + "\n")


def run_cli(tmp_path, monkeypatch, capsys, *args):
    monkeypatch.chdir(tmp_path)
    code = main(["run", "--report-json", "report.json", "--report-md", "report.md", *args])
    out, err = capsys.readouterr()
    report = json.loads((tmp_path / "report.json").read_text())
    return code, out, err, report


SHAPES = {
    "openrouter": lambda s: links_next_style(openrouter_models(25), page_size=10),
    "anthropic": lambda s: anthropic_style(
        [
            {
                "id": f"claude-{i}",
                "type": "model",
                "display_name": f"Claude {i}",
                "created_at": "2025-01-01T00:00:00Z",
            }
            for i in range(45)
        ],
        key=canary("anthropic"),
    ),
    "gemini": lambda s: gemini_style(gemini_models(120), key=canary("gemini"), default_size=50),
    "cohere": lambda s: cohere_style(cohere_models(45), key=canary("cohere")),
    "mistral": lambda s: mistral_now,
    "together": lambda s: bare_array(together_models(3)),
    "github": lambda s: bare_array([{"id": "openai/gpt-4.1", "name": "GPT-4.1"}]),
    "openai": lambda s: sequence(
        status_reply(500), status_reply(502), openai_style(openai_models(4), key=canary("openai"))
    ),
    "cerebras": lambda s: sequence(
        status_reply(429, Retry_After="1"), openai_style(openai_models(2))
    ),
}
MISBEHAVING = {
    "groq": lambda s: openai_style(openai_models(3), key="another-key"),  # 401
    "venice": lambda s: lambda r: html_error_page(502),
    "requesty": lambda s: lambda r: truncated_json(),
    "xai": lambda s: lambda r: hang(),
    "deepseek": lambda s: openai_style([]),  # empty list: guarded
}
PATHS = {"github": "/github/catalog/models"}


def route_all(server, table):
    for name, make in table.items():
        server.route(PATHS.get(name, f"/{name}/models"), make(server))


def test_run_every_shape_and_every_failure_isolated(tmp_path, monkeypatch, capsys, server):
    route_all(server, SHAPES)
    route_all(server, MISBEHAVING)
    names = [*SHAPES, *MISBEHAVING, "nvidia"]
    configure(tmp_path, server, {name: {} for name in names})
    registry = builtin_registry()
    for name in names:
        if name not in ("openrouter", "nvidia"):
            monkeypatch.setenv(registry[name].key_env[0], canary(name))
    models = tmp_path / "models"
    models.mkdir()
    previous = {
        "groq": b'{"data": [{"id": "kept-byte-for-byte"}]}',  # not canonical on purpose
        "deepseek": b'{"data": [{"id": "deepseek-chat"}, {"id": "deepseek-reasoner"}]}\n',
    }
    for name, content in previous.items():
        (models / f"{name}.json").write_bytes(content)

    started = time.monotonic()
    code, out, err, report = run_cli(tmp_path, monkeypatch, capsys)
    elapsed = time.monotonic() - started

    assert code == 1  # fail-on any
    assert elapsed < 20  # the hanging provider is cut off by its timeout, the rest run alongside
    statuses = {name: p["status"] for name, p in report["providers"].items()}
    assert statuses == {
        **{name: "new" for name in SHAPES},
        "groq": "failed",
        "venice": "failed",
        "requesty": "failed",
        "xai": "failed",
        "deepseek": "guarded",
        "nvidia": "skipped",
    }
    counts = {
        "openrouter": 25,
        "anthropic": 45,
        "gemini": 120,
        "cohere": 45,
        "mistral": 2,
        "together": 3,
        "github": 1,
        "openai": 4,
        "cerebras": 2,
    }
    for name, count in counts.items():
        doc = json.loads((models / f"{name}.json").read_text())
        listing = doc if isinstance(doc, list) else doc.get("data", doc.get("models"))
        assert len(listing) == count, name
        assert report["providers"][name]["models_after"] == count
    # Canonical: cursors gone, ids sorted, no request-time `created` in Mistral's file.
    anthropic = json.loads((models / "anthropic.json").read_text())
    assert set(anthropic) == {"data"}
    ids = [m["id"] for m in anthropic["data"]]
    assert ids == sorted(ids)
    assert "created" not in (models / "mistral.json").read_text()
    assert "nextPageToken" not in (models / "gemini.json").read_text()
    # Failures keep their files byte for byte and create none.
    for name, content in previous.items():
        assert (models / f"{name}.json").read_bytes() == content
    for name in ("venice", "requesty", "xai", "nvidia"):
        assert not (models / f"{name}.json").exists()
    errors = {name: p["error"] for name, p in report["providers"].items() if p["error"]}
    assert errors["groq"].startswith("GROQ_API_KEY was refused: HTTP 401")
    assert "not JSON" in errors["venice"] or "HTTP 502" in errors["venice"]
    assert "not JSON" in errors["requesty"]
    assert "timed out" in errors["xai"] or "time" in errors["xai"]
    assert "empty listing" in errors["deepseek"]
    assert errors["nvidia"].startswith("no key")
    assert report["totals"]["failed"] == 4 and report["totals"]["skipped"] == 1
    assert report["totals"]["guarded"] == 1
    # One line per provider, the summary, and the verdict (first listings: low).
    lines = out.strip().splitlines()
    assert len(lines) == len(names) + 2
    assert lines[-2].startswith("Done: 15 providers: 9 fetched, 1 skipped, 4 failed, 1 guarded")
    assert lines[-1] == "risk: low"
    assert any(line.startswith("cohere: fetched 45 models in ") for line in lines)
    assert "nvidia: skipped: no key (set NVIDIA_API_KEY)" in lines
    # No key anywhere.
    written = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    for blob in [out.encode(), err.encode(), *written]:
        assert CANARY.encode() not in blob
    assert server.requests_to("/anthropic/models")[0].header("x-api-key") == canary("anthropic")

    # Second run: Mistral's `created` moved, nothing else did: no file is rewritten.
    mtimes = {p.name: p.stat().st_mtime_ns for p in models.iterdir()}
    time.sleep(1.1)
    server.route("/openai/models", openai_style(openai_models(4), key=canary("openai")))
    server.route("/cerebras/models", openai_style(openai_models(2)))
    code, out, err, report = run_cli(tmp_path, monkeypatch, capsys, "--providers", ",".join(SHAPES))
    assert code == 0
    assert {p["status"] for p in report["providers"].values()} == {"unchanged"}
    assert {p.name: p.stat().st_mtime_ns for p in models.iterdir()} == mtimes


def test_guard_keeps_old_file_unless_forced_and_dry_run_writes_nothing(
    tmp_path, monkeypatch, capsys, server
):
    server.route("/openai/models", openai_style(openai_models(3)))
    configure(tmp_path, server, {"openai": {}})
    monkeypatch.setenv("OPENAI_API_KEY", canary("openai"))
    models = tmp_path / "models"
    models.mkdir()
    old = json.dumps({"object": "list", "data": openai_models(10)}, indent=2) + "\n"
    (models / "openai.json").write_text(old)

    code, out, _, report = run_cli(tmp_path, monkeypatch, capsys)
    assert code == 0 and report["providers"]["openai"]["status"] == "guarded"
    assert (
        report["providers"]["openai"]["models_before"],
        report["providers"]["openai"]["models_after"],
    ) == (10, 3)
    assert "openai: guarded: 10 → 3 models: would remove 7 of 10" in out
    assert (models / "openai.json").read_text() == old

    code, out, _, report = run_cli(tmp_path, monkeypatch, capsys, "--force", "--dry-run")
    assert report["providers"]["openai"]["removed"] == [f"model-{i:03d}" for i in range(3, 10)]
    assert (models / "openai.json").read_text() == old

    code, out, _, report = run_cli(tmp_path, monkeypatch, capsys, "--force")
    assert report["providers"]["openai"]["status"] == "changed"
    assert len(json.loads((models / "openai.json").read_text())["data"]) == 3
    md = (tmp_path / "report.md").read_text()
    assert "model-009" in md


def test_fail_on_modes(tmp_path, monkeypatch, capsys, server):
    server.route("/openai/models", openai_style(openai_models(1)))
    server.route("/groq/models", lambda r: status_reply(401))
    configure(tmp_path, server, {"openai": {}, "groq": {}}, retries=0)
    monkeypatch.setenv("OPENAI_API_KEY", "k1-openai")
    monkeypatch.setenv("GROQ_API_KEY", "k2-groq")
    assert run_cli(tmp_path, monkeypatch, capsys, "--fail-on", "all")[0] == 0
    assert run_cli(tmp_path, monkeypatch, capsys, "--fail-on", "never")[0] == 0
    assert run_cli(tmp_path, monkeypatch, capsys, "--fail-on", "any")[0] == 1
    server.route("/openai/models", lambda r: status_reply(500))
    assert run_cli(tmp_path, monkeypatch, capsys, "--fail-on", "all")[0] == 1


def test_query_key_custom_provider_is_redacted_everywhere(tmp_path, monkeypatch, capsys, server):
    server.route("/custom/models", lambda r: status_reply(403, {"error": f"bad {r.query}"}))
    configure(tmp_path, server, {"custom": {"auth": "query:key"}}, retries=0)
    monkeypatch.setenv("CUSTOM_API_KEY", canary("query"))
    code, out, err, report = run_cli(tmp_path, monkeypatch, capsys)
    assert code == 1
    assert server.requests_to("/custom/models")[0].query["key"] == canary("query")
    assert "HTTP 403" in report["providers"]["custom"]["error"]
    for text in (out, err, json.dumps(report), (tmp_path / "report.md").read_text()):
        assert CANARY not in text


def test_step_summary_inside_github_actions(tmp_path, monkeypatch, capsys, server):
    server.route("/openai/models", openai_style(openai_models(2)))
    configure(tmp_path, server, {"openai": {}})
    monkeypatch.setenv("OPENAI_API_KEY", canary("summary"))
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run_cli(tmp_path, monkeypatch, capsys)
    assert summary.read_text() == "earlier step\n"  # not in Actions: left alone
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    (tmp_path / "models/openai.json").unlink()
    run_cli(tmp_path, monkeypatch, capsys)
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "model-001" in text and CANARY not in text


def test_a_key_echoed_inside_a_listing_is_not_written(tmp_path, monkeypatch, capsys, server):
    def echo(request):
        return Reply(200, {"data": [{"id": "m", "note": f"echo {request.query['key']}"}]})

    server.route("/custom/models", echo)
    configure(tmp_path, server, {"custom": {"auth": "query:key"}})
    monkeypatch.setenv("CUSTOM_API_KEY", canary("echoed"))
    code, *_ = run_cli(tmp_path, monkeypatch, capsys)
    text = (tmp_path / "models/custom.json").read_text()
    assert code == 0 and CANARY not in text and '"note": "echo ***"' in text


def test_a_first_run_keeps_added_models_details_only_up_to_what_a_report_can_show(
    tmp_path, server, monkeypatch
):
    # Memory must not grow with every provider's added models (docs/scale.md): past the limit
    # a provider's added models are listed by id, without the details nobody could be shown.
    from dump_models import runner
    from dump_models.config import load_settings
    from dump_models.inputs import Inputs

    monkeypatch.setattr(runner, "ADDED_DETAILS_LIMIT", 5)
    names = ["alpha", "beta"]
    for name in names:
        server.route(f"/{name}/models", openai_style(openai_models(4, name)))
    configure(tmp_path, server, {name: {"auth": "none"} for name in names})
    settings = load_settings(Inputs(), workspace=tmp_path)
    result = runner.run(settings, emit=lambda line: None)

    kept = sorted(len(report.added_records) for report in result.reports)
    assert kept == [0, 4]  # the first provider's details, the second's ids only
    for name in names:  # every added model is still in the report
        assert all(f"{name}-{i:03d}" in result.markdown for i in range(4)), result.markdown
