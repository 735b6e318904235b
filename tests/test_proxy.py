"""Providers and GitHub through HTTPS_PROXY / HTTP_PROXY, and NO_PROXY, as on a self-hosted runner.

A loopback proxy (tests/proxy_server.py) forwards plain HTTP and tunnels HTTPS with CONNECT;
the HTTPS GitHub stand-in serves a throwaway certificate made with the ``openssl`` CLI, trusted
through ``REQUESTS_CA_BUNDLE``.
"""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import pytest
from github_server import FakeGitHub
from provider_server import ProviderServer, make_target, openai_models, openai_style
from proxy_server import ProxyServer

from dump_models.fetch import fetch_listing
from dump_models.github import GitHub

TOKEN = "ghs_CANARYproxy" + "5" * 26
KEY = "sk-CANARY-proxy-0123456789"
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1, self-signed, valid for a day."""
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def proxy_env(monkeypatch):
    """No proxy setting from the machine: each test says what it wants."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)

    def use(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return use


@pytest.fixture
def https_github(certificate, monkeypatch):
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    with FakeGitHub(token=TOKEN, ssl_context=context) as fake:
        yield fake


@pytest.fixture
def provider():
    with ProviderServer() as server:
        server.route("/v1/models", openai_style(openai_models(2), key=KEY))
        yield server


def test_github_over_https_goes_through_the_proxys_tunnel(proxy_env, https_github):
    with ProxyServer() as proxy:
        proxy_env(HTTPS_PROXY=proxy.url)
        api = GitHub(https_github.url, TOKEN, https_github.repository)
        assert api.default_branch() == "main"
        api.create_pull(head="update", base="main", title="T", body="B", draft=False)
        host = https_github.url.removeprefix("https://")
        assert proxy.seen and set(proxy.seen) == {("CONNECT", host)}
        # The token went through the tunnel, end to end encrypted, and reached GitHub.
        assert [r.method for r in https_github.requests] == ["GET", "POST"]


def test_github_skips_the_proxy_for_no_proxy_hosts(proxy_env, https_github):
    with ProxyServer() as proxy:
        proxy_env(HTTPS_PROXY=proxy.url, NO_PROXY="localhost,127.0.0.1")
        assert GitHub(https_github.url, TOKEN, https_github.repository).default_branch() == "main"
        assert proxy.seen == []


def test_a_provider_over_http_goes_through_the_proxy(proxy_env, provider):
    with ProxyServer() as proxy:
        proxy_env(HTTP_PROXY=proxy.url, HTTPS_PROXY=proxy.url)
        result = fetch_listing(make_target("p", provider, api_key=KEY), timeout=5, retries=0)
        assert result.ok, result.error
        assert proxy.seen == [("GET", f"{provider.url}/v1/models")]
        assert len(provider.requests) == 1


def test_a_provider_skips_the_proxy_for_no_proxy_hosts(proxy_env, provider):
    with ProxyServer() as proxy:
        proxy_env(HTTP_PROXY=proxy.url, NO_PROXY="127.0.0.1")
        result = fetch_listing(make_target("p", provider, api_key=KEY), timeout=5, retries=0)
        assert result.ok, result.error
        assert proxy.seen == []


def test_an_unreachable_proxy_is_a_connection_failure_not_a_hang(proxy_env, provider):
    with ProxyServer() as proxy:
        dead = proxy.url
    proxy_env(HTTP_PROXY=dead)
    result = fetch_listing(make_target("p", provider, api_key=KEY), timeout=5, retries=0)
    assert not result.ok and "\n" not in result.error
    assert KEY not in result.error
    assert provider.requests == []
