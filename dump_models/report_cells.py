"""How a value and a change read in a cell of the Markdown report (pure).

A change always reads as a change: ``old → new`` where the two sides differ as shown, never
two cells that look the same.  Long values are shown around their first difference; nested
values (a list of benchmark ranks) by the first path where they differ and a count of the
rest (``[3].rank: 47 → 48 (+5 more differences)``); lists of words by the words gained and
lost.  When the readable forms of two different values coincide (``1`` and ``"1"``, runs of
whitespace) their exact JSON is shown instead.  Every text is escaped (``report_text``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dump_models import decimals
from dump_models.json_values import MISSING, same
from dump_models.report_text import escape, number, plural

MINUS = "\u2212"
ARROW = "\u2192"
DASH = "\u2014"  # an unknown or absent value
ELLIPSIS = "\u2026"
MAX_VALUE = 80  # characters of a value shown in a cell
_CONTEXT = 20  # characters kept before the first difference when a long value is cut


def price_change_pct(old: object, new: object) -> str:
    """How a price moved: ``+120%``, ``−50%``, ``0%``; ``added``/``removed`` when one side is
    absent, ``from 0`` when it was free (a percentage of zero means nothing)."""
    if old is None:
        return "added"
    if new is None:
        return "removed"
    before, after = decimals.parse(old), decimals.parse(new)
    if before is None or after is None:
        return ""
    return _pct(before, after)


def limit_change_pct(old: object, new: object) -> str:
    """How a token limit moved (``+100%``), or "" when either side is not a whole number."""
    whole = all(isinstance(v, int) and not isinstance(v, bool) for v in (old, new))
    if not whole:
        return ""
    before, after = decimals.parse(old), decimals.parse(new)
    return "" if before is None or after is None else _pct(before, after)


def _pct(before: Decimal, after: Decimal) -> str:
    if before.is_zero():
        return "0%" if after.is_zero() else "from 0"
    rounded = decimals.percent_change(before, after)
    if rounded is None:
        return ""
    if rounded.is_zero():
        return "0%"
    return f"{MINUS if rounded.is_signed() else '+'}{decimals.text(rounded.copy_abs())}%"


def _readable(value: Any) -> str:
    """A value as a reader wants it: ``yes``, ``1,234``, ``text, image``, compact JSON."""
    if value is None or value is MISSING:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        if isinstance(value, int):
            return number(value)
        if isinstance(value, Decimal):
            return decimals.text(value)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return ", ".join(value) if value else "(none)"
        if isinstance(value, (dict, list)):
            return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return str(value)
    except (ValueError, TypeError, RecursionError):
        # An integer of over 4,300 digits, nesting past the recursion limit: no stored listing
        # holds one (the parser and the listing check refuse them), but rendering never raises.
        return f"({type(value).__name__} too large to show)"


def _exact(value: Any) -> str:
    """A value as its JSON, ASCII only and with visible spaces: two different values never
    read the same here (``1`` and ``"1"``, ``"a  b"`` and ``"a b"``, null and absent)."""
    if value is MISSING:
        return "(absent)"
    if isinstance(value, int) and not isinstance(value, bool):
        return hex(value) if value.bit_length() > 13_000 else str(value)  # hex has no limit
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    except (ValueError, TypeError, RecursionError):
        text = f"({type(value).__name__} too large to show)"
    return text.replace(" ", "\\u0020")


def _around_difference(old: str, new: str) -> tuple[str, str]:
    """Both texts cut to ``MAX_VALUE`` characters at the same place, shortly before their
    first difference, so that the cut texts differ whenever the whole ones do."""
    if len(old) <= MAX_VALUE and len(new) <= MAX_VALUE:
        return old, new
    common = len(os.path.commonprefix([old, new]))
    start = max(0, common - _CONTEXT) if common > MAX_VALUE - _CONTEXT else 0
    return _window(old, start), _window(new, start)


def _window(text: str, start: int) -> str:
    end = start + MAX_VALUE
    return (ELLIPSIS if start else "") + text[start:end] + (ELLIPSIS if len(text) > end else "")


def value_text(value: Any) -> str:
    """One value for a cell, escaped and shortened."""
    text = _readable(value)
    if len(text) > MAX_VALUE:
        text = text[: MAX_VALUE - 1] + ELLIPSIS
    return escape(text)


def _typed(value: Any) -> str:
    """A value whose JSON type changed, written so that its type shows: ``32768 → "32768"``,
    ``true → 1``."""
    if isinstance(value, (str, bool)):
        return json.dumps(value, ensure_ascii=False)
    return _readable(value)


def _kind(value: Any) -> str:
    if value is None or value is MISSING:
        return "none"
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, (int, float, Decimal)) else type(value).__name__


def _pair(old: Any, new: Any) -> tuple[str, str]:
    """The two sides of a change, escaped, as texts that differ."""
    kinds = {_kind(old), _kind(new)}
    show = _typed if len(kinds) == 2 and "none" not in kinds else _readable
    a, b = (escape(text) for text in _around_difference(show(old), show(new)))
    if a != b:
        return a, b
    a, b = (escape(text) for text in _around_difference(_exact(old), _exact(new)))
    return a, b


@dataclass(frozen=True)
class Change:
    """A change as shown: where inside the value (escaped; "" for the value itself), the two
    sides there (escaped, never equal) and how many other places differ."""

    path: str
    old: str
    new: str
    more: int = 0

    def text(self, note: str = "") -> str:
        """``path: old → new (note) (+N more differences)``."""
        line = f"{self.old} {ARROW} {self.new}"
        if self.path:
            line = f"{self.path}: {line}"
        if note:
            line += f" ({note})"
        if self.more:
            line += f" (+{plural(self.more, 'more difference', 'more differences')})"
        return line


def _words(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def words_changed(old: Any, new: Any) -> str | None:
    """Two lists of words as the words gained and lost (``+tools, −seed``), escaped; None when
    they are not both lists of words or hold the same words (only the order moved)."""
    before, after = _words(old), _words(new)
    if before is None or after is None:
        return None
    gained = sorted(set(after) - set(before))
    lost = sorted(set(before) - set(after))
    if not gained and not lost:
        return None
    text = ", ".join([f"+{word}" for word in gained] + [f"{MINUS}{word}" for word in lost])
    if len(text) > MAX_VALUE:
        text = text[: MAX_VALUE - 1] + ELLIPSIS
    return escape(text)


def _path_text(path: list[str | int]) -> str:
    text = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)
    text = text.removeprefix(".")
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + ELLIPSIS


def _differences(old: Any, new: Any) -> tuple[list[str | int], Any, Any, int]:
    """The first path (keys in sorted order, items by index) where two nested values differ,
    their values there, and how many paths differ in all.  Iterative, and only leaves are
    compared: any nesting depth."""
    first: tuple[list[str | int], Any, Any] | None = None
    count = 0
    stack: list[tuple[list[str | int], Any, Any]] = [([], old, new)]
    while stack:
        path, a, b = stack.pop()
        if isinstance(a, dict) and isinstance(b, dict):
            keys = sorted(a.keys() | b.keys(), key=str)
            pairs = [(key, a.get(key, MISSING), b.get(key, MISSING)) for key in keys]
        elif isinstance(a, list) and isinstance(b, list):
            size = max(len(a), len(b))
            pairs = [
                (i, a[i] if i < len(a) else MISSING, b[i] if i < len(b) else MISSING)
                for i in range(size)
            ]
        else:
            if _leaf_same(a, b):
                continue
            count += 1
            if first is None:
                first = (path, a, b)
            continue
        # Pushed in reverse, popped in order: the first difference is the first in reading.
        stack.extend((path + [step], x, y) for step, x, y in reversed(pairs))
    if first is None:  # the same value: nothing to point at
        return [], old, new, 0
    return first[0], first[1], first[2], count


def _leaf_same(a: Any, b: Any) -> bool:
    """Two values of which at most one is a container: ``same`` without recursing."""
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False
    return a is b or same(a, b)


def change(old: Any, new: Any) -> Change:
    """How a value changed, shown so that its two sides differ: two objects or two lists by
    the first path where they differ; anything else whole, cut around its first difference."""
    both_dicts = isinstance(old, dict) and isinstance(new, dict)
    both_lists = isinstance(old, list) and isinstance(new, list)
    if both_dicts or both_lists:
        path, a, b, count = _differences(old, new)
        if path:
            return Change(escape(_path_text(path)), *_pair(a, b), more=count - 1)
    return Change("", *_pair(old, new))
