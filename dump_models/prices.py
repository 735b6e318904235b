"""``dump-models prices``: a model's price history as intervals, from the change log (pure).

An interval opens when the model is added or a price of it changes, and closes at the next
price change or when the model is removed; ``to`` None is the price now. A log that starts
after the model did gives a first interval with ``from`` None: the prices before the first
change the log knows of. Prices are decimal strings in USD per 1M tokens, None unknown.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from dump_models.events import MODEL_ADDED, MODEL_REMOVED, Event
from dump_models.normalize import PRICE_FIELDS

_SUGGESTIONS = 3
_HEADINGS = ("from", "to", "input", "output", "cache read", "cache write")


@dataclass(frozen=True)
class PriceInterval:
    """The model's prices from ``start`` (None: before the log) to ``end`` (None: now)."""

    start: str | None
    end: str | None
    prices: tuple[tuple[str, Any], ...]  # (price field, value) in PRICE_FIELDS order

    def to_json(self) -> dict[str, Any]:
        """``from``, ``to`` and the four prices."""
        return {"from": self.start, "to": self.end, **dict(self.prices)}

    @property
    def known(self) -> bool:
        """Whether any of its prices is known."""
        return any(value is not None for _field, value in self.prices)


def _prices(values: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple((name, values.get(name)) for name in PRICE_FIELDS)


def price_intervals(events: Iterable[Event], provider: str, model: str) -> list[PriceInterval]:
    """The price intervals of ``provider``'s ``model``, oldest first, from the log's events
    (in time order; events of one time are one run)."""
    mine = sorted(
        (e for e in events if e.provider == provider and e.model == model),
        key=lambda e: (e.ts, e.sort_key),
    )
    intervals: list[PriceInterval] = []
    start: str | None = None
    current: dict[str, Any] | None = None  # the open interval's prices
    for ts, group in groupby(mine, key=lambda e: e.ts):
        run = list(group)
        for event in run:
            if event.type in (MODEL_ADDED, MODEL_REMOVED):
                if current is not None:
                    intervals.append(PriceInterval(start, ts, _prices(current)))
                current = None
                if event.type == MODEL_ADDED:
                    new = event.new if isinstance(event.new, dict) else {}
                    start, current = ts, {name: new.get(name) for name in PRICE_FIELDS}
        changes = {e.field: e for e in run if e.type == "price_changed" and e.field in PRICE_FIELDS}
        if not changes:
            continue
        if current is None:
            if not intervals:  # known before the log only through these changes
                before = {name: event.old for name, event in changes.items()}
                intervals.append(PriceInterval(None, ts, _prices(before)))
            start, current = ts, {}
        elif start != ts:
            intervals.append(PriceInterval(start, ts, _prices(current)))
            start, current = ts, dict(current)
        current.update({name: event.new for name, event in changes.items()})
    if current is not None:
        intervals.append(PriceInterval(start, None, _prices(current)))
    return intervals


def close_ids(events: Iterable[Event], provider: str, model: str) -> list[str]:
    """Ids of ``provider``'s models in the log that look like ``model``: containing it
    (case-insensitive) first, then similar spellings."""
    known = sorted({e.model for e in events if e.provider == provider})
    lower = model.lower()
    found = [name for name in known if lower in name.lower()]
    found += difflib.get_close_matches(model, known, n=_SUGGESTIONS, cutoff=0.6)
    return list(dict.fromkeys(found))[:_SUGGESTIONS]


def close_providers(events: Iterable[Event], provider: str) -> list[str]:
    """Providers in the log whose name looks like ``provider``."""
    known = sorted({e.provider for e in events})
    return difflib.get_close_matches(provider, known, n=_SUGGESTIONS, cutoff=0.5)


def price_table(intervals: list[PriceInterval]) -> str:
    """The intervals as an aligned table for a terminal (``-`` unknown, ``now`` open)."""
    rows = [_HEADINGS] + [
        (
            interval.start or "before the log",
            interval.end or "now",
            *("-" if value is None else str(value) for _field, value in interval.prices),
        )
        for interval in intervals
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(_HEADINGS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
