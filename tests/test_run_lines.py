"""What ``run`` says as it works: provider lines, the closing summary (plurals, thousands,
"would change" in a dry run), the guard's hint in each front end, a refused key by name."""

from __future__ import annotations

import pytest
from provider_server import ProviderServer, openai_models, openai_style, status_reply
from test_run import configure, run_cli

from dump_models.results import ProviderReport
from dump_models.runner import provider_line, summary_line


@pytest.fixture
def server():
    with ProviderServer() as srv:
        yield srv


def _report(status, added=0, removed=0, changed=0, after=None) -> ProviderReport:
    return ProviderReport(
        "p",
        status,
        models_after=after,
        added=[str(i) for i in range(added)],
        removed=[str(i) for i in range(removed)],
        changed={str(i): {} for i in range(changed)},
    )


def test_summary_line_counts_in_words_that_agree():
    one = [_report("changed", added=1, after=1)]
    assert summary_line(one) == "Done: 1 provider: 1 fetched; 1 file changed: +1 \u22120 ~0 models"
    many = [_report("new", added=1500, after=1500), _report("unchanged", after=3)]
    assert summary_line(many) == (
        "Done: 2 providers: 2 fetched; 1 file changed: +1,500 \u22120 ~0 models"
    )
    assert summary_line(one, dry_run=True) == (
        "Done: 1 provider: 1 fetched; 1 file would change: +1 \u22120 ~0 models"
    )
    assert summary_line(many * 2, dry_run=True).endswith(
        "; 2 files would change: +3,000 \u22120 ~0 models"
    )


def test_provider_line_counts_in_words_that_agree():
    assert provider_line(_report("unchanged", after=1), 0.25) == (
        "p: fetched 1 model in 0.2 s (unchanged)"
    )
    assert provider_line(_report("changed", added=2, after=12345), 1.0) == (
        "p: fetched 12,345 models in 1.0 s (+2 \u22120 ~0)"
    )


def test_a_dry_run_says_its_files_would_change(tmp_path, monkeypatch, capsys, server):
    server.route("/openai/models", openai_style(openai_models(3)))
    configure(tmp_path, server, {"openai": {}})
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-lines")
    code, out, _, _ = run_cli(tmp_path, monkeypatch, capsys, "--dry-run")
    assert code == 0
    assert "Done: 1 provider: 1 fetched; 1 file would change: +3 \u22120 ~0 models" in out
    assert not (tmp_path / "models" / "openai.json").exists()
    code, out, _, _ = run_cli(tmp_path, monkeypatch, capsys)
    assert "Done: 1 provider: 1 fetched; 1 file changed: +3 \u22120 ~0 models" in out


def test_the_cli_guard_hint_names_the_flag(tmp_path, monkeypatch, capsys, server):
    server.route("/openai/models", openai_style([]))
    configure(tmp_path, server, {"openai": {}})
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-guard")
    code, out, _, report = run_cli(tmp_path, monkeypatch, capsys)
    assert report["providers"]["openai"]["error"] == "empty listing; pass --force to write it"
    assert "openai: guarded: empty listing; pass --force to write it" in out


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_names_the_variable_that_held_it(
    tmp_path, monkeypatch, capsys, server, status
):
    server.route("/groq/models", lambda r: status_reply(status, {"error": "Invalid API Key"}))
    server.route("/openrouter/models", lambda r: status_reply(status, {"error": "no auth"}))
    configure(tmp_path, server, {"groq": {}, "openrouter": {}}, retries=0)
    monkeypatch.setenv("GROQ_API_KEY", "sk-canary-refused-0123456789")
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    code, out, _, report = run_cli(tmp_path, monkeypatch, capsys)
    groq = report["providers"]["groq"]["error"]
    assert groq == f'GROQ_API_KEY was refused: HTTP {status}: {{"error": "Invalid API Key"}}'
    assert f"groq: failed: {groq}" in out
    # A keyless provider that wants a key after all: which variable would hold it.
    assert report["providers"]["openrouter"]["error"] == (
        f'HTTP {status}: {{"error": "no auth"}} (no key was sent; set OPENROUTER_API_KEY)'
    )
    assert "sk-canary-refused" not in out
