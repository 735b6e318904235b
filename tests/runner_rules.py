"""How the GitHub Actions runner reads workflow commands from a step's output, for tests.

Written from actions/runner (``OutputManager.OnDataReceived``, ``ActionCommand.TryParseV2``
and ``ActionCommand.TryParse``), which reads every line of a container action's stdout *and*
stderr (``StreamReader.ReadLine``: lines end at ``\\r\\n``, ``\\r`` or ``\\n``):

- ``::name props::data`` when the line, after leading whitespace, starts with ``::`` and holds
  a second ``::``;
- ``##[name props]data`` when ``##[`` appears anywhere in the line, followed by ``]``.

The runner compares culture-sensitively (ICU), where control and format characters such as a
zero-width space are ignorable: ``#\\u200b#[`` may match ``##[``. The predicate here drops them
before matching, so it flags more than the runner would, never less. It also counts every
command name, registered or not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

RUNNER_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Command:
    """A workflow command the runner would read: ``form`` is ``::`` or ``##[``."""

    form: str
    name: str
    properties: dict[str, str]
    data: str
    line: str


def _visible(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))


def _properties(text: str, separator: str) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in text.split(separator) if "=" in item)
    return {key.strip(): value for key, value in pairs}


def read_command(line: str) -> Command | None:
    """The command the runner could read in one line, or None."""
    text = _visible(line.lstrip())
    if text.startswith("::"):
        end = text.find("::", 2)
        if end >= 0:
            name, _, props = text[2:end].partition(" ")
            return Command("::", name, _properties(props, ","), text[end + 2 :], line)
    text = _visible(line)
    start = text.find("##[")
    if start >= 0 and "]" in text[start:]:
        info, _, data = text[start + 3 :].partition("]")
        name, _, props = info.partition(" ")
        return Command("##[", name, _properties(props, ";"), data, line)
    return None


def commands_in(output: str) -> list[Command]:
    """Every command the runner could read in a stream of output."""
    found = (read_command(line) for line in RUNNER_LINE_BREAK.split(output))
    return [command for command in found if command is not None]


def is_own_command(command: Command, masks: set[str]) -> bool:
    """One of the commands dump-models itself prints, in the shape it prints it.

    ``masks`` are the values the tool masks (every line of every secret). A provider's text
    shaped like one of these (``::group::x`` in a model name) must not pass: a group title is
    ``<provider>: <status>``, an annotation's title starts with ``dump-models``.
    """
    if command.form != "::":
        return False  # the tool never prints ##[...]
    if command.name == "add-mask":
        return not command.properties and command.data in masks
    if command.name == "endgroup":
        return not command.properties and command.data == ""
    if command.name == "group":
        return bool(re.fullmatch(r"[a-z0-9][a-z0-9._-]*: [a-z]+", command.data))
    if command.name in ("warning", "error"):
        return set(command.properties) == {"title"} and command.properties["title"].startswith(
            "dump-models"
        )
    return False


def foreign_commands(output: str, masks: set[str] = frozenset()) -> list[str]:
    """The lines of ``output`` the runner would run as a command the tool did not mean."""
    return [c.line for c in commands_in(output) if not is_own_command(c, set(masks))]
