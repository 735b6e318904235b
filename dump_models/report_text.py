"""Text in the Markdown report (pure): provider text made inert, counts and plurals.

Everything that came from a provider goes through ``escape`` (or ``escape_html`` inside
``<summary>``, ``inert`` in a title) before it lands in the report, so that a model name
cannot ping people, reference or close an issue, inject HTML or break a table.
"""

from __future__ import annotations

import re

# Markdown punctuation that could format, link or break a table cell ("#" a heading, "$" math).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#$])")
# A list marker at the start of a list item's text would open a nested list ("- x", "1. x").
_MD_LEADING_MARKER = re.compile(r"^(\d{0,9})([-+.)])(?=\s|$)")
_WHITESPACE = re.compile(r"\s+")
# Where GitHub would find a mention (@user, @org/team, an e-mail), an issue reference (#12,
# owner/repo#12, GH-12) or a link (https://..., www....: an issue URL after "closes" closes
# it): a zero-width space goes right after each, which GitHub's patterns do not allow there.
# Matched anywhere, word boundary or not: breaking a few harmless ones costs nothing.
_LINKABLE = re.compile(r"@|#(?=\d)|GH-(?=\d)|:(?=//)|www(?=\.)", re.I)
_ZWSP = "\u200b"


def inert(text: object) -> str:
    """Provider text made plain: one line, and nothing GitHub turns into a mention, an issue
    reference or a link (so no closing keyword finds anything to close).  For PR titles."""
    value = _WHITESPACE.sub(" ", str(text)).strip()
    if not value.isascii():  # a lone surrogate cannot be written as UTF-8: "?" instead
        value = value.encode("utf-8", errors="replace").decode("utf-8")
    return _LINKABLE.sub(lambda match: match.group(0) + _ZWSP, value)


def escape_html(text: object) -> str:
    """Provider text made inert inside HTML (``<summary>``): ``inert`` plus no tags."""
    value = inert(text)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: object) -> str:
    """Provider text made inert in Markdown: ``escape_html`` plus no formatting, no ``|``."""
    value = _MD_SPECIAL.sub(r"\\\1", escape_html(text))
    return _MD_LEADING_MARKER.sub(r"\1\\\2", value)


def number(count: int) -> str:
    """A whole number with thousands separators: ``1,048,576``."""
    return f"{count:,}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 model``, ``2 models``, ``1,234 models`` (``many``: an irregular plural)."""
    return f"{number(count)} {word if count == 1 else many or word + 's'}"
