"""fetch.py against real loopback HTTP servers: auth, paging, retries, limits, concurrency."""

from __future__ import annotations

import email.utils
import os
import socket
import threading
import time
from pathlib import Path

import pytest
from provider_server import (
    ProviderServer,
    Reply,
    anthropic_models,
    anthropic_style,
    bare_array,
    cohere_models,
    cohere_style,
    endless_pages,
    filler_pages,
    fixed,
    gemini_models,
    gemini_style,
    hang,
    html_error_page,
    links_next_style,
    make_target,
    openai_models,
    openai_style,
    openrouter_models,
    repeated_cursor,
    sequence,
    slow,
    status_reply,
    together_models,
    truncated_json,
)

from dump_models import __version__, fetch, http, secrets, session
from dump_models.fetch import fetch_all, fetch_listing
from dump_models.limits import DEFAULT_LIMITS, Limits
from dump_models.providers import ProviderSpec, Target

CANARY = "sk-CANARY-0123456789abcdef"
FAST = {"timeout": 5, "retries": 3, "backoff": 0.01}


@pytest.fixture
def server():
    with ProviderServer() as srv:
        yield srv


def closed_port_url() -> str:
    """A loopback URL nobody listens on (connection refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def assert_one_line(error: str | None) -> None:
    assert error and "\n" not in error and "\r" not in error


# --------------------------------------------------------------------------- auth styles


def test_bearer_auth_and_user_agent(server):
    models = openai_models(3)
    server.route("/v1/models", openai_style(models, key=CANARY))
    result = fetch_listing(make_target("openai", server, api_key=CANARY), **FAST)
    assert result.ok, result.error
    assert result.models == models
    assert result.document == {"object": "list", "data": models}
    assert result.pages == 1 and result.error is None
    (req,) = server.requests
    assert req.header("authorization") == f"Bearer {CANARY}"
    assert req.header("user-agent") == f"dump-models/{__version__}"
    assert req.query == {}


def test_anthropic_auth_headers_and_paging(server):
    models = anthropic_models(45)
    server.route("/v1/models", anthropic_style(models, key=CANARY))
    target = make_target(
        "anthropic", server, api_key=CANARY, auth="anthropic", params={"limit": "20"},
        paging="anthropic",
    )  # fmt: skip
    result = fetch_listing(target, **FAST)
    assert result.ok, result.error
    assert result.pages == 3
    assert [m["id"] for m in result.models] == [m["id"] for m in models]
    # The first page's top level, with every page's models merged in (cursors left as is).
    assert result.document["data"] == models and result.document["has_more"] is True
    first, second, third = server.requests
    for req in server.requests:
        assert req.header("x-api-key") == CANARY
        assert req.header("anthropic-version") == "2023-06-01"
        assert req.header("authorization") is None
        assert req.query["limit"] == "20"
    assert "after_id" not in first.query
    assert second.query["after_id"] == models[19]["id"]
    assert third.query["after_id"] == models[39]["id"]


def test_gemini_auth_header_and_page_tokens(server):
    models = gemini_models(120)
    server.route("/v1beta/models", gemini_style(models, key=CANARY))
    target = make_target(
        "gemini", server, api_key=CANARY, prefix="/v1beta", auth="gemini", list_key="models",
        id_field="name", params={"pageSize": "50"}, paging="gemini",
    )  # fmt: skip
    result = fetch_listing(target, **FAST)
    assert result.ok, result.error
    assert result.pages == 3 and result.models == models
    assert list(result.document) == ["models", "nextPageToken"]
    reqs = server.requests
    assert all(r.header("x-goog-api-key") == CANARY for r in reqs)
    assert all(r.header("authorization") is None and "key" not in r.query for r in reqs)
    assert all(r.query["pageSize"] == "50" for r in reqs)
    assert "pageToken" not in reqs[0].query and reqs[1].query["pageToken"]
    assert reqs[1].query["pageToken"] != reqs[2].query["pageToken"]


def test_cohere_page_tokens(server):
    models = cohere_models(45)
    server.route("/v1/models", cohere_style(models, key=CANARY))
    target = make_target(
        "cohere", server, api_key=CANARY, list_key="models", id_field="name",
        params={"page_size": "20"}, paging="cohere",
    )  # fmt: skip
    result = fetch_listing(target, **FAST)
    assert result.ok, result.error
    assert result.pages == 3 and result.models == models
    assert [("page_token" in r.query) for r in server.requests] == [False, True, True]


def test_custom_header_auth_and_templated_headers(server):
    server.route("/v1/models", openai_style(openai_models(1)))
    target = make_target(
        "custom", server, api_key=CANARY, auth="header:X-Api-Key",
        headers={"X-Client": "tests", "X-Signed": "token ${api_key}"}, params={"type": "all"},
    )  # fmt: skip
    assert fetch_listing(target, **FAST).ok
    (req,) = server.requests
    assert req.header("x-api-key") == CANARY
    assert req.header("authorization") is None
    assert req.header("x-client") == "tests"
    assert req.header("x-signed") == f"token {CANARY}"
    assert req.query == {"type": "all"}


def test_query_param_auth(server):
    server.route("/v1/models", openai_style(openai_models(1)))
    target = make_target("q", server, api_key=CANARY, auth="query:key", params={"a": "1"})
    assert fetch_listing(target, **FAST).ok
    (req,) = server.requests
    assert req.query == {"a": "1", "key": CANARY}
    assert req.header("authorization") is None


def test_keyless_sends_no_auth_and_drops_key_headers(server):
    server.route("/v1/models", openai_style(openai_models(2)))
    target = make_target(
        "openrouter", server, api_key=None, key_optional=True,
        headers={"X-Key": "${api_key}", "X-Title": "dump-models"},
    )  # fmt: skip
    assert fetch_listing(target, **FAST).ok
    (req,) = server.requests
    assert req.header("authorization") is None
    assert req.header("x-key") is None
    assert req.header("x-title") == "dump-models"


def test_auth_none_sends_no_key_even_if_one_is_set(server):
    server.route("/api/tags", fixed(Reply(200, {"models": [{"name": "llama3:8b"}]})))
    target = make_target(
        "ollama", server, api_key=CANARY, prefix="", models_path="/api/tags", auth="none",
        list_key="models",
    )  # fmt: skip
    result = fetch_listing(target, **FAST)
    assert result.ok and result.models == [{"name": "llama3:8b"}]
    (req,) = server.requests
    assert CANARY not in str(req.headers) and CANARY not in req.raw_path


# --------------------------------------------------------------------------- paging


@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
def test_links_next_relative_and_absolute(server, absolute):
    models = openrouter_models(25)
    server.route(
        "/v1/models", links_next_style(models, page_size=10, absolute=absolute, server=server)
    )
    target = make_target("openrouter", server, api_key=None, key_optional=True, paging="links_next")
    result = fetch_listing(target, **FAST)
    assert result.ok, result.error
    assert result.pages == 3 and result.models == models
    assert result.document["total_count"] == 25
    assert [r.query.get("offset") for r in server.requests] == [None, "10", "20"]
    assert all(r.path == "/v1/models" for r in server.requests)


def test_links_next_followed_without_declared_paging_and_keeps_params_and_query_auth(server):
    models = openai_models(15)
    server.route("/v1/models", links_next_style(models, page_size=10))
    target = make_target("plain", server, api_key=CANARY, auth="query:key", params={"type": "all"})
    result = fetch_listing(target, **FAST)
    assert result.ok and result.pages == 2 and result.models == models
    assert server.requests[1].query == {"offset": "10", "type": "all", "key": CANARY}


@pytest.mark.parametrize("scheme", ["anthropic", "gemini", "cohere", "links_next"])
def test_repeated_cursor_stops_with_error(server, scheme):
    list_key = "models" if scheme in ("gemini", "cohere") else "data"
    auth = "anthropic" if scheme == "anthropic" else "bearer"
    server.route("/v1/models", repeated_cursor(scheme))
    target = make_target("loop", server, paging=scheme, list_key=list_key, auth=auth)
    result = fetch_listing(target, **FAST)
    assert not result.ok and result.models is None and result.document is None
    assert result.error.startswith("paging cursor repeated: ")
    assert len(server.requests) <= 3


def test_more_than_max_pages_stops(server):
    server.route("/v1/models", endless_pages())
    target = make_target("cohere", server, list_key="models", id_field="name", paging="cohere")
    result = fetch_listing(target, limits=Limits(max_pages=5), **FAST)
    assert not result.ok and result.error == "more than 5 pages (settings.max_pages)"
    assert len(server.requests) == 5


def test_bare_array_listing(server):
    models = together_models(4)
    server.route("/v1/models", bare_array(models))
    result = fetch_listing(make_target("together", server, list_key=None), **FAST)
    assert result.ok and result.document == models and result.models == models


def test_empty_list_is_a_listing(server):
    server.route("/v1/models", openai_style([]))
    result = fetch_listing(make_target("empty", server), **FAST)
    assert result.ok and result.models == [] and result.document == {"object": "list", "data": []}


# --------------------------------------------------------------------------- retries


def test_retries_through_500s(server):
    server.route(
        "/v1/models",
        sequence(status_reply(500), status_reply(503), openai_style(openai_models(2))),
    )
    result = fetch_listing(make_target("flaky", server), **FAST)
    assert result.ok, result.error
    assert len(server.requests) == 3


def test_gives_up_after_retries_with_last_status(server):
    server.route("/v1/models", fixed(status_reply(502, {"error": "bad gateway"})))
    result = fetch_listing(make_target("down", server), timeout=5, retries=2, backoff=0.01)
    assert not result.ok
    assert result.error == 'HTTP 502: {"error": "bad gateway"}'
    assert len(server.requests) == 3


def test_429_honours_retry_after(server):
    server.route(
        "/v1/models",
        # Lower-case header name, as HTTP/2 front ends send it: looked up case-insensitively.
        sequence(status_reply(429, retry_after="1"), openai_style(openai_models(1))),
    )
    started = time.monotonic()
    result = fetch_listing(make_target("limited", server), timeout=5, retries=3, backoff=0.001)
    elapsed = time.monotonic() - started
    assert result.ok, result.error
    assert len(server.requests) == 2
    assert 0.9 <= elapsed < 3


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("1.5", 1.5),
        ("Thu, 01 Jan 1970 00:02:00 GMT", 60.0),  # an HTTP date, 60 s after "now" (60)
        ("Thu, 01 Jan 1970 00:02:00 -0000", 60.0),  # no zone said: GMT all the same
        ("Thu, 01 Jan 1970 00:00:30 GMT", 0.0),  # already past
        ("-5", 0.0),
        ("1" + "0" * 400, None),  # no finite number
        ("inf", None),
        ("nan", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_forms(value, seconds):
    # Providers' transport and GitHub's client read the header through the same function.
    assert session.retry_after_seconds(value, 60.0) == seconds


def test_retry_after_parsing():
    assert http.retry_after("2") == 2.0
    assert http.retry_after("3600") == http.MAX_RETRY_AFTER
    assert http.retry_after("soon") is None and http.retry_after(None) is None
    assert http.retry_after("nan") is None and http.retry_after("-5") == 0.0
    in_ten = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert 8 <= http.retry_after(in_ten) <= 10
    past = email.utils.formatdate(time.time() - 100, usegmt=True)
    assert http.retry_after(past) == 0.0


def test_401_fails_at_once_with_one_line(server):
    body = '{\n  "error": "invalid key"\n}'
    server.route("/v1/models", fixed(Reply(401, body)))
    result = fetch_listing(make_target("openai", server), **FAST)
    assert not result.ok
    assert result.error == 'OPENAI_API_KEY was refused: HTTP 401: { "error": "invalid key" }'
    assert len(server.requests) == 1


def test_connection_refused_after_retries():
    url = closed_port_url()
    target = make_target("gone", _FakeServer(url))
    result = fetch_listing(target, timeout=2, retries=2, backoff=0.01)
    assert not result.ok
    host = url.split("//")[1].split("/")[0]
    assert result.error == f"connection to {host} failed after 3 attempts: Connection refused"


class _FakeServer:
    """Only a URL, for targets that point where no server is."""

    def __init__(self, url: str) -> None:
        self.url = url


# --------------------------------------------------------------------------- bad bodies


def test_html_page_is_not_json(server):
    server.route("/v1/models", fixed(html_error_page()))
    result = fetch_listing(make_target("html", server), **FAST)
    assert not result.ok
    assert_one_line(result.error)
    assert result.error.startswith("body is not JSON (HTTP 200): <!DOCTYPE html> <html> <head>")


def test_truncated_json_is_not_json(server):
    server.route("/v1/models", fixed(truncated_json()))
    result = fetch_listing(make_target("cut", server), **FAST)
    assert not result.ok and result.error.startswith('body is not JSON (HTTP 200): {"object"')


@pytest.mark.parametrize(
    ("body", "list_key", "error"),
    [
        (
            {"error": "x", "message": "y"},
            "data",
            'no model list under "data" (keys: error, message)',
        ),
        ({"data": "nope"}, "data", 'no model list under "data" ("data" is a string)'),
        ([{"id": "a"}], "data", 'no model list under "data" (the document is an array)'),
        ({"data": []}, None, "no top-level model list (keys: data)"),
        ({"data": [{"id": "a"}, "b"]}, "data", "model list holds a non-object item"),
        ([1, 2], None, "model list holds a non-object item"),
    ],
)
def test_json_without_model_list(server, body, list_key, error):
    server.route("/v1/models", fixed(Reply(200, body)))
    result = fetch_listing(make_target("odd", server, list_key=list_key), **FAST)
    assert not result.ok and result.error == error


# --------------------------------------------------------------------------- time and size bounds


def test_never_answering_server_fails_in_bounded_time(server):
    server.route("/v1/models", fixed(hang()))
    started = time.monotonic()
    result = fetch_listing(make_target("hang", server), timeout=1, retries=1, backoff=0.01)
    elapsed = time.monotonic() - started
    host = server.url.split("//")[1]
    assert not result.ok and result.error == f"{host} timed out after 1 s (2 attempts)"
    assert elapsed < 3.5
    assert len(server.requests) == 2


def test_trickling_body_is_bounded_by_wall_clock(server):
    # Each byte arrives well within the read timeout, but the whole body would take 20 s.
    body = b'{"data": [' + b" " * 200 + b"]}"
    server.route("/v1/models", fixed(Reply(200, body, trickle=0.1)))
    started = time.monotonic()
    result = fetch_listing(make_target("trickle", server), timeout=1, retries=0)
    elapsed = time.monotonic() - started
    host = server.url.split("//")[1]
    assert not result.ok and result.error == f"{host} timed out after 1 s (1 attempt)"
    assert elapsed < 2


def test_an_abandoned_read_ends_with_its_attempt(server):
    # The attempt stops waiting at its deadline and stops the read too: the helper thread,
    # blocked in a read the trickle keeps alive, must not outlive the fetch.
    body = b'{"data": [' + b" " * 200 + b"]}"
    server.route("/v1/models", fixed(Reply(200, body, trickle=0.1)))
    before = set(threading.enumerate())
    result = fetch_listing(make_target("trickle", server), timeout=1, retries=0)
    assert not result.ok
    helpers = [t for t in threading.enumerate() if t not in before and t.name == http.THREAD_NAME]
    for thread in helpers:
        thread.join(timeout=1)
    assert not [t for t in helpers if t.is_alive()]


@pytest.mark.parametrize("content_length", [True, False], ids=["declared", "streamed"])
def test_response_size_cap(server, content_length):
    body = b'{"data": [' + b" " * (3 * 1024 * 1024) + b"]}"
    server.route("/v1/models", fixed(Reply(200, body, content_length=content_length)))
    limits = Limits(max_response_bytes=1024 * 1024)
    result = fetch_listing(make_target("huge", server), limits=limits, **FAST)
    assert not result.ok
    assert result.error == "response larger than 1 MiB (settings.max_response_bytes)"
    assert len(server.requests) == 1  # not retried


def test_default_limits():
    mib = 1024 * 1024
    assert DEFAULT_LIMITS == Limits(
        max_response_bytes=64 * mib,
        max_listing_bytes=128 * mib,
        max_listing_values=2_000_000,
        max_pages=1000,
        provider_timeout=600,
    )
    assert http.size_text(DEFAULT_LIMITS.max_response_bytes) == "64 MiB"


@pytest.mark.parametrize("content_length", [True, False], ids=["declared", "streamed"])
def test_bytes_over_all_pages_are_limited(server, content_length):
    pages = filler_pages(10_000)  # never ends; each page about 10 kB

    def handle(request):
        reply = pages(request)
        return Reply(200, reply.body, content_length=content_length)

    server.route("/v1/models", handle)
    target = make_target("big", server, api_key=None, key_optional=True)
    result = fetch_listing(target, limits=Limits(max_listing_bytes=35_000), **FAST)
    assert not result.ok
    assert result.error == "listing larger than 35000 bytes at page 4 (settings.max_listing_bytes)"
    assert len(server.requests) == 4 and result.pages == 3


def test_json_values_over_all_pages_are_limited(server):
    server.route("/v1/models", filler_pages(9_000, pages=3))  # 3,000 `{}` a page
    target = make_target("many", server, api_key=None, key_optional=True)
    result = fetch_listing(target, limits=Limits(max_listing_values=5_000), **FAST)
    assert not result.ok
    assert result.error == (
        "listing of more than 5,000 JSON values at page 2 (settings.max_listing_values)"
    )
    assert len(server.requests) == 2
    assert fetch_listing(target, limits=Limits(max_listing_values=10_000), **FAST).ok


def test_json_values_are_counted_before_the_page_is_parsed(server):
    # Not even JSON: the count is made on the bytes, so nothing is ever parsed.
    server.route("/v1/models", fixed(Reply(200, b'{"data": [' + b"{}," * 10_000)))
    target = make_target("many", server)
    result = fetch_listing(target, limits=Limits(max_listing_values=5_000), **FAST)
    assert result.error == (
        "listing of more than 5,000 JSON values at page 1 (settings.max_listing_values)"
    )


def test_provider_timeout_bounds_slow_endless_paging(server):
    # Each page comes well within the request timeout, but the paging never ends.
    server.route("/v1/models", slow(filler_pages(100), 0.2))
    target = make_target("slow", server, api_key=None, key_optional=True)
    started = time.monotonic()
    result = fetch_listing(target, timeout=1, retries=0, limits=Limits(provider_timeout=1))
    elapsed = time.monotonic() - started
    assert not result.ok
    assert result.error.startswith("deadline of 1 s reached at page ")
    assert "(settings.provider_timeout)" in result.error
    assert 3 <= len(server.requests) <= 6
    assert elapsed < 1.6


def test_provider_timeout_counts_retry_after_waits(server):
    server.route("/v1/models", fixed(status_reply(429, Retry_After="30")))
    started = time.monotonic()
    result = fetch_listing(
        make_target("limited", server), timeout=5, retries=3, limits=Limits(provider_timeout=1)
    )
    elapsed = time.monotonic() - started
    assert result.error == (
        "deadline of 1 s reached at page 1 (settings.provider_timeout); last attempt: HTTP 429"
    )
    assert elapsed < 1.5 and len(server.requests) == 1


def test_each_request_gets_only_the_time_the_provider_has_left(server):
    server.route("/v1/models", fixed(hang()))
    started = time.monotonic()
    result = fetch_listing(
        make_target("hang", server), timeout=30, retries=3, limits=Limits(provider_timeout=1)
    )
    elapsed = time.monotonic() - started
    assert result.error == (
        "deadline of 1 s reached at page 1 (settings.provider_timeout); last attempt: timed out"
    )
    assert elapsed < 1.6 and len(server.requests) == 1


def test_json_nested_too_deeply_is_a_clean_failure(server):
    server.route("/v1/models", fixed(Reply(200, b'{"data": [' + b"[" * 100_000)))
    result = fetch_listing(make_target("deep", server), **FAST)
    assert not result.ok
    assert result.error == "JSON nested too deeply to read (HTTP 200, page 1)"


# --------------------------------------------------------------------------- fetch_all


def test_fetch_all_is_concurrent_and_isolates_failures(server):
    delay = 0.4
    names = [f"p{i}" for i in range(5)]
    for name in names:
        server.route(f"/{name}/models", slow(openai_style(openai_models(2, name)), delay))
    server.route("/bad/models", fixed(Reply(401, {"error": "invalid key"})))
    targets = [make_target(name, server, prefix=f"/{name}") for name in [*names, "bad"]]
    seen: list[tuple[str, str]] = []

    def on_result(result):
        seen.append((result.name, threading.current_thread().name))

    started = time.monotonic()
    results = fetch_all(targets, concurrency=8, on_result=on_result, **FAST)
    elapsed = time.monotonic() - started
    assert list(results) == [*names, "bad"]  # the targets' order
    assert all(results[n].ok for n in names)
    assert not results["bad"].ok and results["bad"].error.startswith(
        "BAD_API_KEY was refused: HTTP 401"
    )
    assert sorted(n for n, _ in seen) == sorted([*names, "bad"])
    assert {thread for _, thread in seen} == {threading.current_thread().name}
    assert seen[0][0] == "bad"  # reported as soon as it finished, before the slow ones
    assert elapsed < 0.5 * delay * len(names)
    assert all(results[n].seconds >= delay * 0.9 for n in names)
    assert all(abs(results[n].fetched_at - time.time()) < 10 for n in names)


def test_an_error_in_on_result_is_that_providers_failure(server):
    server.route("/a/models", openai_style(openai_models(1, "a")))
    server.route("/b/models", slow(openai_style(openai_models(2, "b")), 0.3))
    targets = [make_target(n, server, prefix=f"/{n}", api_key=CANARY) for n in ("a", "b")]
    seen: list[tuple[str, bool, str | None]] = []

    def on_result(result):
        seen.append((result.name, result.ok, result.error))
        if result.name == "a":
            raise ValueError(f"cannot store it with {CANARY}")

    results = fetch_all(targets, on_result=on_result, **FAST)
    failure = "processing failed: ValueError: cannot store it with ***"
    assert seen == [("a", True, None), ("a", False, failure), ("b", True, None)]
    assert not results["a"].ok and results["a"].error == failure
    assert results["b"].ok and results["b"].pages == 1


def test_fetch_all_hands_listings_over_and_keeps_none(server):
    # With on_result, memory holds the listings in flight, not every provider's listing.
    server.route("/a/models", openai_style(openai_models(3, "a")))
    handed: list[list] = []
    results = fetch_all(
        [make_target("a", server, prefix="/a")], on_result=lambda r: handed.append(r.models), **FAST
    )
    assert handed == [openai_models(3, "a")]
    assert results["a"].ok and results["a"].document is None and results["a"].models is None
    kept = fetch_all([make_target("a", server, prefix="/a")], **FAST)
    assert kept["a"].models == openai_models(3, "a")


def test_fetch_all_turns_anything_into_a_failed_result():
    target = make_target("broken", _FakeServer("not-a-url://"))
    results = fetch_all([target], timeout=1, retries=0)
    assert not results["broken"].ok
    assert results["broken"].error.startswith("invalid URL: No connection adapters")
    assert fetch_all([]) == {}


# --------------------------------------------------------------------------- secrets


def test_canary_never_in_errors(server):
    echo = f'{{"error": "key {CANARY} is invalid"}}'
    server.route("/v1/models", fixed(Reply(401, echo)))
    server.route("/html/models", fixed(Reply(200, f"<html>{CANARY}</html>")))
    server.route("/hang/models", fixed(hang()))
    errors = [
        fetch_listing(make_target("a", server, api_key=CANARY), **FAST).error,
        fetch_listing(make_target("b", server, api_key=CANARY, prefix="/html"), **FAST).error,
        fetch_listing(
            make_target("c", server, api_key=CANARY, prefix="/hang", auth="query:key"),
            timeout=0.5, retries=0,
        ).error,
        fetch_listing(
            make_target("d", _FakeServer(closed_port_url()), api_key=CANARY, auth="query:api_key"),
            timeout=1, retries=0,
        ).error,
    ]  # fmt: skip
    for error in errors:
        assert error and CANARY not in error and "CANARY" not in error
    assert "***" in errors[0] and "***" in errors[1]


def test_query_key_removed_from_urls_even_when_not_registered():
    # Too short to be registered as a secret: the URL scrubbing alone must hide it.
    key = "Zq9"
    target = make_target("short", _FakeServer(closed_port_url()), api_key=key, auth="query:key")
    secrets.clear()
    text = "Max retries exceeded with url: /v1/models?a=1&key=Zq9 (Caused by X)"
    assert "Zq9" not in fetch._message(text, target)
    assert "key=***" in fetch._message(text, target)
    result = fetch_listing(target, timeout=1, retries=0)
    assert "Zq9" not in result.error


@pytest.mark.parametrize("auth", ["bearer", "anthropic", "gemini", "header:X-Api-Key"])
def test_key_headers_dropped_on_redirect_to_another_host(server, auth):
    models = openai_models(2)
    with ProviderServer() as elsewhere:
        elsewhere.route("/v1/models", openai_style(models))
        server.route(
            "/v1/models", fixed(Reply(302, b"", {"Location": elsewhere.url + "/v1/models"}))
        )
        target = make_target("r", server, api_key=CANARY, auth=auth, headers={"X-K": "${api_key}"})
        result = fetch_listing(target, **FAST)
        assert result.ok and result.models == models
        (req,) = elsewhere.requests
        assert CANARY not in str(req.headers)
        assert req.header("anthropic-version") == ("2023-06-01" if auth == "anthropic" else None)


@pytest.mark.parametrize("auth", ["bearer", "anthropic", "header:X-Api-Key", "none"])
def test_netrc_is_not_consulted_on_a_redirect_to_another_host(server, tmp_path, auth):
    # requests' own redirect handling looks the new host up in ~/.netrc and sends what it finds.
    netrc = tmp_path / "home" / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password netrc-CANARY\n")
    netrc.chmod(0o600)
    with ProviderServer() as elsewhere:
        elsewhere.route("/v1/models", openai_style(openai_models(1)))
        server.route(
            "/v1/models", fixed(Reply(302, b"", {"Location": elsewhere.url + "/v1/models"}))
        )
        result = fetch_listing(make_target("r", server, api_key=CANARY, auth=auth), **FAST)
        assert result.ok, result.error
        (req,) = elsewhere.requests
        assert req.header("Authorization") is None
    first = server.requests[0].header("Authorization")
    assert first == (f"Bearer {CANARY}" if auth == "bearer" else None)


def test_key_headers_kept_on_same_host_redirect(server):
    server.route("/v1/moved", fixed(Reply(302, b"", {"Location": "/v1/models"})))
    server.route("/v1/models", openai_style(openai_models(1), key=CANARY))
    target = make_target("r", server, api_key=CANARY, models_path="/moved")
    result = fetch_listing(target, **FAST)
    assert result.ok, result.error
    assert [r.path for r in server.requests] == ["/v1/moved", "/v1/models"]


def test_links_next_to_another_origin_is_not_followed_and_gets_no_key(server):
    with ProviderServer() as other:
        other.route("/v1/models", openai_style(openai_models(1)))
        page = {"data": openai_models(2), "links": {"next": other.url + "/v1/models?page=2"}}
        server.route("/v1/models", fixed(Reply(200, page)))
        result = fetch_listing(make_target("router", server, api_key="sk-CANARY-origin"), **FAST)
        assert not result.ok
        assert result.error == f"links.next points to another origin ({other.url}); not followed"
        assert other.requests == []


@pytest.mark.parametrize("offset", [0, 150, 190, 199, 250, 310])
def test_a_key_echoed_across_the_cut_of_a_message_is_never_partly_shown(server, offset):
    key = "sk-CANARY-abcdefghijklmnopqrstuvwxyz0123456789"
    body = "x" * offset + f" key {key} rejected " + "y" * 400
    server.route("/v1/models", fixed(Reply(401, body)))
    result = fetch_listing(make_target("echo", server, api_key=key), **FAST)
    assert not result.ok and result.error.startswith("ECHO_API_KEY was refused: HTTP 401: ")
    assert "CANARY" not in result.error and "abcdefghij" not in result.error
    assert len(result.error) <= 330


@pytest.mark.parametrize("padding", [65_530, 65_536 - 27, 65_536, 100_000])
def test_an_error_body_is_redacted_before_it_is_cut(server, padding):
    key = "sk-CANARY-abcdefghijklmnopq"  # 27 characters
    server.route("/v1/models", fixed(Reply(401, " " * padding + key + " rejected")))
    result = fetch_listing(make_target("echo", server, api_key=key), **FAST)
    assert result.error == "ECHO_API_KEY was refused: HTTP 401: *** rejected"


@pytest.mark.parametrize(
    ("auth", "key"), [("none", None), ("bearer", CANARY)], ids=["keyless", "keyed"]
)
def test_netrc_is_never_consulted_on_redirects_included(server, auth, key):
    netrc = Path(os.environ["HOME"]) / ".netrc"
    netrc.write_text("machine 127.0.0.1\n  login netrc-user\n  password sk-CANARY-netrc\n")
    netrc.chmod(0o600)
    with ProviderServer() as elsewhere:
        elsewhere.route("/v1/models", openai_style(openai_models(1)))
        location = elsewhere.url + "/v1/models"
        server.route("/v1/models", fixed(Reply(302, b"", {"Location": location})))
        target = make_target("r", server, api_key=key, auth=auth, key_optional=key is None)
        result = fetch_listing(target, **FAST)
        assert result.ok, result.error
        sent = [*server.requests, *elsewhere.requests]
        assert len(sent) == 2
        assert sent[0].header("authorization") == (f"Bearer {CANARY}" if key else None)
        assert sent[1].header("authorization") is None


def test_proxy_variables_still_apply(server, monkeypatch):
    # The loopback server answers as an HTTP proxy would: the request line holds the full URL.
    server.route("/v1/models", openai_style(openai_models(1)))
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("NO_PROXY", "")
    target = Target(
        ProviderSpec(name="p", endpoint="http://provider.invalid/v1", builtin=False),
        api_key=None,
    )
    result = fetch_listing(target, **FAST)
    assert result.ok, result.error
    assert server.requests[0].raw_path == "http://provider.invalid/v1/models"


@pytest.mark.parametrize("separator", ["\n", "\r\n", "\r", "\t", "\x00", "\x1b", "\u2028", "\xa0"])
def test_a_key_with_a_line_break_or_a_control_character_is_refused(server, separator):
    server.route("/v1/models", openai_style(openai_models(1)))
    key = f"sk-CANARY-first{separator}sk-CANARY-second"
    target = Target(make_target("ml", server).spec, api_key=key, key_source="ML_API_KEY")
    result = fetch_listing(target, **FAST)
    assert not result.ok and server.requests == []
    assert result.error == (
        "the key in ML_API_KEY holds a line break or a character outside printable ASCII; "
        "store the key alone, on one line"
    )


def test_a_header_requests_refuses_fails_at_once_without_a_request(server):
    server.route("/v1/models", openai_style(openai_models(1)))
    target = make_target("h", server, headers={"X-Team": "ml\nx-injected: 1"})
    result = fetch_listing(target, **FAST)
    assert not result.ok and server.requests == []
    assert result.error.startswith("invalid header: ")
