"""Fetching providers' model listings: auth, paging, retries, limits and concurrency (SPEC §3).

Nothing here raises for a provider's failure: every problem becomes that provider's
:class:`FetchResult` with ``ok=False`` and a one-line, redacted ``error``.
"""

from __future__ import annotations

import email.utils
import json
import math
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

from . import __version__, secrets
from .providers import ANTHROPIC_VERSION, Target
from .session import Session

USER_AGENT = f"dump-models/{__version__}"
MAX_BYTES = 64 * 1024 * 1024  # module attribute, read at call time (tests lower it)
MAX_PAGES = 1000
MAX_RETRY_AFTER = 60.0  # seconds; a server asking for longer is waited on for this long only
CHUNK_SIZE = 64 * 1024
SNIPPET_CHARS = 200
MESSAGE_CHARS = 320  # a failure's whole line; cut only after redaction (a cut key would leak)
SNIPPET_BYTES = 64 * 1024  # of a body quoted in a message, redacted whole before the cut
# paging scheme -> (response field with the next token, request parameter that takes it)
TOKEN_PAGING = {
    "gemini": ("nextPageToken", "pageToken"),
    "cohere": ("next_page_token", "page_token"),
}


@dataclass
class FetchResult:
    """One provider's fetch: the merged listing, or why there is none."""

    name: str
    ok: bool
    document: dict | list | None
    models: list[dict] | None
    error: str | None
    seconds: float
    pages: int
    fetched_at: float


class _Failure(Exception):
    """A provider's failure with its final one-line reason (not retried)."""


