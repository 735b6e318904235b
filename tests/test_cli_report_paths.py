"""``--report-json -`` and ``--report-md -`` print the report on stdout (README, The CLI)."""

from __future__ import annotations

import json

from provider_server import ProviderServer, openai_models, openai_style

from dump_models.cli import main


def test_dash_means_stdout_and_writes_no_file(tmp_path, monkeypatch, capsys):
    with ProviderServer() as server:
        server.route("/v1/models", openai_style(openai_models(2)))
        (tmp_path / ".github").mkdir()
        (tmp_path / ".github/dump-models.yml").write_text(
            f"providers:\n  local: {{endpoint: '{server.url}/v1', auth: none}}\n"
        )
        monkeypatch.chdir(tmp_path)
        assert main(["run", "--report-json", "-"]) == 0
        json_out = capsys.readouterr().out
        assert main(["run", "--report-md", "-"]) == 0
        md_out = capsys.readouterr().out

    assert not (tmp_path / "-").exists()
    # The JSON report follows the run's own lines, whole.
    report = json.loads(json_out[json_out.index("\n{") + 1 :])
    assert report["providers"]["local"]["status"] == "new"
    assert "## " in md_out and "local" in md_out.split("Done:", 1)[1]
    assert (tmp_path / "models" / "local.json").is_file()
