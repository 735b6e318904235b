"""``run --catalog`` (input ``catalog``): catalog.json written from the dumps once they are,
so that it always describes the files beside it."""

from __future__ import annotations

import json

import pytest
from provider_server import ProviderServer, Reply, fixed, openai_models, openai_style

from dump_models.catalog import catalog_text, read_catalog
from dump_models.cli import main

KEY = "sk-canary-catalog-0123456789"


@pytest.fixture
def server():
    with ProviderServer() as srv:
        echoing = [*openai_models(2), {"id": "echo", "description": f"your key is {KEY}"}]
        srv.route("/good/models", openai_style(echoing, key=KEY))
        srv.route("/broken/models", fixed(Reply(500, "down")))
        yield srv


@pytest.fixture
def workspace(tmp_path, monkeypatch, server):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOOD_API_KEY", KEY)
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/dump-models.yml").write_text(
        "providers:\n"
        f"  good: {{endpoint: '{server.url}/good'}}\n"
        f"  broken: {{endpoint: '{server.url}/broken', auth: none}}\n"
        "settings: {retries: 0, timeout: 5}\n"
    )
    models = tmp_path / "models"
    models.mkdir()
    # The failing provider's previous dump stays, and so do its models in the catalog.
    (models / "broken.json").write_text(json.dumps({"data": [{"id": "kept", "context_length": 8}]}))
    (models / "stranger.json").write_text(json.dumps({"data": [{"id": "not-configured"}]}))
    return tmp_path


def test_run_writes_the_catalog_of_the_dumps_it_leaves(workspace, capsys):
    code = main(["run", "--catalog", "--fail-on", "never"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    text = (workspace / "models/catalog.json").read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["providers"] == ["broken", "good"]  # configured ones only
    assert [(m["provider"], m["id"]) for m in document["models"]] == [
        ("broken", "kept"),
        ("good", "echo"),
        ("good", "model-000"),
        ("good", "model-001"),
    ]
    # Exactly what `dump-models catalog` gives for those files.
    expected = read_catalog(workspace / "models", providers=["broken", "good"])
    assert text == catalog_text(expected)
    # A provider echoing the key: neither its dump nor the catalog holds it.
    assert KEY not in (workspace / "models/good.json").read_text() and KEY not in text
    assert KEY not in out + err
    assert "catalog" not in out.splitlines()[-1]  # the summary counts providers only


def test_no_catalog_unless_asked_and_none_in_a_dry_run(workspace, capsys):
    assert main(["run", "--fail-on", "never"]) == 0
    assert not (workspace / "models/catalog.json").exists()
    assert main(["run", "--catalog", "--dry-run", "--fail-on", "never"]) == 0
    assert not (workspace / "models/catalog.json").exists()


def test_a_catalog_that_cannot_be_written_fails_the_run_in_one_line(workspace, capsys):
    (workspace / "elsewhere.json").write_text("{}")
    (workspace / "models/catalog.json").symlink_to(workspace / "elsewhere.json")
    code = main(["run", "--catalog", "--fail-on", "never"])
    out, err = capsys.readouterr()
    assert code == 1
    assert err.startswith("dump-models: error: cannot write catalog.json: ")
    assert err.rstrip("\n").endswith("the dumps are written, nothing is published")
    assert len(err.splitlines()) == 1
    assert (workspace / "elsewhere.json").read_text() == "{}"  # never written through
    assert (workspace / "models/good.json").is_file()
