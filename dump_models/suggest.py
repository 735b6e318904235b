"""The closest known name to a misspelt one, for error lines (``openruoter`` → openrouter)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """`` (did you mean 'openrouter'?)`` for the closest of ``choices``, or "" when none is
    close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
