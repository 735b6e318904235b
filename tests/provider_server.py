"""Fake LLM providers on loopback HTTP, for tests and benchmarks (no mocking of requests).

Usage::

    with ProviderServer() as server:
        server.route("/v1/models", openai_style(openai_models(3)))
        target = make_target("openai", server, api_key="sk-test")
        ...
        server.requests  # every request received: path, query, headers

A handler takes a :class:`Request` and returns a :class:`Reply`. Ready-made handlers speak each
provider's listing shape with its paging, and misbehave on demand (status sequences, HTML
error pages, truncated JSON, hanging, trickling).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from dump_models.providers import ProviderSpec, Target

HANG_LIMIT = 30.0  # a hanging handler gives up after this long, or when the server stops


@dataclass
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    raw_path: str  # path with the query string, as sent

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Reply:
    """What a handler answers. ``body`` may be bytes, str, or any JSON-able value."""

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before anything is sent
    hang: bool = False  # accept, then never answer (until the server stops)
    trickle: float | None = None  # seconds between body bytes
    content_length: bool = True  # False: no Content-Length, body ends when the connection closes

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")


Handler = Callable[[Request], Reply]


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # socketserver's default of 5 drops bursts of parallel connects


class ProviderServer:
    """A ThreadingHTTPServer on 127.0.0.1:<free port> in a daemon thread; a context manager."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # lifecycle
    def __enter__(self) -> ProviderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> ProviderServer:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server._serve(self)

            def log_message(self, *args: object) -> None:
                pass

        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True  # a hanging handler never blocks shutdown
        self._httpd = httpd
        threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # releases hanging handlers
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    # configuration
    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, handler: Handler) -> ProviderServer:
        """Answer GETs of ``path`` (without query) with ``handler``."""
        self.routes[path] = handler
        return self

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # serving
    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        request = Request(
            method=h.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in h.headers.items()},
            raw_path=h.path,
        )
        with self._lock:
            self.requests.append(request)
        handler = self.routes.get(parts.path)
        reply = handler(request) if handler else Reply(404, {"error": "no such route"})
        if reply.hang:
            self.stopping.wait(HANG_LIMIT)
            h.close_connection = True
            return
        if reply.delay:
            self.stopping.wait(reply.delay)
        body = reply.payload()
        try:
            h.send_response(reply.status)
            headers = {"Content-Type": "application/json", **reply.headers}
            for name, value in headers.items():
                h.send_header(name, value)
            if reply.content_length:
                h.send_header("Content-Length", str(len(body)))
            else:
                h.send_header("Connection", "close")
                h.close_connection = True
            h.end_headers()
            if reply.trickle is None:
                h.wfile.write(body)
            else:
                for i in range(len(body)):
                    if self.stopping.wait(reply.trickle):
                        break
                    h.wfile.write(body[i : i + 1])
                    h.wfile.flush()
        except OSError:
            h.close_connection = True  # the client went away (timeouts, size cap)


# --------------------------------------------------------------------------- specs and targets


def make_spec(
    name: str, server: ProviderServer, *, prefix: str = "/v1", **fields: Any
) -> ProviderSpec:
    """A provider spec pointing at ``server`` (endpoint ``<server>/v1`` unless ``prefix``)."""
    fields.setdefault("key_env", (f"{name.upper()}_API_KEY",))
    return ProviderSpec(name=name, endpoint=server.url + prefix, builtin=False, **fields)


def make_target(
    name: str, server: ProviderServer, *, api_key: str | None = "sk-test-key", **fields: Any
) -> Target:
    """A target for ``server``; ``fields`` go to the spec (auth, list_key, paging, ...); its
    key, if any, came from the spec's first key variable."""
    spec = make_spec(name, server, **fields)
    source = spec.key_env[0] if api_key is not None and spec.key_env else None
    return Target(spec, api_key=api_key, key_source=source)


# --------------------------------------------------------------------------- synthetic models


def openai_models(n: int, prefix: str = "model") -> list[dict]:
    return [
        {
            "id": f"{prefix}-{i:03d}",
            "object": "model",
            "created": 1700000000 + i,
            "owned_by": "acme",
        }
        for i in range(n)
    ]


def anthropic_models(n: int) -> list[dict]:
    return [
        {
            "id": f"claude-test-{i:03d}",
            "display_name": f"Claude Test {i}",
            "created_at": "2025-01-01T00:00:00Z",
            "type": "model",
        }
        for i in range(n)
    ]


def gemini_models(n: int) -> list[dict]:
    return [
        {
            "name": f"models/gemini-test-{i:03d}",
            "displayName": f"Gemini Test {i}",
            "inputTokenLimit": 1048576,
            "outputTokenLimit": 65536,
            "supportedGenerationMethods": ["generateContent"],
        }
        for i in range(n)
    ]


