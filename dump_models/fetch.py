# Over 350 lines: every listing shape and limit fails through the one redacted path here.
"""Fetching providers' model listings: auth, paging, limits and concurrency.

The HTTP transport (deadline, retries, Retry-After, the redirect-safe session) is in
:mod:`dump_models.http`; here are the listing shapes and each provider's limits
(:class:`~dump_models.limits.Limits`). Nothing here raises for a provider's failure: every
problem becomes that provider's :class:`FetchResult` with ``ok=False`` and a one-line,
redacted ``error``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from . import __version__, http, secrets
from .limits import DEFAULT_LIMITS, Limits
from .providers import ANTHROPIC_VERSION, Target

USER_AGENT = f"dump-models/{__version__}"
MESSAGE_CHARS = 320  # a failure's whole line, cut only after redaction (a cut key would leak)
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
    # The server answered 304 to the validators sent: the listing they describe stands.
    not_modified: bool = False
    # What the server said identifies a one-page listing (ETag, Last-Modified), to send back.
    validators: http.Validators | None = None
    size: int = 0  # bytes of the listing as fetched, every page


class _Failure(Exception):
    """A provider's failure with its one-line reason (not yet redacted)."""


# --------------------------------------------------------------------------- messages


_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a key source that is a variable's name


def _message(text: str, target: Target) -> str:
    """The one way a failure's line is made: the key out of the whole text first, in every
    form (query values in URLs blanked even when the key is too short to register), then
    whitespace folded, then the cut. Cutting first could leave part of a key."""
    auth = target.spec.auth
    if auth.startswith("query:"):
        param = re.escape(auth[len("query:") :])
        text = re.sub(rf"([?&;]{param}=)[^&;#\s'\"<>]*", r"\1***", text)
    text = re.sub(r"\s+", " ", secrets.redact(text)).strip()  # one string, even for 64 MiB
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + "..."


def _key_problem(target: Target) -> str | None:
    """Why a key cannot be sent. A key is printable ASCII: a line break or another control
    character would split a header (requests then quotes the whole value in its error), and
    a header holds only Latin-1 (a smart quote pasted with the key fails in http.client)."""
    key = target.api_key
    if key is None or all(" " <= c <= "~" for c in key):
        return None
    where = f"the key in {target.key_source}" if target.key_source else "the key"
    return (
        f"{where} holds a line break or a character outside printable ASCII; "
        "store the key alone, on one line"
    )


def _refused(target: Target, failure: http.Failure) -> str:
    """A failure's reason; a 401 or 403 also names where the key came from, or which
    variable would hold one when none was sent."""
    if failure.status not in (401, 403):
        return str(failure)
    source = target.key_source
    if source and target.api_key is not None:
        who = source if _VARIABLE.fullmatch(source) else f"the key in {source}"
        return f"{who} was refused: {failure}"
    names = " or ".join(target.spec.key_env)
    return f"{failure} (no key was sent; set {names})" if names else str(failure)


# --------------------------------------------------------------------------- one page


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


# --------------------------------------------------------------------------- one listing


def _json_values(body: bytes | bytearray) -> int:
    """At least the number of JSON values and keys in ``body``, counted without parsing.

    Every value or key but the root follows a ``,``, a ``:`` or the ``{``/``[`` of a
    non-empty container; brackets and separators inside strings only make the count higher.
    """
    opened = body.count(b"{") - body.count(b"{}") + body.count(b"[") - body.count(b"[]")
    return opened + body.count(b",") + body.count(b":") + 1


