"""The HTTP session providers and GitHub are called through, and how both read Retry-After.

It honours the environment's proxy and CA settings (``HTTPS_PROXY``, ``HTTP_PROXY``,
``NO_PROXY``, ``REQUESTS_CA_BUNDLE``: self-hosted runners behind a proxy need them) but never
``~/.netrc``: credentials come from our configuration only, and requests would otherwise put a
netrc password in place of our ``Authorization`` header, or add one on a redirect.
"""

from __future__ import annotations

import email.utils
import math
from datetime import timezone

import requests


class Session(requests.Session):
    """A :class:`requests.Session` with ``trust_env`` on and ``~/.netrc`` off, redirects included.

    On a redirect to another host or port, ``Authorization`` and the headers named in
    ``secret_headers`` are dropped (requests drops only ``Authorization``) and nothing is
    added back.
    """

    def __init__(self, secret_headers: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secret_headers = secret_headers
        # A no-op auth stops requests from reading ~/.netrc when it prepares a request.
        self.auth = _no_auth

    def rebuild_auth(self, prepared_request, response):  # noqa: D102 (requests' hook)
        # requests' own rebuild_auth also looks the new host up in ~/.netrc: not here.
        if self.should_strip_auth(response.request.url, prepared_request.url):
            for name in ("Authorization", *self.secret_headers):
                prepared_request.headers.pop(name, None)


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    return request


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """The wait a ``Retry-After`` header asks for, in seconds from ``now`` (epoch seconds):
    delta-seconds or an HTTP date, 0 for a time already past; None for anything else, a
    number too large to be finite included."""
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
        if when.tzinfo is None:  # an HTTP date is GMT
            when = when.replace(tzinfo=timezone.utc)
        seconds = when.timestamp() - now
    return max(seconds, 0.0) if math.isfinite(seconds) else None