def cohere_models(n: int) -> list[dict]:
    return [
        {
            "name": f"command-test-{i:03d}",
            "endpoints": ["chat"],
            "context_length": 128000,
            "features": ["tools"],
            "supports_vision": False,
        }
        for i in range(n)
    ]


def openrouter_models(n: int) -> list[dict]:
    return [
        {
            "id": f"acme/model-{i:03d}",
            "name": f"Acme Model {i}",
            "created": 1700000000 + i,
            "context_length": 131072,
            "pricing": {"prompt": "0.00000025", "completion": "0.000001"},
        }
        for i in range(n)
    ]


def together_models(n: int) -> list[dict]:
    return [
        {
            "id": f"acme/together-{i:03d}",
            "object": "model",
            "type": "chat",
            "context_length": 32768,
            "pricing": {"input": 0.2, "output": 0.6},
        }
        for i in range(n)
    ]


# --------------------------------------------------------------------------- listing handlers


def _unauthorized(message: str = "invalid key") -> Reply:
    return Reply(401, {"error": {"type": "authentication_error", "message": message}})


def _page_size(request: Request, param: str, default: int, maximum: int = 1000) -> int:
    try:
        return max(1, min(int(request.query.get(param, default)), maximum))
    except ValueError:
        return default


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    return int(base64.urlsafe_b64decode(token.encode()).decode().split(":")[1])


def openai_style(models: list[dict], *, key: str | None = None) -> Handler:
    """``{"object": "list", "data": [...]}``; with ``key``, a Bearer mismatch is a 401."""

    def handle(request: Request) -> Reply:
        if key is not None and request.header("authorization") != f"Bearer {key}":
            return _unauthorized()
        return Reply(200, {"object": "list", "data": models})

    return handle


def bare_array(models: list[dict]) -> Handler:
    """A top-level JSON array (Together, GitHub Models)."""
    return lambda request: Reply(200, models)


def anthropic_style(models: list[dict], *, key: str | None = None) -> Handler:
    """Anthropic: ``limit`` (default 20) and ``after_id``; ``has_more``/``first_id``/``last_id``.

    Checks ``x-api-key`` (when ``key``) and ``anthropic-version`` like the real API.
    """

    def handle(request: Request) -> Reply:
        if key is not None and request.header("x-api-key") != key:
            return _unauthorized()
        if request.header("anthropic-version") != "2023-06-01":
            return Reply(400, {"error": {"message": "anthropic-version header is required"}})
        limit = _page_size(request, "limit", 20)
        start = 0
        if "after_id" in request.query:
            ids = [m["id"] for m in models]
            start = ids.index(request.query["after_id"]) + 1
        page = models[start : start + limit]
        return Reply(
            200,
            {
                "data": page,
                "has_more": start + limit < len(models),
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
            },
        )

    return handle


def gemini_style(models: list[dict], *, key: str | None = None, default_size: int = 50) -> Handler:
    """Gemini: ``pageSize``/``pageToken``; ``nextPageToken`` absent on the last page."""

    def handle(request: Request) -> Reply:
        if key is not None and request.header("x-goog-api-key") != key:
            return Reply(400, {"error": {"code": 400, "message": "API key not valid."}})
        size = _page_size(request, "pageSize", default_size)
        start = _offset(request.query.get("pageToken"))
        document: dict[str, Any] = {"models": models[start : start + size]}
        if start + size < len(models):
            document["nextPageToken"] = _token(start + size)
        return Reply(200, document)

    return handle


def cohere_style(models: list[dict], *, key: str | None = None, default_size: int = 20) -> Handler:
    """Cohere: ``page_size``/``page_token``; ``next_page_token`` absent on the last page."""

    def handle(request: Request) -> Reply:
        if key is not None and request.header("authorization") != f"Bearer {key}":
            return _unauthorized()
        size = _page_size(request, "page_size", default_size)
        start = _offset(request.query.get("page_token"))
        document: dict[str, Any] = {"models": models[start : start + size]}
        if start + size < len(models):
            document["next_page_token"] = _token(start + size)
        return Reply(200, document)

    return handle


def links_next_style(
    models: list[dict], *, page_size: int = 10, absolute: bool = False, server: Any = None
) -> Handler:
    """OpenRouter-like: ``{data, total_count, links: {next}}``, ``next`` relative or absolute.

    Keyless. ``absolute`` needs ``server`` (for its URL).
    """

    def handle(request: Request) -> Reply:
        start = int(request.query.get("offset", "0"))
        page = models[start : start + page_size]
        nxt = None
        if start + page_size < len(models):
            nxt = f"{request.path}?offset={start + page_size}"
            if absolute:
                nxt = server.url + nxt
            else:
                nxt = nxt.rsplit("/", 1)[1]  # relative to the current URL: "models?offset=10"
        return Reply(200, {"data": page, "total_count": len(models), "links": {"next": nxt}})

    return handle


