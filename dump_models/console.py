"""What the tool prints: every line redacted, then made inert for the GitHub Actions runner.

The runner reads a workflow command from any line of a step's stdout and stderr: ``::name::``
at the start of a line (after whitespace) and ``##[name]`` anywhere in it. Text from outside
(a provider's error body, keys, ids, names, field names; a file name) must never become one,
so every line the CLI and the Action print goes through :func:`clean`; only the tool's own
commands, built by :func:`command`, bypass it. See ``docs/output.md``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from . import secrets

# Characters the runner's culture-sensitive (ICU) comparisons skip: controls and the Unicode
# default-ignorable code points. ``#\u200b#[`` may match ``##[`` there, so they are allowed
# between the characters of a command marker. (A zero-width space is therefore no way to
# break a marker; a visible backslash is.)
_IGNORABLE = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5"
    "\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
    "\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_SKIP = f"[{_IGNORABLE}]*"
# Lines end at every line break the runner knows (\r\n, \r, \n) and at those other readers
# of the log may honour (\v, \f, \x1c-\x1e, \x85, \u2028, \u2029).
_LINE_BREAK = re.compile(r"(\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029])")
# One character class before the "::" (no alternation), matched once per line: linear time.
_COMMAND_START = re.compile(rf"\A([\s{_IGNORABLE}]*):({_SKIP}):")
_BRACKET_COMMAND = re.compile(rf"#({_SKIP})#({_SKIP})\[")
_COLONS = re.compile(rf":{_SKIP}:")  # what every command start holds


def inert(text: str) -> str:
    """``text`` with no workflow command in it, and otherwise as it was.

    A ``::`` that starts a line becomes ``\\::`` and every ``##[`` becomes ``##\\[``: the
    backslash breaks the marker for the runner (which skips no backslash) and reads as the
    usual escape (Markdown renders ``\\[`` as ``[``).
    """
    if not _COLONS.search(text):  # no "::" anywhere (a long JSON text): no line to look at
        return _no_bracket_command(text)
    parts = _LINE_BREAK.split(text)  # lines at even indexes, their breaks in between
    parts[::2] = [_COMMAND_START.sub(r"\1\\:\2:", line, count=1) for line in parts[::2]]
    return _no_bracket_command("".join(parts))


def _no_bracket_command(text: str) -> str:
    return _BRACKET_COMMAND.sub(r"#\1#\2\\[", text)


# Control characters but the tab and the line ends: an escape sequence from a provider
# (ESC [2J clears a terminal, ESC ] 8 makes a link) is printed as the text \x1b[2J.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with every control character but tab, ``\\n`` and ``\\r`` written ``\\xNN``."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group(0)):02x}", text)


def clean(text: str) -> str:
    """Text as the tool prints it: secrets redacted first (so that a key containing ``##[``
    is still found whole), control characters made :func:`visible`, then made
    :func:`inert`."""
    return inert(visible(secrets.redact(text)))


def say(text: str, *, stream: TextIO | None = None) -> None:
    """Print ``text`` (one or more lines) cleaned, to stdout or ``stream``."""
    print(clean(text), file=stream or sys.stdout, flush=True)


def json_text(data: Any) -> str:
    """``data`` as two-space JSON for the console, redacted, with the same values when parsed.

    ``##[`` can only occur inside a JSON string, where ``\\u005b`` is the same ``[``; no JSON
    line starts with ``::``.
    """
    return _inert_json(json.dumps(data, indent=2, ensure_ascii=False))


def json_items(items: Iterable[Any]) -> str:
    """A JSON array of many records, one compact record a line: as fast to write as JSON gets
    (the C encoder), a diff of two shows one line per record that changed, and as safe as
    :func:`json_text`."""
    return _inert_json(_items(items, "  ", ""))


def json_with_items(data: Mapping[str, Any], key: str) -> str:
    """An object whose ``key`` is an array of records (:func:`json_items`' layout), each other
    member on a line of its own; as safe as :func:`json_text`."""
    members = [
        f"  {json.dumps(name)}: "
        + (_items(value, "    ", "  ") if name == key else json.dumps(value, ensure_ascii=False))
        for name, value in data.items()
    ]
    return _inert_json("{\n" + ",\n".join(members) + "\n}")


# Records are trees of plain values: no cycle to look for (a quarter of the encoding time).
_ENCODE_RECORD = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def _items(items: Iterable[Any], pad: str, close: str) -> str:
    body = ",\n".join(pad + _ENCODE_RECORD(item) for item in items)
    return f"[\n{body}\n{close}]" if body else "[]"


def _inert_json(text: str) -> str:
    return inert(_BRACKET_COMMAND.sub(r"#\1#\2\\u005b", secrets.redact(text)))


# --- the tool's own commands ------------------------------------------------------------


def escape_data(text: str) -> str:
    """Escape a workflow command's message so that it stays one command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (``title=...``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str) -> str:
    """One of the tool's own workflow commands: ``::name key=value,...::message``.

    The message and the property values are redacted, escaped (one line, the runner's
    escapes) and cleared of ``##[`` (the runner tries that form on a line as well).
    """
    props = ",".join(
        f"{key}={_no_bracket_command(escape_property(secrets.redact(value)))}"
        for key, value in properties.items()
    )
    head = f"{name} {props}" if props else name
    return f"::{head}::{_no_bracket_command(escape_data(secrets.redact(message)))}"


def mask_command(value: str) -> str:
    """``::add-mask::`` for one line of a secret: escaped as the runner unescapes it, never
    redacted or altered otherwise (the runner must learn the value itself)."""
    return f"::add-mask::{escape_data(value)}"