class _Listing:
    """The pages read so far, merged, and what they cost against the provider's limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.pages = 0
        self.bytes = 0
        self.values = 0
        self.first: Any = None
        self.models: list[dict] = []
        self.cursors: set[str] = set()
        self.not_modified = False
        self.validators: http.Validators | None = None  # of the first page

    def bytes_allowed(self) -> int:
        """The most the next response may hold."""
        left = self.limits.max_listing_bytes - self.bytes
        return max(0, min(self.limits.max_response_bytes, left))

    def too_large(self, limit: int) -> str:
        if limit == self.limits.max_response_bytes:
            return f"response larger than {http.size_text(limit)} (settings.max_response_bytes)"
        total = http.size_text(self.limits.max_listing_bytes)
        return f"listing larger than {total} at page {self.pages + 1} (settings.max_listing_bytes)"

    def charge(self, body: bytes | bytearray) -> None:
        """Count a page's bytes and JSON values before it is parsed: its parsed form takes
        many times its size in memory (`{}` is 2 bytes and a 64-byte dict)."""
        self.bytes += len(body)
        self.values += _json_values(body)
        if self.values > self.limits.max_listing_values:
            raise _Failure(
                f"listing of more than {self.limits.max_listing_values:,} JSON values "
                f"at page {self.pages + 1} (settings.max_listing_values)"
            )

    def add(self, document: Any, models: list[dict]) -> None:
        self.pages += 1
        if self.first is None:
            self.first = document
        self.models.extend(models)

    def document(self, list_key: str | None) -> dict | list:
        """One document for every page: the first page's, with every page's models."""
        if list_key is None:
            return self.models
        document = dict(self.first)
        document[list_key] = self.models
        return document


def _read_page(
    target: Target, text: str, status: int, url: str, params: dict[str, str], page: int
) -> tuple[Any, list[dict], tuple[str, str, dict[str, str]] | None]:
    """The page's document, its models and the following page (or None)."""
    try:
        try:
            document = json.loads(text)
        except ValueError:
            raise _Failure(f"body is not JSON (HTTP {status}): {http.body_text(text)}") from None
        models = _model_list(document, target.spec.list_key)
        return document, models, _next_page(target, document, models, url, params)
    except _Failure:
        raise
    except RecursionError:  # parsing, or any walk over the page's values
        raise _Failure(f"JSON nested too deeply to read (HTTP {status}, page {page})") from None
    except Exception as exc:  # whatever a page holds, it fails this provider with one line
        raise _Failure(f"page {page} could not be read ({type(exc).__name__}: {exc})") from None


def _fetch_pages(
    target: Target,
    listing: _Listing,
    *,
    timeout: float,
    retries: int,
    backoff: float,
    validators: http.Validators | None,
) -> None:
    problem = _key_problem(target)
    if problem is not None:
        raise _Failure(problem)
    limits = listing.limits
    headers, params = _request_parts(target)
    key = target.api_key
    transport = http.Transport(
        secret_headers=tuple(n for n, v in headers.items() if key and key in v),
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        deadline=http.Deadline(limits.provider_timeout),
    )
    try:
        _read_pages(target, listing, transport, headers, params, validators)
    finally:
        transport.close()


def _read_pages(
    target: Target,
    listing: _Listing,
    transport: http.Transport,
    headers: dict[str, str],
    params: dict[str, str],
    validators: http.Validators | None,
) -> None:
    limits = listing.limits
    url = target.spec.url
    while True:
        page = listing.pages + 1
        # Validators go with the first request only: they were kept for one-page listings.
        sent = {**headers, **validators.headers()} if validators and page == 1 else headers
        try:
            response = transport.get(url, params, sent, max_bytes=listing.bytes_allowed())
        except http.TooLarge as exc:
            raise _Failure(listing.too_large(exc.limit)) from None
        except http.OutOfTime as exc:
            last = f"; last attempt: {exc.last}" if exc.last else ""
            raise _Failure(
                f"deadline of {limits.provider_timeout:g} s reached at page {page} "
                f"(settings.provider_timeout){last}"
            ) from None
        except http.Failure as exc:
            raise _Failure(_refused(target, exc)) from None
        if page == 1:
            if response.status == http.NOT_MODIFIED:
                listing.not_modified = True
                return
            found = response.headers
            listing.validators = http.Validators.of(found.get("ETag"), found.get("Last-Modified"))
        listing.charge(response.body)
        text = response.body.decode("utf-8-sig", errors="replace")
        status = response.status
        del response  # the page's bytes go before its text is parsed
        document, models, following = _read_page(target, text, status, url, params, page)
        del text
        listing.add(document, models)
        if following is None:
            return
        cursor, url, params = following
        if cursor in listing.cursors:
            raise _Failure(f"paging cursor repeated: {cursor}")
        listing.cursors.add(cursor)
        if listing.pages >= limits.max_pages:
            raise _Failure(f"more than {limits.max_pages} pages (settings.max_pages)")


def fetch_listing(
    target: Target,
    *,
    timeout: float = 30,
    retries: int = 3,
    backoff: float = 0.5,
    limits: Limits = DEFAULT_LIMITS,
    validators: http.Validators | None = None,
) -> FetchResult:
    """Fetch one provider's full listing, every page, into a :class:`FetchResult`.

    ``validators`` (of the listing the previous run kept) are sent with the first request; a
    ``304`` to them is a result with ``not_modified`` and no listing. A one-page listing's
    result carries the server's own validators.

    ``timeout`` bounds each request's wall-clock time (and never more than what
    ``limits.provider_timeout`` leaves); ``retries`` is the number of retries after the first
    attempt on connection errors, timeouts, 429 and 5xx. Never raises for the provider's
    failure: the result carries ``ok=False`` and a one-line, redacted ``error``.
    """
    secrets.register(target.api_key)  # idempotent; guards messages even if config forgot
    fetched_at = time.time()
    started = time.monotonic()
    listing = _Listing(limits)
    try:
        _fetch_pages(
            target,
            listing,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            validators=validators,
        )
        if listing.not_modified:
            return FetchResult(
                name=target.name,
                ok=True,
                document=None,
                models=None,
                error=None,
                seconds=time.monotonic() - started,
                pages=0,
                fetched_at=fetched_at,
                not_modified=True,
                validators=validators,
            )
        document = listing.document(target.spec.list_key)
    except _Failure as exc:
        return _failed(target, str(exc), started, fetched_at, listing.pages)
    except Exception as exc:  # a bug or an unforeseen library error: still only this provider
        reason = f"unexpected error: {type(exc).__name__}: {exc}"
        return _failed(target, reason, started, fetched_at, listing.pages)
    return FetchResult(
        name=target.name,
        ok=True,
        document=document,
        models=listing.models,
        error=None,
        seconds=time.monotonic() - started,
        pages=listing.pages,
        fetched_at=fetched_at,
        validators=listing.validators if listing.pages == 1 else None,
        size=listing.bytes,
    )


