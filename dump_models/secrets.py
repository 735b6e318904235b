"""Every secret the process has seen, and the redaction of them from any text."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_secrets: set[str] = set()

MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words
# In provider data (the dumps) only key-like values are replaced: a short test key such as
# "test" must not rewrite every description that contains the word.
DATA_MIN_LENGTH = 12


def register(value: str | None) -> None:
    """Remember a key or token so that :func:`redact` hides it everywhere."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


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
