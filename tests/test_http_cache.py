"""Incremental fetches (docs/scale.md): validators kept in .dump-models/http-cache.json, sent
back as If-None-Match / If-Modified-Since; a 304 keeps the file, no download, no diff."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from provider_server import ProviderServer, Reply, links_next_style, openai_models

from dump_models.cli import main
from dump_models.config import load_settings
from dump_models.inputs import Inputs
from dump_models.runner import FileVersions, file_digest, run

CANARY = "sk-CANARY-http-cache-0123456789"
ETAG = '"v1-abc"'
LAST_MODIFIED = "Wed, 21 Oct 2026 07:28:00 GMT"
CACHE = Path(".dump-models/http-cache.json")


class Listing:
    """A provider answering with validators, and 304 when the client's match."""

    def __init__(self, models: list[dict], *, etag: str | None = ETAG, modified: str | None = None):
        self.models, self.etag, self.modified = models, etag, modified

    def __call__(self, request) -> Reply:
        headers = {}
        if self.etag:
            headers["ETag"] = self.etag
        if self.modified:
            headers["Last-Modified"] = self.modified
        matched = (self.etag and request.header("if-none-match") == self.etag) or (
            self.modified and request.header("if-modified-since") == self.modified
        )
        if matched:
            return Reply(304, b"", headers)
        return Reply(200, {"object": "list", "data": self.models}, headers)


@pytest.fixture
def server():
    with ProviderServer() as srv:
        yield srv


def write_config(workspace: Path, server: ProviderServer, **fields) -> None:
    extra = "".join(f"    {key}: {value}\n" for key, value in fields.items())
    (workspace / "c.yml").write_text(
        f"providers:\n  acme:\n    endpoint: {server.url}/acme\n{extra}"
    )


def settings(workspace: Path, **inputs):
    return load_settings(
        Inputs(config="c.yml", **inputs), environ={"ACME_KEY": CANARY}, workspace=workspace
    )


def conditional_headers(server) -> list[tuple[str | None, str | None]]:
    return [
        (r.header("if-none-match"), r.header("if-modified-since"))
        for r in server.requests_to("/acme/models")
    ]


def quiet(**kwargs):
    return {"emit": lambda line: None, **kwargs}


