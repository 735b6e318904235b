"""Whole model ids in text (docs/risk.md): the rule, and a matcher for many ids at once.

An id is named where it stands with no word character (letter, digit, ``_``) next to it,
counting ``- . / : @ +`` as part of a word when a word character follows them on the far
side. ``gpt-4o`` is named in ``"gpt-4o"``, ``gpt-4o,`` and ``gpt-4o.`` at the end of a
sentence, not in ``gpt-4o-mini``, ``xgpt-4o``, ``gpt-4o2``, ``gpt-4o.1``, ``gpt-4o.json`` or
``gpt-4o:free``. Case counts (APIs take ids as they are written). The provider's name may
stand in front with a slash, as LiteLLM writes ids: ``openai/gpt-4o`` names OpenAI's
``gpt-4o`` (not ``azure/gpt-4o``), and ``openrouter/openai/gpt-4o`` names OpenRouter's
``openai/gpt-4o``; an id that has a prefix of its own is only named with it (``gpt-4o`` never
names OpenRouter's ``openai/gpt-4o``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

CONNECTORS = "-./:@+"
_WORD = re.compile(r"\w")
# The core of a token (a run of word characters and connectors, less the connectors at its
# ends): the rule names an id (or provider/id) exactly where it is a core. findall gives every
# core: matching greedily from a token's first word character to its last.
_CORE = re.compile(r"\w(?:[\w\-./:@+]*\w)?")

Model = tuple[str, str]  # (provider, model id)


def _word(char: str) -> bool:
    return bool(_WORD.match(char))


def _starts_clear(line: str, start: int) -> bool:
    """Nothing of a word ends at ``start``: connectors right before it are not preceded by a
    word character."""
    while start > 0 and line[start - 1] in CONNECTORS:
        start -= 1
    return start == 0 or not _word(line[start - 1])


def _ends_clear(line: str, end: int) -> bool:
    while end < len(line) and line[end] in CONNECTORS:
        end += 1
    return end == len(line) or not _word(line[end])


def mentions(line: str, provider: str, model_id: str) -> bool:
    """Whether ``line`` names ``provider``'s ``model_id`` by the rule above (the plain
    definition; :class:`Matcher` finds the same, faster)."""
    if not model_id:
        return False
    prefix = f"{provider}/"
    start = line.find(model_id)
    while start >= 0:
        end = start + len(model_id)
        if _ends_clear(line, end):
            if _starts_clear(line, start):
                return True
            before = start - len(prefix)
            if before >= 0 and line[before:start] == prefix and _starts_clear(line, before):
                return True
        start = line.find(model_id, start + 1)
    return False


class Matcher:
    """Finds the models a text names, line by line: ids made of word characters and
    connectors (starting and ending with a word character) by their token, others (``My
    Model``, ``@cf/...``) by the rule itself."""

    def __init__(self, models: Iterable[Model]) -> None:
        self.by_token: dict[str, set[Model]] = {}
        self.odd: list[Model] = []
        for provider, model_id in models:
            if _CORE.fullmatch(model_id):
                self.by_token.setdefault(model_id, set()).add((provider, model_id))
                self.by_token.setdefault(f"{provider}/{model_id}", set()).add((provider, model_id))
            elif model_id and "\n" not in model_id:
                self.odd.append((provider, model_id))  # looked for with the rule itself
        self.tokens = frozenset(self.by_token)

    def scan(self, text: str) -> set[tuple[int, Model]]:
        """``(line number, model)`` for each line of ``text`` (counted from 1, split at
        ``\\n`` as git does) that names a model."""
        found: set[tuple[int, Model]] = set()
        # Every token's core at C speed; only the few that are ids are looked at further.
        for core in set(_CORE.findall(text)) & self.tokens:
            for number, line in _lines_with(text, core):
                for model in self.by_token[core]:
                    if mentions(line, *model):
                        found.add((number, model))
        for provider, model_id in self.odd:
            for number, line in _lines_with(text, model_id):
                if mentions(line, provider, model_id):
                    found.add((number, (provider, model_id)))
        return found


def _lines_with(text: str, needle: str) -> Iterator[tuple[int, str]]:
    """(number, line) of each line of ``text`` holding ``needle``."""
    number, counted = 1, 0
    start = text.find(needle)
    while start >= 0:
        first = text.rfind("\n", 0, start) + 1
        last = text.find("\n", start)
        last = len(text) if last < 0 else last
        number += text.count("\n", counted, first)
        counted = first
        yield number, text[first:last]
        start = text.find(needle, last)