def repeated_cursor(scheme: str, models: list[dict] | None = None) -> Handler:
    """A listing whose next-page cursor is always the same (a looping server)."""
    models = models if models is not None else openai_models(2)

    def handle(request: Request) -> Reply:
        if scheme == "anthropic":
            doc = {"data": models, "has_more": True, "first_id": "x", "last_id": models[-1]["id"]}
        elif scheme == "gemini":
            doc = {"models": models, "nextPageToken": "same-token"}
        elif scheme == "cohere":
            doc = {"models": models, "next_page_token": "same-token"}
        else:
            doc = {"data": models, "links": {"next": "models?offset=1"}}
        return Reply(200, doc)

    return handle


def endless_pages(models_per_page: int = 1) -> Handler:
    """Every page has a fresh token: paging that never ends (stopped by ``max_pages``)."""

    def handle(request: Request) -> Reply:
        n = _offset(request.query.get("page_token")) + 1
        doc = {"models": cohere_models(models_per_page), "next_page_token": _token(n)}
        return Reply(200, doc)

    return handle


def empty_object(index: int) -> bytes:
    """``{}``: the cheapest model to send and, per byte, the dearest to parse."""
    return b"{}"


def openrouter_model_json(index: int) -> bytes:
    """About 1 kB of an OpenRouter-shaped model, with a unique id."""
    model = {
        "id": f"acme/model-{index:07d}",
        "name": f"Acme Model {index}",
        "created": 1700000000 + index,
        "description": "A general model for chat, code and tools. " * 8,
        "context_length": 131072,
        "architecture": {
            "modality": "text+image->text",
            "input_modalities": ["text", "image"],
            "output_modalities": ["text"],
            "tokenizer": "Other",
        },
        "pricing": {"prompt": "0.00000025", "completion": "0.000001", "request": "0"},
        "top_provider": {"context_length": 131072, "max_completion_tokens": 8192},
        "supported_parameters": ["tools", "tool_choice", "max_tokens", "temperature", "top_p"],
    }
    return json.dumps(model).encode("utf-8")


def long_text_model_json(index: int) -> bytes:
    """A model whose description is 100 kB of text: few JSON values, many bytes."""
    return b'{"id": "acme/long-%07d", "description": "%s"}' % (index, b"x" * 100_000)


def filler_pages(
    page_bytes: int, *, pages: int | None = None, item: Callable[[int], bytes] = empty_object
) -> Handler:
    """``links.next`` paging (``models?page=N``) where each page holds about ``page_bytes`` of
    models made by ``item(n)``; after ``pages`` pages the listing ends (``None``: never).

    Keyless, like OpenRouter. Pages of ``{}`` are built once and reused (they are all alike).
    """
    cache: dict[int, bytes] = {}

    def models(page: int) -> bytes:
        if item is empty_object:
            if 0 not in cache:
                cache[0] = (b"{}," * -(-page_bytes // 3))[:-1]
            return cache[0]
        parts, size, n = [], 0, page * 1_000_000
        while size < page_bytes:
            parts.append(item(n))
            size += len(parts[-1]) + 1
            n += 1
        return b",".join(parts)

    def handle(request: Request) -> Reply:
        page = int(request.query.get("page", "1"))
        last = pages is not None and page >= pages
        nxt = b"null" if last else b'"models?page=%d"' % (page + 1)
        body = b'{"data": [' + models(page) + b'], "links": {"next": ' + nxt + b"}}"
        return Reply(200, body)

    return handle


# --------------------------------------------------------------------------- misbehaviour


def sequence(*replies: Reply | Handler) -> Handler:
    """Answer with each reply in turn; the last one repeats."""
    items = list(replies)
    lock = threading.Lock()
    count = [0]

    def handle(request: Request) -> Reply:
        with lock:
            i = min(count[0], len(items) - 1)
            count[0] += 1
        item = items[i]
        return item(request) if callable(item) else item

    return handle


def fixed(reply: Reply) -> Handler:
    return lambda request: reply


def status_reply(status: int, body: Any = None, **headers: str) -> Reply:
    """A JSON reply; header keywords use ``_`` for ``-`` (``Retry_After="1"``)."""
    names = {name.replace("_", "-"): value for name, value in headers.items()}
    return Reply(status, body if body is not None else {"error": f"status {status}"}, names)


def html_error_page(status: int = 200) -> Reply:
    html = (
        "<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n"
        "<body><h1>Bad Gateway</h1>\n<p>The upstream server failed.</p></body>\n</html>\n"
    )
    return Reply(status, html, {"Content-Type": "text/html"})


def truncated_json(models: list[dict] | None = None) -> Reply:
    text = json.dumps({"object": "list", "data": models or openai_models(5)})
    return Reply(200, text[: len(text) // 2])


def hang() -> Reply:
    return Reply(hang=True)


def slow(handler: Handler, seconds: float) -> Handler:
    """``handler``'s reply, sent after ``seconds``."""

    def handle(request: Request) -> Reply:
        reply = handler(request)
        reply = Reply(**{**reply.__dict__, "delay": seconds})
        return reply

    return handle


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