def test_a_304_keeps_the_file_and_reports_unchanged_with_its_count(tmp_path, server):
    listing = Listing(openai_models(3))
    server.route("/acme/models", listing)
    write_config(tmp_path, server, auth="none")
    first = run(settings(tmp_path), **quiet())
    dump = tmp_path / "models/acme.json"
    written = dump.stat()
    lines: list[str] = []
    again = run(settings(tmp_path), emit=lines.append)
    assert conditional_headers(server) == [(None, None), (ETAG, None)]
    [report] = again.reports
    assert first.reports[0].status == "new"
    assert (report.status, report.models_before, report.models_after) == ("unchanged", 3, 3)
    assert any(line.startswith("acme: fetched 3 models") for line in lines)
    digest = file_digest(dump.read_bytes())
    assert again.versions == {"acme": FileVersions(digest, digest)}
    assert (dump.stat().st_ino, dump.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    # The cache is the tool's own, out of git's way.
    assert (tmp_path / ".dump-models/.gitignore").read_text() == "*\n"


def test_last_modified_is_sent_back_as_if_modified_since(tmp_path, server):
    server.route("/acme/models", Listing(openai_models(2), etag=None, modified=LAST_MODIFIED))
    write_config(tmp_path, server, auth="none")
    run(settings(tmp_path), **quiet())
    [report] = run(settings(tmp_path), **quiet()).reports
    assert conditional_headers(server) == [(None, None), (None, LAST_MODIFIED)]
    assert report.status == "unchanged"


def test_a_new_listing_after_the_validators_is_fetched_and_compared(tmp_path, server):
    listing = Listing(openai_models(2))
    server.route("/acme/models", listing)
    write_config(tmp_path, server, auth="none")
    run(settings(tmp_path), **quiet())
    listing.models, listing.etag = openai_models(3), '"v2"'
    [report] = run(settings(tmp_path), **quiet()).reports
    assert (report.status, report.added) == ("changed", ["model-002"])
    [report] = run(settings(tmp_path), **quiet()).reports
    assert report.status == "unchanged"
    assert conditional_headers(server)[1:] == [(ETAG, None), ('"v2"', None)]


def test_the_cache_holds_validators_only_never_a_key(tmp_path, server):
    server.route("/acme/models", Listing(openai_models(2)))
    write_config(tmp_path, server, auth="'query:key'", api_key_env="ACME_KEY")
    run(settings(tmp_path), **quiet())
    text = (tmp_path / CACHE).read_text()
    assert CANARY not in text and ETAG.replace('"', '\\"') in text
    # Another key for the same request still matches: the key is not part of what is kept.
    other = load_settings(
        Inputs(config="c.yml"), environ={"ACME_KEY": CANARY + "-rotated"}, workspace=tmp_path
    )
    [report] = run(other, **quiet()).reports
    assert report.status == "unchanged"
    assert conditional_headers(server)[-1] == (ETAG, None)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda ws: (ws / CACHE).unlink(),  # missing
        lambda ws: (ws / CACHE).write_text("{not json"),  # corrupt
        lambda ws: (ws / CACHE).write_text('{"version": 1, "providers": []}'),
        lambda ws: (ws / CACHE).write_text("[1, 2]"),
        lambda ws: _edit_entry(ws, etag='"v1-abc"\r\nX-Evil: 1'),  # header injection
        lambda ws: _edit_entry(ws, etag=["x"]),
        lambda ws: _edit_entry(ws, models=-1),
        lambda ws: _edit_entry(ws, request="0" * 64),  # made for another request
        lambda ws: (ws / "models/acme.json").write_text('{"data": []}\n'),  # file changed
        lambda ws: (ws / "models/acme.json").unlink(),  # file gone
    ],
    ids=[
        "missing",
        "corrupt",
        "wrong-shape",
        "not-an-object",
        "header-injection",
        "etag-not-text",
        "bad-count",
        "other-request",
        "file-changed",
        "file-gone",
    ],
)
def test_a_cache_that_does_not_describe_the_file_is_ignored(tmp_path, server, spoil):
    server.route("/acme/models", Listing(openai_models(2)))
    write_config(tmp_path, server, auth="none")
    run(settings(tmp_path), **quiet())
    spoil(tmp_path)
    [report] = run(settings(tmp_path), **quiet()).reports
    assert conditional_headers(server)[-1] == (None, None)  # a plain request
    assert report.status in ("unchanged", "new", "changed")
    assert json.loads((tmp_path / "models/acme.json").read_text())["data"] == openai_models(2)
    # ... and the cache is whole again.
    [report] = run(settings(tmp_path), **quiet()).reports
    assert conditional_headers(server)[-1] == (ETAG, None) and report.status == "unchanged"


def _edit_entry(workspace: Path, **values) -> None:
    path = workspace / CACHE
    data = json.loads(path.read_text())
    data["providers"]["acme"].update(values)
    path.write_text(json.dumps(data))


def test_another_endpoint_does_not_use_the_validators(tmp_path, server):
    server.route("/acme/models", Listing(openai_models(2)))
    server.route("/other/models", Listing(openai_models(2)))
    write_config(tmp_path, server, auth="none")
    run(settings(tmp_path), **quiet())
    (tmp_path / "c.yml").write_text(
        f"providers:\n  acme:\n    endpoint: {server.url}/other\n    auth: none\n"
    )
    run(settings(tmp_path), **quiet())
    [request] = server.requests_to("/other/models")
    assert request.header("if-none-match") is None


