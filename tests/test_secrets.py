"""Keys in every form they travel in: registered once, redacted from messages, reports and dumps."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

import pytest
import requests
from provider_server import ProviderServer, Reply, openai_models, openai_style

from dump_models import secrets
from dump_models.cli import main

# Characters that URL encoding rewrites ("/", "+", "=", " ", "&", "%"), so each form differs.
KEY = "sk-CANARY/0123+4567=89ab cd&ef%01"


def requests_query_value(key: str) -> str:
    """The key exactly as requests writes it into a URL's query string."""
    url = requests.Request("GET", "http://x/v1/models", params={"key": key}).prepare().url
    return urlsplit(url).query.split("=", 1)[1]


def forms(key: str) -> list[str]:
    lower_hex = re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(key, safe=""))
    return [
        key,
        quote(key, safe=""),
        quote(key),
        quote_plus(key),
        requests_query_value(key),
        lower_hex,
        json.dumps(key)[1:-1],
    ]


@pytest.fixture
def server():
    with ProviderServer() as srv:
        yield srv


def test_every_url_encoded_form_is_redacted():
    secrets.register(KEY)
    for form in forms(KEY):
        assert secrets.redact(f"<{form}>") == "<***>", form
        assert secrets.redact(f"<{form}>", min_length=secrets.DATA_MIN_LENGTH) == "<***>"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_each_line_of_a_multi_line_secret_is_redacted_on_its_own(newline):
    secrets.register(f"  first-line-secret {newline}second-line-secret{newline}")
    assert secrets.redact("a first-line-secret b") == "a *** b"
    assert secrets.redact("a second-line-secret b") == "a *** b"
    assert secrets.redact("line two: second-line-secret%0A") == "line two: ***%0A"


def test_short_values_and_lines_are_not_secrets():
    secrets.register("abc\nlong-enough-line")
    assert secrets.redact("abc abc long-enough-line") == "abc abc ***"


def configure(tmp_path, server, name: str, **fields: str) -> None:
    lines = ["providers:", f"  {name}:", f"    endpoint: {server.url}/{name}"]
    lines += [f"    {key}: {value}" for key, value in fields.items()]
    lines += ["settings:", "  timeout: 2", "  retries: 0"]
    (tmp_path / "cfg.yml").write_text("\n".join(lines) + "\n")


def run_cli(tmp_path, monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    code = main(["run", "--config", "cfg.yml", "--report-json", "r.json", "--report-md", "r.md"])
    out, err = capsys.readouterr()
    everything = [out, err, (tmp_path / "r.json").read_text(), (tmp_path / "r.md").read_text()]
    everything += [p.read_text() for p in (tmp_path / "models").glob("*.json")]
    return code, "\n".join(everything)


def test_a_provider_echoing_the_url_encoded_query_key_gets_no_key_into_its_dump(
    tmp_path, monkeypatch, capsys, server
):
    def echo(request):
        query = urlsplit(request.raw_path).query
        raw = dict(q.split("=", 1) for q in query.split("&"))["key"]
        decoded = dict(parse_qsl(query))["key"]
        notes = {"raw": raw, "quoted": quote(decoded, safe=""), "plain": decoded}
        return Reply(200, {"data": [{"id": "m", **notes}]})

    server.route("/echo/models", echo)
    configure(tmp_path, server, "echo", auth="query:key")
    monkeypatch.setenv("ECHO_API_KEY", KEY)
    code, everything = run_cli(tmp_path, monkeypatch, capsys)
    dump = json.loads((tmp_path / "models/echo.json").read_text())
    assert code == 0, everything
    assert dump["data"] == [{"id": "m", "plain": "***", "quoted": "***", "raw": "***"}]
    assert "CANARY" not in everything


def test_a_multi_line_key_is_refused_before_any_request_and_never_shown(
    tmp_path, monkeypatch, capsys, server
):
    server.route("/multi/models", openai_style(openai_models(1)))
    configure(tmp_path, server, "multi")
    monkeypatch.setenv("MULTI_API_KEY", "sk-CANARY-line-one\nsk-CANARY-line-two")
    code, everything = run_cli(tmp_path, monkeypatch, capsys)
    assert code == 1 and server.requests == []
    assert (
        "multi: failed: the key in MULTI_API_KEY holds a line break or a character "
        "outside printable ASCII; store the key alone, on one line"
    ) in everything
    assert "CANARY" not in everything and "line-two" not in everything
