"""How much one provider may cost a run: bytes, JSON values, pages and wall-clock time.

Every field is a ``settings:`` key of the same name (README, "Limits"). A provider that
reaches one fails with a line naming the setting; the others go on.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The limits of one provider's fetch, all pages and retries included."""

    max_response_bytes: int = 64 * MIB  # one response's body
    max_listing_bytes: int = 128 * MIB  # the bodies of all pages together
    # JSON values (objects, arrays, strings, numbers, ...) over all pages, counted on the bytes
    # before a page is parsed: parsed, each takes 40-100 bytes of memory whatever its size
    # on the wire, so bytes alone do not bound memory (`{}` is 2 bytes and a 64-byte dict).
    max_listing_values: int = 2_000_000
    max_pages: int = 1000
    provider_timeout: float = 600.0  # seconds for the whole provider: pages, retries, waits


DEFAULT_LIMITS = Limits()