def test_a_paged_listing_keeps_no_validators(tmp_path, server):
    def paged(request):
        reply = links_next_style(openai_models(4), page_size=2)(request)
        reply.headers["ETag"] = ETAG
        return reply

    server.route("/acme/models", paged)
    write_config(tmp_path, server, auth="none", paging="links_next")
    run(settings(tmp_path), **quiet())
    [report] = run(settings(tmp_path), **quiet()).reports
    assert report.status == "unchanged"
    assert all(header == (None, None) for header in conditional_headers(server))


def test_a_304_nobody_asked_for_is_a_failure(tmp_path, server):
    server.route("/acme/models", lambda request: Reply(304, b""))
    write_config(tmp_path, server, auth="none")
    [report] = run(settings(tmp_path), **quiet()).reports
    assert report.status == "failed" and report.error.startswith("HTTP 304")


def test_a_dry_run_writes_no_cache(tmp_path, server):
    server.route("/acme/models", Listing(openai_models(2)))
    write_config(tmp_path, server, auth="none")
    run(settings(tmp_path, dry_run=True), **quiet())
    assert not (tmp_path / ".dump-models").exists()


@pytest.mark.parametrize("where", ["file", "directory"])
def test_a_symlinked_cache_is_neither_read_nor_written_through(tmp_path, server, where):
    server.route("/acme/models", Listing(openai_models(2)))
    write_config(tmp_path, server, auth="none")
    run(settings(tmp_path), **quiet())
    outside = tmp_path / "outside"
    outside.mkdir()
    cache = tmp_path / CACHE
    if where == "file":
        os.replace(cache, outside / "http-cache.json")
        cache.symlink_to(outside / "http-cache.json")
    else:
        os.replace(cache, outside / "http-cache.json")
        (tmp_path / ".dump-models/.gitignore").unlink()
        (tmp_path / ".dump-models").rmdir()
        (tmp_path / ".dump-models").symlink_to(outside)
    before = (outside / "http-cache.json").read_bytes()
    [report] = run(settings(tmp_path), **quiet()).reports
    assert conditional_headers(server)[-1] == (None, None)
    assert report.status == "unchanged"
    assert (outside / "http-cache.json").read_bytes() == before
    assert sorted(p.name for p in outside.iterdir()) == ["http-cache.json"]


def test_the_cli_reports_a_304_like_any_unchanged_listing(tmp_path, server, monkeypatch, capsys):
    server.route("/acme/models", Listing(openai_models(2)))
    write_config(tmp_path, server, auth="none")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--config", "c.yml"]) == 0
    capsys.readouterr()
    assert main(["run", "--config", "c.yml"]) == 0
    out = capsys.readouterr().out
    assert "acme: fetched 2 models" in out and "(unchanged)" in out
    assert conditional_headers(server)[-1] == (ETAG, None)


def test_a_304_still_names_the_models_retiring_in_the_file(tmp_path, server):
    # The run's verdict lists the models retiring soon from each provider's listing: for a
    # 304 that listing is the file, read for it.
    soon = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=20)).isoformat()
    models = [
        {"id": "mistral-large-2411", "deprecation": None},
        {"id": "open-mixtral-8x7b", "deprecation": soon},
    ]
    server.route("/v1/models", Listing(models))
    (tmp_path / "c.yml").write_text(
        f"providers:\n  mistral: {{endpoint: '{server.url}/v1', api_key_env: ACME_KEY}}\n"
        "lifecycle:\n  retiring_within_days: 30\n"
    )
    first = run(settings(tmp_path), **quiet())
    again = run(settings(tmp_path), **quiet())
    assert conditional_headers_of(server, "/v1/models")[-1] == (ETAG, None)
    assert again.reports[0].status == "unchanged"
    assert [(r["model"], r["date"]) for r in first.json["retiring"]] == [
        ("open-mixtral-8x7b", soon)
    ]
    assert [(r["model"], r["date"], r["changed"]) for r in again.json["retiring"]] == [
        ("open-mixtral-8x7b", soon, False)
    ]


def conditional_headers_of(server, path: str) -> list[tuple[str | None, str | None]]:
    return [
        (r.header("if-none-match"), r.header("if-modified-since")) for r in server.requests_to(path)
    ]
