"""Models retiring: deprecation dates set or moved in an update, and dates coming up (pure).

Two sources (docs/risk.md): the update's changes (a ``deprecation_date`` that moved, or a
model added with one) and the whole new listing (every model whose date falls between today
and ``retiring_within_days`` from now, whether or not it changed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from dump_models.diff import ProviderReport
from dump_models.report import escape
from dump_models.risk_policy import (  # noqa: F401 (the lifecycle block is read with the policy)
    DEFAULT_RETIRING_WITHIN_DAYS,
    MAX_RETIRING_WITHIN_DAYS,
    LifecycleSettings,
    parse_lifecycle,
)


class DatedRecord(Protocol):
    """What the lifecycle reads of a normalized record (``records.ModelRecord``)."""

    @property
    def provider(self) -> str: ...

    @property
    def id(self) -> str: ...

    @property
    def deprecation_date(self) -> str | None: ...


@dataclass(frozen=True)
class Retiring:
    """A model with a retirement date worth showing."""

    provider: str
    model: str
    date: dt.date
    previous: dt.date | None  # the date before this update, when it moved
    changed: bool  # set or moved in this update
    days_left: int  # from today; negative when the date has passed

    def to_json(self) -> dict:
        """The JSON form (ISO dates)."""
        return {
            "provider": self.provider,
            "model": self.model,
            "date": self.date.isoformat(),
            "previous": self.previous.isoformat() if self.previous else None,
            "changed": self.changed,
            "days_left": self.days_left,
        }


def _day(value: object) -> dt.date | None:
    """An ISO date (``2026-03-15``) or None, whatever ``value`` is (``2026-02-31``: None)."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def retiring(
    reports: Sequence[ProviderReport],
    records: Iterable[DatedRecord],
    *,
    today: dt.date,
    within_days: int,
) -> list[Retiring]:
    """Models whose date was set or moved in this update (from ``reports``, and models added
    with a date), then every model of ``records`` (the new listings) retiring between
    ``today`` and ``within_days`` days later; sorted by date, provider and model."""
    found: dict[tuple[str, str], Retiring] = {}
    added: set[tuple[str, str]] = set()
    for report in reports:
        if report.status not in ("changed", "new"):
            continue
        added.update((report.name, model) for model in report.added)
        for model, fields in report.changed.items():
            change = fields.get("deprecation_date")
            if not isinstance(change, Mapping):
                continue
            new = _day(change.get("new"))
            if new is not None:
                previous = _day(change.get("old"))
                days = (new - today).days
                found[(report.name, model)] = Retiring(
                    report.name, model, new, previous, True, days
                )
    horizon = today + dt.timedelta(days=within_days)
    for record in records:
        key = (record.provider, record.id)
        day = _day(record.deprecation_date)
        if day is None or key in found:
            continue
        if key in added:
            found[key] = Retiring(record.provider, record.id, day, None, True, (day - today).days)
        elif today <= day <= horizon:
            found[key] = Retiring(record.provider, record.id, day, None, False, (day - today).days)
    return sorted(found.values(), key=lambda r: (r.date, r.provider, r.model))


def _when(item: Retiring) -> str:
    days = item.days_left
    if days == 0:
        when = "today"
    elif days > 0:
        when = f"in {days} day{'' if days == 1 else 's'}"
    else:
        when = f"{-days} day{'' if days == -1 else 's'} ago"
    if item.changed:
        moved = f"moved from {item.previous.isoformat()}" if item.previous else "set in this update"
        when += f"; {moved}"
    return when


def render_retiring(items: Sequence[Retiring], *, limit: int = 100) -> list[str]:
    """The PR body's "Retiring" section (provider text escaped), at most ``limit`` rows;
    nothing when there is nothing to show."""
    if not items:
        return []
    lines = [
        "### Retiring",
        "",
        "| provider | model | date | when |",
        "| --- | --- | --- | --- |",
    ]
    for item in items[:limit]:
        cells = (escape(item.provider), escape(item.model), item.date.isoformat(), _when(item))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    if len(items) > limit:
        lines += [f"\u2026 and {len(items) - limit} more (see the JSON report)", ""]
    return lines
