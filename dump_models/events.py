"""Change events: what a provider's listing change means, one JSON line each (pure).

The log ``<output_dir>/changes.jsonl`` holds one event per line (``docs/history.md``): a model
added or removed, or one of its normalized fields (docs/report.md) changed. Changes to other raw
paths (benchmarks, routing details) are churn, never events. Publish appends a run's events to
the base's log (:func:`log_with_events`); ``dump-models history`` rebuilds them from git.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from dump_models import decimals
from dump_models.diff import ProviderReport, compare_listings
from dump_models.normalize import CAPABILITY_FIELDS, LIMIT_FIELDS, PRICE_FIELDS, mapping_for
from dump_models.providers import LOG_FILE
from dump_models.records import models_by_id

LOG_NAME = LOG_FILE

MODEL_ADDED = "model_added"
MODEL_REMOVED = "model_removed"
FIELD_EVENTS = {
    **{name: "price_changed" for name in PRICE_FIELDS},
    **{name: "limit_changed" for name in LIMIT_FIELDS},
    **{name: "capability_changed" for name in CAPABILITY_FIELDS if name != "deprecation_date"},
    "deprecation_date": "deprecation_changed",
}
EVENT_TYPES = (MODEL_ADDED, MODEL_REMOVED, *sorted(set(FIELD_EVENTS.values())))

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")  # the one form of ``ts``


@dataclass(frozen=True)
class Event:
    """One line of the log. ``field``/``old``/``new`` for a field change (normalized values,
    prices as decimal strings, None for unknown); a model added carries its known normalized
    fields in ``new``, a model removed its last ones in ``old``. ``commit`` only from history.
    """

    ts: str
    provider: str
    model: str
    type: str
    field: str | None = None
    old: Any = None
    new: Any = None
    commit: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The line's object, in the log's key order (``docs/history.md``)."""
        data: dict[str, Any] = {
            "ts": self.ts,
            "provider": self.provider,
            "model": self.model,
            "type": self.type,
        }
        if self.type == MODEL_ADDED:
            data["new"] = self.new
        elif self.type == MODEL_REMOVED:
            data["old"] = self.old
        else:
            data.update(field=self.field, old=self.old, new=self.new)
        if self.commit is not None:
            data["commit"] = self.commit
        return data

    @property
    def sort_key(self) -> tuple[str, str, str, str]:
        """Order within a run: provider, model, type, field (by code point)."""
        return (self.provider, self.model, self.type, self.field or "")


