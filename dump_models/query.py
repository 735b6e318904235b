"""``dump-models models``: filter, sort and show catalog records (pure; docs/catalog.md).

The filters are lc's (``lc models``) on the normalized fields, with one rule: a filter passes
only what the data says. A capability filter keeps models whose provider says so explicitly;
a model whose limit or price is unknown never passes a filter on it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from . import decimals
from .errors import DumpModelsError
from .normalize import LIMIT_FIELDS, NORMALIZED_FIELDS, PRICE_FIELDS
from .records import ModelRecord

SORT_FIELDS = ("provider", "id", "name", *PRICE_FIELDS, *LIMIT_FIELDS, "deprecation_date")
CAPABILITIES = ("tools", "vision", "reasoning", "audio")
_MULTIPLIERS = {"k": 1_000, "m": 1_000_000}
_TOKENS_HINT = "use a whole number, optionally with k (1,000) or m (1,000,000), such as 128k"
CSV_FIELDS = ("provider", "id", "name", *NORMALIZED_FIELDS)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell


@dataclass(frozen=True)
class Filters:
    """What ``models`` keeps: every given filter must pass (None: not given)."""

    text: str | None = None
    tools: bool = False
    vision: bool = False
    reasoning: bool = False
    audio: bool = False
    min_context: int | None = None
    min_output: int | None = None
    max_input_price: Decimal | None = None
    max_output_price: Decimal | None = None


def parse_tokens(text: str, flag: str) -> int:
    """``128k`` -> 128000, ``1m`` -> 1000000, ``1.5k`` -> 1500, ``4096`` -> 4096 (``k`` and
    ``m`` in either case); anything else is a ``DumpModelsError`` naming ``flag``."""
    cleaned = text.strip().lower()
    multiplier = _MULTIPLIERS.get(cleaned[-1:], 1)
    digits = cleaned[:-1] if multiplier != 1 else cleaned
    try:
        number = Decimal(digits) * multiplier
    except InvalidOperation:
        number = Decimal("NaN")
    if number.is_finite() and number >= 0 and number == number.to_integral_value():
        if digits.replace(".", "", 1).isdigit():  # no exponent, sign, spaces or "_"
            return int(number)
    raise DumpModelsError(f"{flag} {text!r} is no token count; {_TOKENS_HINT}")


def parse_price(text: str, flag: str) -> Decimal:
    """A price in USD per 1M tokens as an exact decimal (``5``, ``0.25``)."""
    number = decimals.parse(text)
    if number is None or number < 0 or "e" in text.lower():
        raise DumpModelsError(
            f"{flag} {text!r} is no price; give USD per 1M tokens as a decimal number, such as 2.5"
        )
    return decimals.plain(number)


def has_audio(record: ModelRecord) -> bool:
    """Whether the record's modalities name audio (input or output)."""
    return any(
        "audio" in (words or ()) for words in (record.input_modalities, record.output_modalities)
    )


def _at_least(value: int | None, minimum: int | None) -> bool:
    return minimum is None or (value is not None and value >= minimum)


def _at_most(value: Decimal | None, maximum: Decimal | None) -> bool:
    return maximum is None or (value is not None and value <= maximum)


def matches(record: ModelRecord, filters: Filters) -> bool:
    """Whether ``record`` passes every filter; unknown values never pass one."""
    if filters.text is not None:
        needle = filters.text.casefold()
        if needle not in record.id.casefold() and needle not in (record.name or "").casefold():
            return False
    if filters.tools and record.tools is not True:
        return False
    if filters.vision and record.vision is not True:
        return False
    if filters.reasoning and record.reasoning is not True:
        return False
    if filters.audio and not has_audio(record):
        return False
    return (
        _at_least(record.context_length, filters.min_context)
        and _at_least(record.max_output_tokens, filters.min_output)
        and _at_most(record.input_price, filters.max_input_price)
        and _at_most(record.output_price, filters.max_output_price)
    )


def sorted_records(
    records: Iterable[ModelRecord], field: str = "provider", *, reverse: bool = False
) -> list[ModelRecord]:
    """``records`` by ``field`` (one of :data:`SORT_FIELDS`), then provider and id; unknown
    values last either way."""
    ordered = sorted(records, key=lambda record: (record.provider, record.id))
    if field in ("provider", "id"):
        return ordered[::-1] if reverse else ordered
    known = [r for r in ordered if getattr(r, field) is not None]
    unknown = [r for r in ordered if getattr(r, field) is None]
    known.sort(key=lambda record: getattr(record, field), reverse=reverse)  # stable
    return known + unknown


def capability_words(record: ModelRecord) -> list[str]:
    """The capabilities the record's data says it has, in :data:`CAPABILITIES` order."""
    flags = {
        "tools": record.tools is True,
        "vision": record.vision is True,
        "reasoning": record.reasoning is True,
        "audio": has_audio(record),
    }
    return [word for word in CAPABILITIES if flags[word]]


def _cell(text: str) -> str:
    # One table cell: control characters, line breaks and lone surrogates become spaces.
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return decimals.text(value)
    return str(value)


TABLE_HEADER = (
    "provider",
    "id",
    "name",
    "context",
    "max output",
    "input $/1M",
    "output $/1M",
    "capabilities",
)
_RIGHT_ALIGNED = {3, 4, 5, 6}  # numbers


def render_table(records: Sequence[ModelRecord]) -> str:
    """An aligned table for a terminal, one model a line; ``-`` for unknown."""
    rows = [TABLE_HEADER] + [
        (
            _cell(record.provider),
            _cell(record.id),
            _cell(record.name or "-"),
            _shown(record.context_length),
            _shown(record.max_output_tokens),
            _shown(record.input_price),
            _shown(record.output_price),
            ",".join(capability_words(record)) or "-",
        )
        for record in records
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_HEADER))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in _RIGHT_ALIGNED else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _csv_text(text: str | None) -> str:
    if text is None:
        return ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_value(field: str, value: Any) -> str:
    if value is None:
        return ""
    if field in PRICE_FIELDS:
        return decimals.text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return " ".join(value)
    return str(value)


def render_csv(records: Sequence[ModelRecord]) -> str:
    """CSV with a header row (:data:`CSV_FIELDS`); unknown is an empty cell, modalities are
    space-separated, and an id or name a spreadsheet would run as a formula is quoted with a
    leading ``'``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for record in records:
        writer.writerow(
            [record.provider, _csv_text(record.id), _csv_text(record.name)]
            + [_csv_value(field, getattr(record, field)) for field in NORMALIZED_FIELDS]
        )
    return out.getvalue()
