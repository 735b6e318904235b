# Over 350 lines: the transport, and the validators of a conditional request it sends back.
"""The HTTP transport of one provider's fetch: GETs under a deadline, with retries, Retry-After,
a size cap, and a session that sends keys only where the provider's listing lives.

A request's final failure is a :class:`Failure` with a one-line reason; the reason may still
hold a key (a URL, a body): the caller redacts it before it is shown.
"""

from __future__ import annotations

import random
import re
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

import requests

from .session import Session, retry_after_seconds

MAX_RETRY_AFTER = 60.0  # seconds; a server asking for longer is waited on for this long only
CHUNK_SIZE = 64 * 1024
THREAD_NAME = "dump-models-fetch"  # the helper thread of each attempt
MAX_VALIDATOR = 1024  # characters of an ETag or Last-Modified worth keeping
NOT_MODIFIED = 304


class Failure(Exception):
    """A request's final failure (not retried): ``str(exc)`` is the one-line reason;
    ``status`` the HTTP status that ended it, if one did."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


class TooLarge(Failure):
    """The body was larger than ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"response larger than {size_text(limit)}")
        self.limit = limit


class OutOfTime(Failure):
    """The deadline came before an answer; ``last`` is what the last attempt got, if any."""

    def __init__(self, last: str | None) -> None:
        super().__init__("deadline reached" + (f"; last attempt: {last}" if last else ""))
        self.last = last