def _failed(
    target: Target, reason: str, started: float, fetched_at: float, pages: int
) -> FetchResult:
    return FetchResult(
        name=target.name,
        ok=False,
        document=None,
        models=None,
        error=_message(reason, target),
        seconds=time.monotonic() - started,
        pages=pages,
        fetched_at=fetched_at,
    )


def fetch_all(
    targets: Iterable[Target],
    *,
    concurrency: int = 8,
    timeout: float = 30,
    retries: int = 3,
    backoff: float = 0.5,
    limits: Limits = DEFAULT_LIMITS,
    on_result: Callable[[FetchResult], None] | None = None,
    on_start: Callable[[str], None] | None = None,
    validators: Mapping[str, http.Validators] | None = None,
) -> dict[str, FetchResult]:
    """Fetch every target concurrently; results by name, in the targets' order.

    ``on_result`` is called in the calling thread as each provider finishes. It takes the
    listing over: the result kept and returned then has no ``document`` or ``models``, and a
    fetch starts only as another is handed over, so memory holds at most ``concurrency``
    listings, however many providers there are and however slow ``on_result`` is. An exception in
    ``on_result`` becomes that provider's failure (``on_result`` is called again with it).
    ``on_start`` is told a provider's name, in the fetching thread, as its fetch begins (for
    progress; what it raises is ignored). One provider's failure never stops the others.
    ``validators``: by provider name, what :func:`fetch_listing` sends back.
    """
    targets = list(targets)
    results: dict[str, FetchResult] = {}
    if not targets:
        return results
    workers = max(1, min(concurrency, len(targets)))
    waiting = iter(targets)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dump-models") as pool:
        futures: dict[Future[FetchResult], Target] = {}

        def start_next() -> None:
            target = next(waiting, None)
            if target is not None:
                future = pool.submit(
                    _started,
                    on_start,
                    target,
                    timeout=timeout,
                    retries=retries,
                    backoff=backoff,
                    limits=limits,
                    validators=(validators or {}).get(target.name),
                )
                futures[future] = target

        # A sliding window: a fetch starts only when one has been handed over, so that the
        # listings held are those in flight, however slow ``on_result`` is.
        for _ in range(workers):
            start_next()
        while futures:
            done = next(as_completed(futures))
            target = futures.pop(done)
            try:
                result = done.result()
            except Exception as exc:  # fetch_listing catches everything; belt and braces
                reason = f"unexpected error: {type(exc).__name__}: {exc}"
                result = _failed(target, reason, time.monotonic(), time.time(), 0)
            del done  # it holds the listing too
            if on_result is not None:
                result = _hand_over(result, target, on_result)
            results[target.name] = result
            start_next()
    return {t.name: results[t.name] for t in targets if t.name in results}


def _started(on_start: Callable[[str], None] | None, target: Target, **options: Any) -> FetchResult:
    """:func:`fetch_listing`, after telling ``on_start`` (whose errors are not the fetch's)."""
    if on_start is not None:
        try:
            on_start(target.name)
        except Exception:  # progress is only shown: never a reason to fail a provider
            pass
    return fetch_listing(target, **options)


def _hand_over(
    result: FetchResult, target: Target, on_result: Callable[[FetchResult], None]
) -> FetchResult:
    """Give ``result`` to ``on_result``; what is kept: the result without its listing, or,
    when ``on_result`` raised, that provider's failure."""
    try:
        on_result(result)
    except Exception as exc:
        reason = f"processing failed: {type(exc).__name__}: {exc}"
        failure = replace(
            result, ok=False, document=None, models=None, error=_message(reason, target)
        )
        try:
            on_result(failure)
        except Exception:  # the failure is still in what fetch_all returns
            pass
        return failure
    return replace(result, document=None, models=None)
