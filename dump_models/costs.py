"""``dump-models cost`` and ``check``: a model's exact price for a request, and whether a
request fits its limits (pure; docs/catalog.md).

Token counts follow the providers' usage reports (and LiteLLM): ``input`` counts every prompt
token, the cached ones included, so ``cached`` is part of ``input``. Cached tokens cost the
cache read price; a model whose listing has no cache read price has them charged at its
input price, as LiteLLM does, so that the LiteLLM export and ``cost`` agree.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

from . import decimals
from .catalog import Catalog
from .errors import DumpModelsError
from .records import ModelRecord

MILLION = Decimal(1_000_000)
# Wide enough for a bounded price (40 digits) times any token count given: exact.
_EXACT = Context(prec=200, traps=[])
_SUGGESTIONS = 5


class Unknown(Exception):
    """A value the computation needs is unknown; the message says which, in one line."""


@dataclass(frozen=True)
class Cost:
    """What a request costs, in USD, exactly: each part and the total."""

    input_tokens: int  # uncached prompt tokens
    cached_tokens: int
    output_tokens: int
    input_price: Decimal | None  # USD per 1M tokens, as used
    cached_price: Decimal | None
    output_price: Decimal | None
    cached_at_input_price: bool  # no cache read price: cached tokens at the input price
    input_cost: Decimal
    cached_cost: Decimal
    output_cost: Decimal

    @property
    def total(self) -> Decimal:
        return decimals.plain(
            _EXACT.add(_EXACT.add(self.input_cost, self.cached_cost), self.output_cost)
        )


def _part(tokens: int, price: Decimal | None) -> Decimal:
    if tokens == 0 or price is None:
        return Decimal(0)
    return decimals.plain(_EXACT.divide(_EXACT.multiply(price, Decimal(tokens)), MILLION))


def request_cost(
    record: ModelRecord, *, input_tokens: int, output_tokens: int, cached_tokens: int = 0
) -> Cost:
    """The cost of ``input_tokens`` prompt tokens (``cached_tokens`` of them read from the
    cache) and ``output_tokens``; raises :class:`Unknown` when a price it needs is unknown
    (an unneeded one, for zero tokens, may be unknown)."""
    if not 0 <= cached_tokens <= input_tokens:
        raise ValueError("cached tokens are part of the input tokens")
    uncached = input_tokens - cached_tokens
    cached_price = record.cache_read_price
    at_input = cached_tokens > 0 and cached_price is None
    if at_input:
        cached_price = record.input_price
    needed = [
        ("input_price", uncached > 0 or at_input, record.input_price),
        ("cache_read_price", cached_tokens > 0, cached_price),
        ("output_price", output_tokens > 0, record.output_price),
    ]
    missing = [field for field, need, value in needed if need and value is None]
    if missing:
        raise Unknown(" and ".join(dict.fromkeys(missing)))
    return Cost(
        input_tokens=uncached,
        cached_tokens=cached_tokens,
        output_tokens=output_tokens,
        input_price=record.input_price,
        cached_price=cached_price if cached_tokens else record.cache_read_price,
        output_price=record.output_price,
        cached_at_input_price=at_input,
        input_cost=_part(uncached, record.input_price),
        cached_cost=_part(cached_tokens, cached_price),
        output_cost=_part(output_tokens, record.output_price),
    )


def _text(price: Decimal | None) -> str | None:
    return None if price is None else decimals.text(price)


def cost_json(record: ModelRecord, cost: Cost) -> dict[str, Any]:
    """``cost --json``: tokens, the prices used (USD per 1M tokens) and each cost (USD), as
    decimal strings."""
    return {
        "provider": record.provider,
        "model": record.id,
        "currency": "USD",
        "tokens": {
            "input": cost.input_tokens,
            "cached": cost.cached_tokens,
            "output": cost.output_tokens,
        },
        "prices_per_million": {
            "input": _text(cost.input_price),
            "cached": _text(cost.cached_price),
            "output": _text(cost.output_price),
        },
        "cached_at_input_price": cost.cached_at_input_price,
        "cost": {
            "input": decimals.text(cost.input_cost),
            "cached": decimals.text(cost.cached_cost),
            "output": decimals.text(cost.output_cost),
            "total": decimals.text(cost.total),
        },
    }


def cost_text(record: ModelRecord, cost: Cost) -> str:
    """``cost``'s lines: the total, then each part (tokens × USD per 1M = USD), aligned."""
    rows = [
        (name, str(tokens), _text(price) or "-", decimals.text(part))
        for name, tokens, price, part in (
            ("input", cost.input_tokens, cost.input_price, cost.input_cost),
            ("cached", cost.cached_tokens, cost.cached_price, cost.cached_cost),
            ("output", cost.output_tokens, cost.output_price, cost.output_cost),
        )
    ]
    w = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [f"{record.provider} {record.id}: {decimals.text(cost.total)} USD"]
    for name, tokens, price, part in rows:
        lines.append(
            f"  {name:<{w[0]}}  {tokens:>{w[1]}} tokens × {price:>{w[2]}} USD/1M"
            f" = {part:>{w[3]}} USD"
        )
    if cost.cached_at_input_price:
        lines.append("  (the listing has no cache read price: cached tokens at the input price)")
    return "\n".join(lines)


@dataclass(frozen=True)
class Fit:
    """Whether a request fits: ``fits`` is None when a limit it needs is unknown; ``lines``
    say which limits were used and how the request compares."""

    fits: bool | None
    lines: tuple[str, ...]


def request_fit(record: ModelRecord, *, tokens: int, output: int | None = None) -> Fit:
    """Whether ``tokens`` prompt tokens fit ``context_length`` and ``output`` tokens (when
    given) fit ``max_output_tokens``; each is checked on its own (docs/catalog.md)."""
    checks = [("prompt", tokens, "context_length", record.context_length)]
    if output is not None:
        checks.append(("output", output, "max_output_tokens", record.max_output_tokens))
    lines = []
    verdicts: list[bool | None] = []
    for what, count, field, limit in checks:
        if limit is None:
            lines.append(f"{what} {count} tokens: {field} unknown")
            verdicts.append(None)
        else:
            ok = count <= limit
            sign = "<=" if ok else ">"
            lines.append(
                f"{what} {count} tokens {sign} {field} {limit}: {'fits' if ok else 'too long'}"
            )
            verdicts.append(ok)
    fits: bool | None = False if False in verdicts else (None if None in verdicts else True)
    return Fit(fits, tuple(lines))


def find_record(catalog: Catalog, provider: str, model_id: str, where: str) -> ModelRecord:
    """``provider``'s model ``model_id`` in ``catalog``; a ``DumpModelsError`` (exit 1)
    naming close ids, or close providers, when it is not there."""
    if provider not in catalog.providers:
        known = list(catalog.files)
        close = difflib.get_close_matches(provider, known, n=_SUGGESTIONS, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        problem = "no readable dump" if provider in known else "no dump"
        raise DumpModelsError(
            f"{provider}: {problem} of this provider in {where}{hint}", exit_code=1
        )
    ids = [record.id for record in catalog.records if record.provider == provider]
    for record in catalog.records:
        if record.provider == provider and record.id == model_id:
            return record
    lower = model_id.casefold()
    close = [known_id for known_id in ids if lower in known_id.casefold()]
    close += difflib.get_close_matches(model_id, ids, n=_SUGGESTIONS, cutoff=0.6)
    suggestions = list(dict.fromkeys(close))[:_SUGGESTIONS]
    hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
    raise DumpModelsError(f"{provider} {model_id}: no such model in {where}{hint}", exit_code=1)
