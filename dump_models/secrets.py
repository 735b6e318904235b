"""Every secret the process has seen, in every form it travels in, and its redaction from text."""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import quote, quote_plus

_lock = threading.Lock()
_secrets: set[str] = set()

MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words
# In provider data (the dumps) only key-like values are replaced: a short test key such as
# "test" must not rewrite every description that contains the word.
DATA_MIN_LENGTH = 12


def forms(value: str) -> set[str]:
    """``value`` as it may come back from a server: as is, percent-encoded the ways a URL
    holds it (``quote``, ``quote_plus``: what requests writes for a query parameter; upper-
    or lower-case hex) and escaped as a JSON string."""
    encoded = {value, quote(value, safe=""), quote(value), quote_plus(value)}
    encoded |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), form) for form in encoded}
    encoded |= {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    return encoded


def register(value: str | None) -> None:
    """Remember a key or token so that :func:`redact` hides it everywhere, in each of its
    :func:`forms`; a multi-line value also line by line (each line is a secret on its own)."""
    if not value:
        return
    parts = {value, value.strip(), *(line.strip() for line in value.splitlines())}
    found = {form for part in parts if len(part) >= MIN_SECRET_LENGTH for form in forms(part)}
    with _lock:
        _secrets.update(found)


def known() -> list[str]:
    """The registered secrets, longest first (so a secret containing another is hidden whole)."""
    with _lock:
        return sorted(_secrets, key=len, reverse=True)


def redact(text: str, *, min_length: int = MIN_SECRET_LENGTH) -> str:
    """Replace every registered secret (of at least ``min_length`` characters) with ``***``."""
    for secret in known():
        if len(secret) >= min_length and secret in text:
            text = text.replace(secret, "***")
    return text


def clear() -> None:
    """Forget every secret (tests)."""
    with _lock:
        _secrets.clear()