class _Retryable(Exception):
    """An attempt that may be retried, and why: no answer in time, no connection, or a
    status (429, 5xx) that says to try again."""

    def __init__(
        self,
        kind: Literal["timeout", "connection", "status"],
        reason: str,
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.retry_after = retry_after


@dataclass
class Response:
    """An answer, its body read whole (``bytearray``: no copy of a large body)."""

    status: int
    headers: Mapping[str, str]  # case-insensitive (requests' CaseInsensitiveDict)
    body: bytes | bytearray


@dataclass(frozen=True)
class Validators:
    """What a server said identifies its answer (``ETag``, ``Last-Modified``), to be sent back
    as ``If-None-Match`` / ``If-Modified-Since``: a ``304`` then means "the same again"."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def of(cls, etag: object, last_modified: object) -> Validators | None:
        """Validators from untrusted values (a response's headers, a cache file): each a
        header value of printable ASCII (no line break could smuggle another header) and
        at most :data:`MAX_VALIDATOR` characters, else left out; None when none is left."""

        def usable(value: object) -> str | None:
            if not isinstance(value, str) or not 0 < len(value) <= MAX_VALIDATOR:
                return None
            return value if all(" " <= c <= "~" for c in value) else None

        found = cls(usable(etag), usable(last_modified))
        return found if found.etag or found.last_modified else None

    def headers(self) -> dict[str, str]:
        """The conditional request headers."""
        sent = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {name: value for name, value in sent.items() if value}


class Deadline:
    """A point in wall-clock (monotonic) time that a whole provider's fetch must not pass."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self._end - time.monotonic()


def size_text(n: int) -> str:
    """``64 MiB`` for whole MiB, else ``N bytes``."""
    mib = 1024 * 1024
    return f"{n // mib} MiB" if n and n % mib == 0 else f"{n} bytes"


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a provider's Retry-After header, at most :data:`MAX_RETRY_AFTER`."""
    seconds = retry_after_seconds(value, time.time())
    return None if seconds is None else min(seconds, MAX_RETRY_AFTER)


class Transport:
    """The GETs of one provider: ``timeout`` per attempt, ``retries`` after the first, and
    nothing past ``deadline`` (each attempt gets at most the time left)."""

    def __init__(
        self,
        *,
        secret_headers: tuple[str, ...],
        timeout: float,
        retries: int,
        backoff: float,
        deadline: Deadline,
    ) -> None:
        self.secret_headers = secret_headers
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.deadline = deadline
        self._session = Session(secret_headers)

    def close(self) -> None:
        """Close the current session."""
        self._session.close()

    def get(
        self, url: str, params: dict[str, str], headers: dict[str, str], *, max_bytes: int
    ) -> Response:
        """GET with retries on connection errors, timeouts, 429 and 5xx; a 2xx response, or a
        304 to a conditional request (``If-None-Match`` / ``If-Modified-Since`` in ``headers``).

        Raises :class:`TooLarge` past ``max_bytes``, :class:`OutOfTime` when the deadline
        comes first (a Retry-After wait that would pass it included), else :class:`Failure`.
        """
        attempts = max(0, self.retries) + 1
        last: _Retryable | None = None
        last_response: Response | None = None
        for attempt in range(attempts):
            if last is not None:
                delay = last.retry_after
                if delay is None:
                    delay = random.uniform(0, self.backoff * 2 ** (attempt - 1))  # full jitter
                if delay >= self.deadline.remaining():
                    raise OutOfTime(last.reason)
                time.sleep(delay)
            budget = min(self.timeout, self.deadline.remaining())
            if budget <= 0:
                raise OutOfTime(last.reason if last else None)
            try:
                response = self._attempt(url, params, headers, budget, max_bytes)
            except _Retryable as exc:
                last, last_response = exc, None
                if exc.kind == "timeout":
                    # The abandoned thread may still hold the session: start a fresh one.
                    self._session.close()
                    self._session = Session(self.secret_headers)
                    if budget < self.timeout:  # the attempt had only what the deadline left
                        raise OutOfTime(exc.reason) from None
                continue
            if response.status == 429 or response.status >= 500:
                wait = retry_after(response.headers.get("Retry-After"))
                last = _Retryable("status", f"HTTP {response.status}", retry_after=wait)
                last_response = response
                continue
            conditional = "If-None-Match" in headers or "If-Modified-Since" in headers
            if response.status == NOT_MODIFIED and conditional:
                return response  # what the validators sent describe is still the answer
            if not 200 <= response.status < 300:
                status = response.status
                raise Failure(f"HTTP {status}: {body_text(response.body)}", status)
            return response
        if last_response is not None:
            status = last_response.status
            raise Failure(f"HTTP {status}: {body_text(last_response.body)}", status)
        assert last is not None
        noun = "attempt" if attempts == 1 else "attempts"
        parts = urlsplit(url)
        host = parts.hostname or "?"
        if parts.port:
            host += f":{parts.port}"
        if last.kind == "timeout":
            raise Failure(f"{host} timed out after {self.timeout:g} s ({attempts} {noun})")
        raise Failure(f"connection to {host} failed after {attempts} {noun}: {last.reason}")

    def _attempt(
        self,
        url: str,
        params: dict[str, str],
        headers: dict[str, str],
        timeout: float,
        max_bytes: int,
    ) -> Response:
        """One GET bounded by ``timeout`` of wall-clock time, whatever the server does.

        requests' (connect, read) timeouts only bound each socket operation: a server that
        trickles a byte every few seconds would never trip them. So the request runs in a
        daemon thread and we stop waiting at the deadline (and stop its read, so the thread
        ends too).
        """
        attempt = _Attempt(self._session, url, params, headers, timeout, max_bytes)
        threading.Thread(target=attempt.run, name=THREAD_NAME, daemon=True).start()
        if not attempt.finished.wait(timeout):
            attempt.cancel()
            raise _Retryable("timeout", "timed out")
        if attempt.error is not None:
            raise _attempt_error(attempt.error)
        assert attempt.result is not None  # run() sets one of result and error
        return attempt.result


@dataclass
class _Attempt:
    """One GET, run in a helper thread (see :meth:`Transport._attempt`), and what the waiting
    thread sees of it: ``finished``, then ``result`` or ``error``."""

    session: requests.Session
    url: str
    params: dict[str, str]
    headers: dict[str, str]
    timeout: float
    max_bytes: int
    finished: threading.Event = field(default_factory=threading.Event)
    cancelled: threading.Event = field(default_factory=threading.Event)
    response: requests.Response | None = None  # once the headers are in
    result: Response | None = None
    error: BaseException | None = None

    def run(self) -> None:
        """The helper thread's work: ``result`` or ``error``, then ``finished``."""
        try:
            self.result = self._read()
        except BaseException as exc:  # handed to the waiting thread
            self.error = exc
        finally:
            self.finished.set()

    def cancel(self) -> None:
        """Stop the read from the waiting thread: a read blocked on the socket is woken."""
        self.cancelled.set()
        response = self.response
        # urllib3 2.3+ stops a response's reads with the public HTTPResponse.shutdown(); with
        # an older urllib3 the read ends at its own timeout or at the next chunk.
        shutdown = getattr(response.raw, "shutdown", None) if response is not None else None
        if shutdown is not None:
            try:
                shutdown()
            except (OSError, RuntimeError, ValueError):  # the read has ended; no socket to shut
                pass

    def _read(self) -> Response:
        """One GET, body streamed under ``max_bytes``."""
        deadline = time.monotonic() + self.timeout
        response = self.session.get(
            self.url,
            params=self.params,
            headers=self.headers,
            timeout=(self.timeout, self.timeout),
            stream=True,
        )
        self.response = response
        try:
            # cancel() sets `cancelled` before it looks for `response`: one of the two sees
            # the other, so a cancel that came as the headers did is not missed.
            if self.cancelled.is_set():
                raise _Retryable("timeout", "timed out")
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > self.max_bytes:
                raise TooLarge(self.max_bytes)
            body = bytearray()
            for chunk in response.iter_content(CHUNK_SIZE):
                body += chunk
                if len(body) > self.max_bytes:
                    raise TooLarge(self.max_bytes)
                if self.cancelled.is_set() or time.monotonic() > deadline:
                    raise _Retryable("timeout", "timed out")
            return Response(response.status_code, response.headers, body)
        finally:
            response.close()


def _attempt_error(exc: BaseException) -> BaseException:
    """What an attempt's exception means: final, retryable, or a bug (raised as it is)."""
    if isinstance(exc, (Failure, _Retryable)):
        return exc
    if isinstance(
        exc,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
        ),
    ):
        return Failure(f"invalid URL: {exc}")  # a bad endpoint will not get better by retrying
    if isinstance(exc, requests.exceptions.InvalidHeader):
        return Failure(f"invalid header: {exc}")
    if isinstance(exc, (requests.RequestException, OSError)):
        if _is_timeout(exc):
            return _Retryable("timeout", "timed out")
        return _Retryable("connection", _exception_reason(exc))
    return exc


def body_text(body: bytes | bytearray | str) -> str:
    """A body for a message, whole: the message builder redacts it before any cut."""
    text = body if isinstance(body, str) else body.decode("utf-8", errors="replace")
    return "(empty body)" if not text or text.isspace() else text


def _causes(exc: BaseException):
    """``exc`` and every exception it wraps (reasons, causes, contexts, arguments)."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for nxt in (getattr(current, "reason", None), current.__cause__, current.__context__):
            if isinstance(nxt, BaseException):
                stack.append(nxt)
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))


def _exception_reason(exc: BaseException) -> str:
    """A short reason for a connection failure, e.g. "Connection refused" (no URL if possible)."""
    innermost: BaseException = exc
    for current in _causes(exc):
        if isinstance(current, OSError) and current.strerror:
            return str(current.strerror)
        innermost = current
    text = str(innermost)
    match = re.search(r"\[Errno [^\]]*\] ([^'\")]+)", text)
    if match:
        return match.group(1).strip()
    # The message may still quote a URL; callers redact it.
    return f"{type(innermost).__name__}: {text}" if text else type(innermost).__name__


def _is_timeout(exc: BaseException) -> bool:
    for current in _causes(exc):
        if isinstance(current, (requests.Timeout, socket.timeout, TimeoutError)):
            return True
        if type(current).__name__ in ("ReadTimeoutError", "ConnectTimeoutError"):
            return True
    return False
