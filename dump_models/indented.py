"""JSON text two-space indented, byte for byte as ``json.dumps(value, indent=2,
ensure_ascii=False, allow_nan=False)`` writes it, in about two thirds of its time.

With ``indent`` the standard library uses its pure-Python encoder, a generator per level and
per value; every dump a run writes goes through it (docs/scale.md). Here each container is
one ``join`` and strings go through the C escaper ``json`` itself uses. Anything but the
types JSON parsing gives (a key that is not a string, NaN or Infinity, a set) is left to
``json.dumps``, so that its result or its error is exactly the library's.
"""

from __future__ import annotations

import json
import math
from json.encoder import encode_basestring  # the C escaper when _json is there, as json's
from typing import Any

_CONSTANTS = {None: "null", True: "true", False: "false"}


class _Unusual(Exception):
    """A value this encoder leaves to ``json.dumps``."""


def dumps(value: Any) -> str:
    """``value`` as two-space indented JSON (no final newline), as ``json.dumps`` writes it."""
    try:
        return _Encoder().text(value, 0)
    except _Unusual:
        return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)


class _Encoder:
    def __init__(self) -> None:
        self.breaks = ["\n"]  # line break and indentation of each level

    def text(self, value: Any, level: int) -> str:
        kind = type(value)
        if kind is str:
            return encode_basestring(value)
        if kind is dict or kind is list:
            if not value:
                return "{}" if kind is dict else "[]"
            while len(self.breaks) <= level + 1:
                self.breaks.append("\n" + "  " * len(self.breaks))
            inner, level = self.breaks[level + 1], level + 1
            if kind is dict:
                if any(type(key) is not str for key in value):
                    raise _Unusual
                parts = [
                    encode_basestring(key)
                    + ": "
                    + (encode_basestring(item) if type(item) is str else self.text(item, level))
                    for key, item in value.items()
                ]
                opening, closing = "{", "}"
            else:
                parts = [
                    encode_basestring(item) if type(item) is str else self.text(item, level)
                    for item in value
                ]
                opening, closing = "[", "]"
            return opening + inner + ("," + inner).join(parts) + self.breaks[level - 1] + closing
        if kind is int:
            return int.__repr__(value)
        if kind is float and math.isfinite(value):
            return float.__repr__(value)
        if kind is bool or value is None:
            return _CONSTANTS[value]
        raise _Unusual
