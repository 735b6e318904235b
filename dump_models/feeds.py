"""``dump-models feed``: Atom 1.0 and JSON Feed 1.1 from the change log (pure).

One entry per provider and run (the events sharing ``provider`` and ``ts``), newest first,
the newest :data:`FEED_LIMIT` only. An entry's id is a name-based UUID of its provider and
time, so rebuilding a feed never changes it. Provider text is escaped in the HTML, and the
documents are inert for the Actions runner (``docs/history.md``).
"""

from __future__ import annotations

import html
import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dump_models.events import (
    FIELD_EVENTS,
    MODEL_ADDED,
    MODEL_REMOVED,
    Event,
    event_line,
    inert_json,
)
from dump_models.report import price_change_pct

FEED_LIMIT = 100  # entries in a feed: the newest; the log keeps them all
FEED_TITLE = "Model catalog changes"
AUTHOR = "dump-models"
NO_ENTRY_TIME = "1970-01-01T00:00:00Z"  # a feed without entries was updated at no time
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:dump-models:changes")
_ATOM = "http://www.w3.org/2005/Atom"
MINUS = "\u2212"

# XML 1.0 has no place for these characters; line breaks in provider text become spaces so
# that no line of a feed starts with what a reader of the output could take for a command.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\r\n\x85\u2028\u2029]")

# The entry's HTML: a section per kind of event, in this order.
_SECTIONS = (
    ("Added", (MODEL_ADDED,)),
    ("Removed", (MODEL_REMOVED,)),
    ("Prices (USD per 1M tokens)", ("price_changed",)),
    ("Limits", ("limit_changed",)),
    ("Capabilities", ("capability_changed",)),
    ("Deprecations", ("deprecation_changed",)),
)
_ADDED_FIELDS = (
    ("input_price", "input"),
    ("output_price", "output"),
    ("context_length", "context"),
    ("max_output_tokens", "max output"),
)


@dataclass(frozen=True)
class Entry:
    """One provider's events of one run."""

    provider: str
    ts: str
    events: tuple[Event, ...]

    @property
    def id(self) -> str:
        """``urn:uuid:`` of a UUID5 of provider and time: the same on every rebuild."""
        return uuid.uuid5(_NAMESPACE, f"{self.provider}\n{self.ts}").urn

    @property
    def title(self) -> str:
        """The entry's one-line summary, e.g. ``openrouter: +3 −2, 13 repriced``."""
        return entry_summary(self.provider, self.events)


def entries(
    events: Iterable[Event], *, provider: str | None = None, limit: int = FEED_LIMIT
) -> list[Entry]:
    """The log's events as feed entries (of ``provider`` only, if given), newest first (then
    by provider), at most ``limit``; a line repeated in the log counts once."""
    runs: dict[tuple[str, str], dict[str, Event]] = {}
    for event in events:
        if provider is None or event.provider == provider:
            runs.setdefault((event.provider, event.ts), {})[event_line(event)] = event
    keys = sorted(runs, key=lambda key: key[0])
    keys.sort(key=lambda key: key[1], reverse=True)
    return [
        Entry(name, ts, tuple(sorted(runs[(name, ts)].values(), key=lambda e: e.sort_key)))
        for name, ts in keys[:limit]
    ]


def _models(events: Sequence[Event], kind: str, field: str | None = None) -> int:
    return len({e.model for e in events if e.type == kind and field in (None, e.field)})


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def entry_summary(provider: str, events: Sequence[Event]) -> str:
    """``openrouter: +3 −2, 13 repriced, 1 context change``: models added and removed, then
    the models whose prices, limits, capabilities or deprecation changed."""
    added, removed = _models(events, MODEL_ADDED), _models(events, MODEL_REMOVED)
    parts = [
        " ".join(([f"+{added}"] if added else []) + ([f"{MINUS}{removed}"] if removed else []))
    ]
    repriced = _models(events, "price_changed")
    counts = [
        (_models(events, "limit_changed", "context_length"), "context change"),
        (_models(events, "limit_changed", "max_output_tokens"), "output limit change"),
        (_models(events, "capability_changed"), "capability change"),
        (_models(events, "deprecation_changed"), "deprecation change"),
    ]
    parts.append(f"{repriced} repriced" if repriced else "")
    parts += [_plural(count, word) for count, word in counts if count]
    return f"{provider}: " + ", ".join(part for part in parts if part)