def utc_timestamp(seconds: float) -> str:
    """Epoch seconds as the log's ``ts``: UTC, whole seconds, ``2026-01-02T04:00:00Z``."""
    moment = datetime.fromtimestamp(int(seconds), timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Listing:
    """One provider listing ready to compare: models by id (ignored paths dropped) and each
    model's exact text, so that models unchanged from one version to the next are told apart
    without comparing them field by field."""

    models: dict[str, dict]
    texts: dict[str, str]
    id_field: str = "id"

    @classmethod
    def of(
        cls, models: Iterable[Any], *, id_field: str = "id", ignore_fields: Iterable[str] = ()
    ) -> Listing:
        """Index ``models`` as ``compare_listings`` does: by ``str(id)``, the last of a
        duplicated id kept, entries without an id left out."""
        by_id = models_by_id(models, id_field=id_field, ignore_fields=ignore_fields)
        # repr tells 1 from 1.0 from True, which == does not; equal texts, equal models.
        return cls(by_id, {key: repr(model) for key, model in by_id.items()}, id_field)

    def normalized(self, provider: str, model_id: str) -> dict[str, Any]:
        """The model's known normalized fields, as the log writes them."""
        return {
            name: _json_value(value)
            for name, value in mapping_for(provider).read(self.models[model_id])[0].items()
        }


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimals.text(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def report_events(
    report: ProviderReport,
    ts: str,
    *,
    before: Listing | None = None,
    after: Listing | None = None,
    commit: str | None = None,
) -> list[Event]:
    """The events of one provider's report at ``ts``, sorted (:attr:`Event.sort_key`).

    ``before``/``after`` give the normalized fields of removed/added models; without them
    those events carry an empty object.
    """
    name = report.name
    events = [
        Event(ts, name, model, MODEL_ADDED, new=after.normalized(name, model) if after else {})
        for model in report.added
    ]
    events += [
        Event(ts, name, model, MODEL_REMOVED, old=before.normalized(name, model) if before else {})
        for model in report.removed
    ]
    for model, fields in report.changed.items():
        for field, change in fields.items():
            kind = FIELD_EVENTS.get(field)
            if kind is not None:  # a raw path: churn
                events.append(Event(ts, name, model, kind, field, change["old"], change["new"]))
    if commit is not None:
        events = [_with_commit(event, commit) for event in events]
    return sorted(events, key=lambda event: event.sort_key)


def _with_commit(event: Event, commit: str) -> Event:
    return Event(
        event.ts, event.provider, event.model, event.type, event.field, event.old, event.new, commit
    )


def listing_events(
    provider: str,
    old: Listing | None,
    new: Listing | None,
    ts: str,
    *,
    commit: str | None = None,
) -> list[Event]:
    """The events from ``old`` to ``new``: ``old`` None is a first snapshot (every model
    added), ``new`` None a file gone (every model removed).

    Only the models whose text differs go through ``compare_listings``: the same events as
    comparing the whole listings, at the cost of the changes.
    """
    before = old.models if old else {}
    after = new.models if new else {}
    old_texts = old.texts if old else {}
    new_texts = new.texts if new else {}
    moved = [key for key in after if key in before and old_texts[key] != new_texts[key]]
    old_part = [model for key, model in before.items() if key not in after] + [
        before[key] for key in moved
    ]
    new_part = [model for key, model in after.items() if key not in before] + [
        after[key] for key in moved
    ]
    id_field = new.id_field if new else old.id_field if old else "id"
    report = compare_listings(
        provider, None if old is None else old_part, new_part, id_field=id_field
    )
    return report_events(report, ts, before=old, after=new, commit=commit)


# --- the line format ----------------------------------------------------------------------

# Written as JSON escapes so that a line is one line for every reader (Python's splitlines,
# JavaScript) and no workflow command for the Actions runner (``##[``: docs/output.md), with
# the same values: ``#`` occurs in JSON text only inside strings, and so do these characters.
_ESCAPED = re.compile("[#\x85\u2028\u2029\ud800-\udfff]")


def inert_json(text: str) -> str:
    """JSON text (``ensure_ascii=False``) with ``#``, U+0085/U+2028/U+2029 and lone
    surrogates written as ``\\uXXXX`` escapes: the same values, valid UTF-8, no line break
    for any reader and no workflow command."""
    return _ESCAPED.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def event_line(event: Event) -> str:
    """One event as one log line: compact JSON in the key order of :meth:`Event.to_json`,
    non-ASCII as is (UTF-8) but for :func:`inert_json`'s escapes, ``\\n`` at the end."""
    text = json.dumps(event.to_json(), ensure_ascii=False, separators=(",", ":"))
    return inert_json(text) + "\n"


def parse_line(line: bytes | str) -> Event | None:
    """The event on one log line, or None when the line is no event (never raises)."""
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    ts, provider, model, kind = (data.get(key) for key in ("ts", "provider", "model", "type"))
    commit = data.get("commit")
    if not (isinstance(ts, str) and TIMESTAMP.fullmatch(ts)):
        return None
    if not (isinstance(provider, str) and isinstance(model, str) and kind in EVENT_TYPES):
        return None
    if commit is not None and not isinstance(commit, str):
        return None
    if kind in (MODEL_ADDED, MODEL_REMOVED):
        fields = data.get("new" if kind == MODEL_ADDED else "old")
        fields = fields if isinstance(fields, dict) else {}
        if kind == MODEL_ADDED:
            return Event(ts, provider, model, kind, new=fields, commit=commit)
        return Event(ts, provider, model, kind, old=fields, commit=commit)
    field = data.get("field")
    if FIELD_EVENTS.get(field) != kind:  # type: ignore[arg-type]
        return None
    return Event(ts, provider, model, kind, field, data.get("old"), data.get("new"), commit)


def read_log(data: bytes) -> tuple[list[Event], list[int]]:
    """The events of a log file's bytes in file order, and the numbers (from 1) of the lines
    that are no event; empty lines are neither."""
    events: list[Event] = []
    junk: list[int] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        event = parse_line(line)
        if event is None:
            junk.append(number)
        else:
            events.append(event)
    return events, junk


def log_with_events(base: bytes | None, events: Iterable[Event]) -> bytes | None:
    """The PR's log: the base's file as it is (junk lines too) and this update's events after
    it; None when there is neither. Computed from the base every time, so rebuilding the PR
    never repeats a line."""
    added = "".join(event_line(event) for event in events).encode("utf-8")
    if base is None:
        return added or None
    if base and not base.endswith(b"\n") and added:
        base += b"\n"  # a last line without its newline stays a line of its own
    return base + added


# --- .gitattributes -----------------------------------------------------------------------

_GLOB = re.compile(r"([\\*?\[\]])")
_NEEDS_QUOTES = re.compile(r'[\s"\x00-\x1f\x7f]')
_C_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def union_merge_rule(output_dir: str) -> str:
    """The ``.gitattributes`` line (for the repository's top) that makes git merge the log by
    keeping both sides' lines (``merge=union``): a person merging two update branches keeps
    both runs' events instead of stopping on a conflict.

    ``output_dir`` is relative to the top, with ``/``; glob characters are escaped and the
    pattern is quoted (C style, as gitattributes reads it) when it holds spaces or quotes.
    """
    pattern = "/" + _GLOB.sub(r"\\\1", f"{output_dir.strip('/')}/{LOG_NAME}")
    if _NEEDS_QUOTES.search(pattern):
        quoted = "".join(
            _C_ESCAPES.get(char, f"\\{ord(char):03o}" if ord(char) < 32 else char)
            for char in pattern
        )
        pattern = f'"{quoted}"'
    return f"{pattern} merge=union"


def with_union_merge_rule(gitattributes: bytes | None, output_dir: str) -> bytes:
    """A ``.gitattributes`` content holding :func:`union_merge_rule`: ``gitattributes`` as it
    is when it has the line, else with the line added at its end."""
    rule = union_merge_rule(output_dir).encode("utf-8")
    current = gitattributes or b""
    if rule in (line.strip() for line in current.split(b"\n")):
        return current
    if current and not current.endswith(b"\n"):
        current += b"\n"
    return current + rule + b"\n"