class _Retryable(Exception):
    """An attempt that may be retried: ``kind`` is "timeout", "connection" or "status"."""

    def __init__(self, kind: str, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.retry_after = retry_after


@dataclass
class _Response:
    status: int
    headers: Mapping[str, str]  # case-insensitive (requests' CaseInsensitiveDict)
    body: bytes


# --------------------------------------------------------------------------- messages


def _size_text(n: int) -> str:
    mib = 1024 * 1024
    return f"{n // mib} MiB" if n % mib == 0 else f"{n} bytes"


def _one_line(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def _clean(text: str, target: Target) -> str:
    """One line without the key: query-auth values blanked in URLs, secrets redacted."""
    auth = target.spec.auth
    if auth.startswith("query:"):
        param = re.escape(auth[len("query:") :])
        # Any URL in a message (requests' exceptions carry them) loses the key's value,
        # registered or not, percent-encoded or not.
        text = re.sub(rf"([?&;]{param}=)[^&;#\s'\"<>]*", r"\1***", text)
    key = target.api_key
    if key and len(key) >= secrets.MIN_SECRET_LENGTH:
        text = text.replace(key, "***")
        quoted = requests.utils.quote(key, safe="")
        if quoted != key:
            text = text.replace(quoted, "***")
    return _one_line(secrets.redact(text), MESSAGE_CHARS)


def _snippet(body: bytes) -> str:
    """The start of a body for a message: uncut, so that _clean redacts keys whole first."""
    text = " ".join(body[:SNIPPET_BYTES].decode("utf-8", errors="replace").split())
    return text or "(empty body)"


def _exception_reason(exc: BaseException) -> str:
    """A short reason for a connection failure, e.g. "Connection refused" (no URL if possible)."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    innermost: BaseException = exc
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return str(current.strerror)
        innermost = current
        for nxt in (getattr(current, "reason", None), current.__cause__, current.__context__):
            if isinstance(nxt, BaseException):
                stack.append(nxt)
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
    text = str(innermost)
    match = re.search(r"\[Errno [^\]]*\] ([^'\")]+)", text)
    if match:
        return match.group(1).strip()
    # The message may still quote a URL; callers pass it through _clean.
    return f"{type(innermost).__name__}: {text}" if text else type(innermost).__name__


def _is_timeout(exc: BaseException) -> bool:
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (requests.Timeout, socket.timeout, TimeoutError)):
            return True
        if type(current).__name__ in ("ReadTimeoutError", "ConnectTimeoutError"):
            return True
        for nxt in (getattr(current, "reason", None), current.__cause__, current.__context__):
            if isinstance(nxt, BaseException):
                stack.append(nxt)
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return False


# --------------------------------------------------------------------------- one request


def _request_parts(target: Target) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and query parameters sent with every page of this target."""
    spec, key = target.spec, target.api_key
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    params = dict(spec.params)
    if key is not None:
        if spec.auth == "bearer":
            headers["Authorization"] = f"Bearer {key}"
        elif spec.auth == "anthropic":
            headers["x-api-key"] = key
            headers["anthropic-version"] = ANTHROPIC_VERSION
        elif spec.auth == "gemini":
            headers["x-goog-api-key"] = key
        elif spec.auth.startswith("header:"):
            headers[spec.auth[len("header:") :]] = key
        elif spec.auth.startswith("query:"):
            params[spec.auth[len("query:") :]] = key
    elif spec.auth == "anthropic":
        # The version header is not a secret; a keyless Anthropic-style server still wants it.
        headers["anthropic-version"] = ANTHROPIC_VERSION
    for name, value in spec.headers.items():
        if "${api_key}" in value:
            if key is None:
                continue  # a header made of the key means nothing without one
            value = value.replace("${api_key}", key)
        headers[name] = value
    return headers, params


def _socket_of(response: requests.Response) -> socket.socket | None:
    """The response's socket, when urllib3 lets us find it (used only to abort a stalled read)."""
    raw = getattr(response, "raw", None)
    conn = getattr(raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if isinstance(sock, socket.socket):
        return sock
    fp = getattr(getattr(raw, "_fp", None), "fp", None)
    sock = getattr(getattr(fp, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _read(
    session: requests.Session,
    url: str,
    params: dict[str, str],
    headers: dict[str, str],
    timeout: float,
    state: dict[str, Any],
) -> _Response:
    """One GET, body streamed under the size cap; runs in a helper thread (see _attempt)."""
    deadline = time.monotonic() + timeout
    response = session.get(
        url, params=params, headers=headers, timeout=(timeout, timeout), stream=True
    )
    state["response"] = response
    try:
        limit = MAX_BYTES
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise _Failure(f"response larger than {_size_text(limit)}")
        buf = bytearray()
        for chunk in response.iter_content(CHUNK_SIZE):
            buf += chunk
            if len(buf) > limit:
                raise _Failure(f"response larger than {_size_text(limit)}")
            if state["cancel"].is_set() or time.monotonic() > deadline:
                raise _Retryable("timeout", "deadline")
        return _Response(response.status_code, response.headers, bytes(buf))
    finally:
        response.close()


def _attempt(
    session: requests.Session,
    url: str,
    params: dict[str, str],
    headers: dict[str, str],
    timeout: float,
) -> _Response:
    """One GET bounded by ``timeout`` of wall-clock time, whatever the server does.

    requests' (connect, read) timeouts only bound each socket operation: a server that
    trickles a byte every few seconds would never trip them. So the request runs in a daemon
    thread and we stop waiting at the deadline (and shut its socket, so the thread ends too).
    """
    state: dict[str, Any] = {"cancel": threading.Event()}
    done = threading.Event()

    def run() -> None:
        try:
            state["result"] = _read(session, url, params, headers, timeout, state)
        except BaseException as exc:  # handed to the waiting thread
            state["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="dump-models-fetch", daemon=True).start()
    if not done.wait(timeout):
        state["cancel"].set()
        response = state.get("response")
        sock = _socket_of(response) if response is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise _Retryable("timeout", "deadline", retry_after=None)
    if "error" in state:
        exc = state["error"]
        if isinstance(exc, (_Failure, _Retryable)):
            raise exc
        if isinstance(
            exc,
            (
                requests.exceptions.InvalidURL,
                requests.exceptions.InvalidSchema,
                requests.exceptions.MissingSchema,
            ),
        ):
            # A bad endpoint will not get better by retrying.
            raise _Failure(f"invalid URL: {exc}") from None
        if isinstance(exc, requests.RequestException) or isinstance(exc, OSError):
            kind = "timeout" if _is_timeout(exc) else "connection"
            raise _Retryable(kind, _exception_reason(exc)) from None
        raise exc
    return state["result"]


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    if not math.isfinite(seconds):
        return MAX_RETRY_AFTER if seconds > 0 else None  # "inf" / "nan": not a wait we can do
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _get(
    sessions: list[_Session],
    url: str,
    params: dict[str, str],
    headers: dict[str, str],
    *,
    timeout: float,
    retries: int,
    backoff: float,
) -> _Response:
    """GET with retries on connection errors, timeouts, 429 and 5xx; returns a 2xx response."""
    attempts = max(0, retries) + 1
    last: _Retryable | None = None
    last_response: _Response | None = None
    for attempt in range(attempts):
        if attempt:
            delay = last.retry_after if last and last.retry_after is not None else None
            if delay is None:
                delay = random.uniform(0, backoff * 2 ** (attempt - 1))  # full jitter
            time.sleep(delay)
        try:
            response = _attempt(sessions[0], url, params, headers, timeout)
        except _Retryable as exc:
            last, last_response = exc, None
            if exc.kind == "timeout":
                # The abandoned thread may still hold the session: start a fresh one.
                secret_headers = sessions[0].secret_headers
                sessions[0].close()
                sessions[0] = _new_session(secret_headers)
            continue
        if response.status == 429 or response.status >= 500:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            last = _Retryable("status", f"HTTP {response.status}", retry_after=retry_after)
            last_response = response
            continue
        if not 200 <= response.status < 300:
            raise _Failure(f"HTTP {response.status}: {_snippet(response.body)}")
        return response
    if last_response is not None:
        raise _Failure(f"HTTP {last_response.status}: {_snippet(last_response.body)}")
    assert last is not None
    noun = "attempt" if attempts == 1 else "attempts"
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if parts.port:
        host += f":{parts.port}"
    if last.kind == "timeout":
        raise _Failure(f"{host} timed out after {timeout:g} s ({attempts} {noun})")
    raise _Failure(f"connection to {host} failed after {attempts} {noun}: {last.reason}")


class _Session(Session):
    """A session that drops every key-carrying header on a redirect to another host or port.

    requests strips only ``Authorization`` there; ``x-api-key``, ``x-goog-api-key`` and custom
    key headers would otherwise follow a redirect anywhere. Keys come from the configuration
    only: ``~/.netrc`` is never read (see :mod:`dump_models.session`); proxy variables apply.
    """


def _new_session(secret_headers: tuple[str, ...] = ()) -> _Session:
    return _Session(secret_headers)


# --------------------------------------------------------------------------- one listing


def _parse(response: _Response) -> Any:
    text = response.body.decode("utf-8-sig", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        raise _Failure(
            f"body is not JSON (HTTP {response.status}): {_snippet(response.body)}"
        ) from None


def _model_list(document: Any, list_key: str | None) -> list[dict]:
    """The page's model list, or a failure saying what the document holds instead."""
    if list_key is None:
        if not isinstance(document, list):
            keys = ", ".join(list(document)[:10]) if isinstance(document, dict) else ""
            what = f"keys: {keys}" if keys else f"got {type(document).__name__}"
            raise _Failure(f"no top-level model list ({what})")
        models = document
    else:
        if not isinstance(document, dict):
            raise _Failure(
                f'no model list under "{list_key}" (the document is {_json_type(document)})'
            )
        if not isinstance(document.get(list_key), list):
            if list_key in document:
                found = _json_type(document[list_key])
                raise _Failure(f'no model list under "{list_key}" ("{list_key}" is {found})')
            keys = ", ".join(list(document)[:10]) or "none"
            raise _Failure(f'no model list under "{list_key}" (keys: {keys})')
        models = document[list_key]
    if not all(isinstance(item, dict) for item in models):
        raise _Failure("model list holds a non-object item")
    return models


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _next_page(
    target: Target, document: Any, models: list[dict], url: str, params: dict[str, str]
) -> tuple[str, str, dict[str, str]] | None:
    """(cursor, next url, next params) for the following page, or None at the end."""
    if not isinstance(document, dict):
        return None
    spec = target.spec
    if spec.paging == "anthropic" and document.get("has_more") is True:
        cursor = document.get("last_id")
        if not cursor and models:
            cursor = models[-1].get(spec.id_field)
        if not cursor:
            raise _Failure("paging cursor missing: has_more is true but there is no last_id")
        return f"after_id={cursor}", url, {**params, "after_id": str(cursor)}
    if spec.paging in TOKEN_PAGING:
        field_name, param = TOKEN_PAGING[spec.paging]
        token = document.get(field_name)
        if token:
            return f"{param}={token}", url, {**params, param: str(token)}
    links = document.get("links")
    nxt = links.get("next") if isinstance(links, dict) else None
    if isinstance(nxt, str) and nxt.strip():
        next_url = urljoin(url, nxt.strip())
        # The key goes only where the listing itself lives: a next page on another origin
        # would receive the Authorization header or the query key.
        here, there = urlsplit(url), urlsplit(next_url)
        if (here.scheme, here.hostname, here.port) != (there.scheme, there.hostname, there.port):
            origin = f"{there.scheme}://{there.hostname}" + (f":{there.port}" if there.port else "")
            raise _Failure(f"links.next points to another origin ({origin}); not followed")
        # The next URL carries its own query; fixed params and query auth fill in what it lacks.
        _, base_params = _request_parts(target)
        present = {k for k, _ in parse_qsl(urlsplit(next_url).query, keep_blank_values=True)}
        next_params = {k: v for k, v in base_params.items() if k not in present}
        return f"next={next_url}", next_url, next_params
    return None


def _fetch_pages(target: Target, *, timeout: float, retries: int, backoff: float):
    spec = target.spec
    headers, params = _request_parts(target)
    url = spec.url
    key = target.api_key
    secret_headers = tuple(n for n, v in headers.items() if key and key in v)
    sessions = [_new_session(secret_headers)]
    first: Any = None
    merged: list[dict] = []
    seen: set[str] = set()
    pages = 0
    try:
        while True:
            response = _get(
                sessions, url, params, headers, timeout=timeout, retries=retries, backoff=backoff
            )
            pages += 1
            document = _parse(response)
            models = _model_list(document, spec.list_key)
            if first is None:
                first = document
            merged.extend(models)
            following = _next_page(target, document, models, url, params)
            if following is None:
                break
            cursor, url, params = following
            if cursor in seen:
                raise _Failure(f"paging cursor repeated: {_one_line(cursor, 120)}", pages)
            seen.add(cursor)
            if pages >= MAX_PAGES:
                raise _Failure(f"more than {MAX_PAGES} pages", pages)
    except _Failure as exc:
        raise _Failure(exc.args[0], pages) from None
    finally:
        sessions[0].close()
    if spec.list_key is None:
        document = merged
    else:
        document = dict(first)
        document[spec.list_key] = merged
    return document, merged, pages


def fetch_listing(
    target: Target, *, timeout: float = 30, retries: int = 3, backoff: float = 0.5
) -> FetchResult:
    """Fetch one provider's full listing, every page, into a :class:`FetchResult`.

    ``timeout`` bounds each request's wall-clock time; ``retries`` is the number of retries
    after the first attempt on connection errors, timeouts, 429 and 5xx. Never raises for the
    provider's failure: the result carries ``ok=False`` and a one-line, redacted ``error``.
    """
    secrets.register(target.api_key)  # idempotent; guards messages even if config forgot
    fetched_at = time.time()
    started = time.monotonic()
    try:
        document, models, pages = _fetch_pages(
            target, timeout=timeout, retries=retries, backoff=backoff
        )
    except _Failure as exc:
        pages = exc.args[1] if len(exc.args) > 1 else 0
        return FetchResult(
            name=target.name,
            ok=False,
            document=None,
            models=None,
            error=_clean(str(exc.args[0]), target),
            seconds=time.monotonic() - started,
            pages=pages,
            fetched_at=fetched_at,
        )
    except Exception as exc:  # a bug or an unforeseen library error: still only this provider
        return _crashed(target, exc, started, fetched_at)
    return FetchResult(
        name=target.name,
        ok=True,
        document=document,
        models=models,
        error=None,
        seconds=time.monotonic() - started,
        pages=pages,
        fetched_at=fetched_at,
    )


def _crashed(target: Target, exc: BaseException, started: float, fetched_at: float) -> FetchResult:
    reason = f"unexpected error: {type(exc).__name__}: {exc}"
    return FetchResult(
        name=target.name,
        ok=False,
        document=None,
        models=None,
        error=_clean(reason, target),
        seconds=time.monotonic() - started,
        pages=0,
        fetched_at=fetched_at,
    )


def fetch_all(
    targets: Iterable[Target],
    *,
    concurrency: int = 8,
    timeout: float = 30,
    retries: int = 3,
    backoff: float = 0.5,
    on_result: Callable[[FetchResult], None] | None = None,
) -> dict[str, FetchResult]:
    """Fetch every target concurrently; results by name, in the targets' order.

    ``on_result`` is called in the calling thread as each provider finishes (progress
    output). One provider's failure never stops the others.
    """
    targets = list(targets)
    results: dict[str, FetchResult] = {}
    if not targets:
        return results
    workers = max(1, min(concurrency, len(targets)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dump-models") as pool:
        futures = {
            pool.submit(
                fetch_listing, target, timeout=timeout, retries=retries, backoff=backoff
            ): target
            for target in targets
        }
        for future in as_completed(futures):
            target = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # fetch_listing catches everything; belt and braces
                result = _crashed(target, exc, time.monotonic(), time.time())
            results[target.name] = result
            if on_result is not None:
                on_result(result)
    return {t.name: results[t.name] for t in targets if t.name in results}