def _text(value: object) -> str:
    """A value as it is shown: unknown, yes/no, a list's words, a number or date as is."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, (dict, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _h(value: object) -> str:
    """Provider text for the HTML: one line of text, never markup."""
    return html.escape(_LINE_BREAKS.sub(" ", _text(value)), quote=True)


def _item(event: Event) -> str:
    head = f"<code>{_h(event.model)}</code>"
    if event.type == MODEL_ADDED:
        known = [
            f"{label} {_h(event.new[name])}"
            for name, label in _ADDED_FIELDS
            if isinstance(event.new, dict) and name in event.new
        ]
        return head + (": " + ", ".join(known) if known else "")
    if event.type == MODEL_REMOVED:
        return head
    line = f"{head}: {_h(event.field)} {_h(event.old)} \u2192 {_h(event.new)}"
    if FIELD_EVENTS.get(event.field or "") == "price_changed":
        move = price_change_pct(event.old, event.new)
        line += f" ({_h(move)})" if move else ""
    return line


def entry_html(entry: Entry) -> str:
    """The entry's events as HTML: a line saying what changed, then a list per kind."""
    parts = [f"<p>{_h(entry.title)} ({_h(entry.ts)})</p>"]
    for title, kinds in _SECTIONS:
        items = [_item(e) for e in entry.events if e.type in kinds]
        if items:
            parts.append(f"<h3>{title}</h3><ul>{''.join(f'<li>{i}</li>' for i in items)}</ul>")
    return "".join(parts)


def _feed_title(provider: str | None) -> str:
    return FEED_TITLE if provider is None else f"{FEED_TITLE}: {provider}"


def _feed_id(provider: str | None) -> str:
    return uuid.uuid5(_NAMESPACE, f"feed\n{provider or ''}").urn


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", _LINE_BREAKS.sub(" ", text))


def atom_feed(events: Iterable[Event], *, provider: str | None = None) -> bytes:
    """An Atom 1.0 document (RFC 4287) of the log's newest entries, UTF-8."""
    found = entries(events, provider=provider)

    def add(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{_ATOM}}}{name}", attrs)
        if text is not None:
            element.text = _xml(text)
        return element

    ET.register_namespace("", _ATOM)
    root = ET.Element(f"{{{_ATOM}}}feed")
    add(root, "id", _feed_id(provider))
    add(root, "title", _feed_title(provider))
    add(root, "updated", found[0].ts if found else NO_ENTRY_TIME)
    add(add(root, "author"), "name", AUTHOR)
    add(root, "generator", AUTHOR)
    for entry in found:
        element = add(root, "entry")
        add(element, "id", entry.id)
        add(element, "title", entry.title)
        add(element, "updated", entry.ts)
        add(element, "published", entry.ts)
        add(element, "category", term=_xml(entry.provider))
        add(element, "content", entry_html(entry), type="html")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    # "#" only occurs in text and attribute values: as a character reference it is the same
    # text, and "##[" (a workflow command anywhere in a line) cannot occur.
    body = body.replace("#", "&#35;")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def json_feed(events: Iterable[Event], *, provider: str | None = None) -> bytes:
    """A JSON Feed 1.1 document of the log's newest entries, UTF-8."""
    found = entries(events, provider=provider)
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _feed_title(provider),
        "authors": [{"name": AUTHOR}],
        "items": [
            {
                "id": entry.id,
                "title": entry.title,
                "content_html": entry_html(entry),
                "date_published": entry.ts,
                "tags": [entry.provider],
            }
            for entry in found
        ],
    }
    return (inert_json(json.dumps(document, ensure_ascii=False, indent=2)) + "\n").encode("utf-8")


# --- the feeds publish commits (``feeds: true``) -------------------------------------------

FEEDS_DIR = "feeds"  # under the output directory


def feed_paths(provider: str | None = None) -> tuple[str, str]:
    """Where publish writes the Atom and the JSON feed, relative to the output directory: the
    whole log's ``feeds/atom.xml`` and ``feeds/feed.json``, a provider's
    ``feeds/<provider>.atom.xml`` and ``feeds/<provider>.feed.json`` (no name is two's)."""
    if provider is None:
        return f"{FEEDS_DIR}/atom.xml", f"{FEEDS_DIR}/feed.json"
    return f"{FEEDS_DIR}/{provider}.atom.xml", f"{FEEDS_DIR}/{provider}.feed.json"


def feed_files(events: Sequence[Event], providers: Iterable[str]) -> dict[str, bytes]:
    """Every feed publish writes from the log's ``events``, by :func:`feed_paths`: the whole
    log's, and one per provider of ``providers`` that has events."""
    by_provider: dict[str, list[Event]] = {}
    for event in events:
        by_provider.setdefault(event.provider, []).append(event)
    files = dict(zip(feed_paths(), (atom_feed(events), json_feed(events)), strict=True))
    for name in sorted(set(providers) & by_provider.keys()):
        own = by_provider[name]
        feeds = (atom_feed(own, provider=name), json_feed(own, provider=name))
        files.update(zip(feed_paths(name), feeds, strict=True))
    return files
