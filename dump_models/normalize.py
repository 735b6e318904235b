"""Provider listing -> the normalized fields of docs/report.md (pure).

Over 350 lines: the transforms, the tables that name them and the FieldMapping reading them
are one piece; most of the length is the tables, which are data.

Each provider's mapping is a table of ``(raw dotted path, normalized field, transform)`` rows
shown in docs/providers.md; the few odd shapes (OpenRouter's pricing, Gemini's ``thinking``) are
small transforms in the same table.  Unknown providers get a generic OpenAI-style mapping.
``mapping_for(provider)`` is the table compiled once: it reads a model's fields, and says what
a change at a raw path can mean.

Only those fields are normalized.  Raw fields that read like capabilities without feeding
one (Groq's ``active``, its deprecation signal) are listed in ``SIGNAL_PATHS`` so the
report can show their raw-path changes next to the capability changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from dump_models import decimals
from dump_models.json_values import MISSING, canonical_text

# Normalized fields in report order: prices, limits, capabilities.
PRICE_FIELDS = ("input_price", "output_price", "cache_read_price", "cache_write_price")
LIMIT_FIELDS = ("context_length", "max_output_tokens")
CAPABILITY_FIELDS = (
    "input_modalities",
    "output_modalities",
    "tools",
    "vision",
    "reasoning",
    "deprecation_date",
)
NORMALIZED_FIELDS = PRICE_FIELDS + LIMIT_FIELDS + CAPABILITY_FIELDS

_MAX_COUNT_DIGITS = 100  # a token count written with more digits is no count


@lru_cache(maxsize=4096, typed=True)
def _scaled_price(value: str | int | float, power: int) -> Decimal | None:
    # A listing repeats a few price texts across hundreds of models: each is read once.
    number = decimals.parse(value)
    if number is None or number < 0:
        # OpenRouter's "-1" marks a router whose price varies: not a price.
        return None
    return decimals.scaled(number, power)


def _price(value: Any, power: int) -> Decimal | None:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return _scaled_price(value, power)
    return None


def per_token(value: Any) -> Decimal | None:
    """USD per token -> USD per 1M tokens, exactly."""
    return _price(value, 6)


def per_million(value: Any) -> Decimal | None:
    """A price already in USD per 1M tokens."""
    return _price(value, 0)


def per_million_in_ten_thousandths(value: Any) -> Decimal | None:
    """Novita's unit: ten-thousandths of a USD per 1M tokens (``2800`` is 0.28 USD per 1M)."""
    return _price(value, -4)


def per_token_or_zero(value: Any) -> Decimal | None:
    """OpenRouter: a pricing key that is absent means free."""
    return Decimal(0) if value is MISSING else per_token(value)


def integer(value: Any) -> int | None:
    """A token count; numeric strings and integral floats accepted, booleans and negative
    numbers not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str):
        digits = value.strip()
        # isdigit() alone takes "²" and "٣", which int() refuses.
        if digits.isascii() and digits.isdigit() and len(digits) <= _MAX_COUNT_DIGITS:
            return int(digits)
    return None


def boolean(value: Any) -> bool | None:
    """A flag; only real JSON booleans count."""
    return value if isinstance(value, bool) else None


def words(value: Any) -> tuple[str, ...] | None:
    """The distinct words of a list, sorted (modalities)."""
    if not isinstance(value, list):
        return None
    return tuple(sorted({str(item) for item in value if isinstance(item, (str, int))}))


def has(word: str) -> Callable[[Any], bool | None]:
    """True when a list (``supported_parameters``, ``features``, ...) contains ``word``."""

    def transform(value: Any) -> bool | None:
        return word in value if isinstance(value, list) else None

    _UNORDERED.add(transform)
    return transform


def truthy_present(value: Any) -> bool | None:
    """Gemini's ``thinking``: a flag, or a settings object meaning yes."""
    if isinstance(value, bool):
        return value
    return None if value is None else True


def modalities_from_flags(
    flags: dict[str, str], always: tuple[str, ...] = ()
) -> Callable[[Any], tuple[str, ...] | None]:
    """Input modalities from an object of capability flags: ``always`` plus the word of each
    flag that is ``true`` (Venice's ``supportsAudioInput`` -> ``audio``); None when the value
    is not an object."""

    def transform(value: Any) -> tuple[str, ...] | None:
        if not isinstance(value, dict):
            return None
        found = set(always) | {word for key, word in flags.items() if value.get(key) is True}
        return tuple(sorted(found))

    return transform


def iso_date(value: Any) -> str | None:
    """The date part of an ISO date or timestamp string (``2025-03-30T12:00:00Z``)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    day = value[:10]
    if day[4] == "-" and day[7] == "-" and (day[:4] + day[5:7] + day[8:]).isdigit():
        return day
    return None


Row = tuple[str, str, Callable[[Any], Any]]

# Exact transforms: a raw change they read the same is only a change of representation.
_PRICES: set[Callable[[Any], Any]] = {
    per_token,
    per_million,
    per_million_in_ten_thousandths,
    per_token_or_zero,
}
_UNORDERED: set[Callable[[Any], Any]] = {words}  # has(...) adds itself

_OPENAI_STYLE: tuple[Row, ...] = (
    ("context_length", "context_length", integer),
    ("context_window", "context_length", integer),
    ("max_context_length", "context_length", integer),
    ("max_output_tokens", "max_output_tokens", integer),
    ("max_completion_tokens", "max_output_tokens", integer),
)

_VENICE_INPUTS = modalities_from_flags(
    {"supportsVision": "image", "supportsAudioInput": "audio", "supportsVideoInput": "video"},
    always=("text",),
)
_MISTRAL_INPUTS = modalities_from_flags(
    {"completion_chat": "text", "vision": "image", "audio": "audio"}
)

# Shown in docs/providers.md, "Mapping onto the normalized fields".  When two rows feed one
# field the first that yields a value wins.
MAPPINGS: dict[str, tuple[Row, ...]] = {
    "openrouter": (
        ("pricing.prompt", "input_price", per_token_or_zero),
        ("pricing.completion", "output_price", per_token_or_zero),
        ("pricing.input_cache_read", "cache_read_price", per_token_or_zero),
        ("pricing.input_cache_write", "cache_write_price", per_token_or_zero),
        # top_provider.max_completion_tokens is the routed provider's limit, not the model's:
        # routing churn, reported under its raw path (docs/report.md's example).
        ("context_length", "context_length", integer),
        ("architecture.input_modalities", "input_modalities", words),
        ("architecture.output_modalities", "output_modalities", words),
        ("supported_parameters", "tools", has("tools")),
        ("architecture.input_modalities", "vision", has("image")),
        ("supported_parameters", "reasoning", has("reasoning")),
        ("expiration_date", "deprecation_date", iso_date),
    ),
    "venice": (
        ("model_spec.pricing.input.usd", "input_price", per_million),
        ("model_spec.pricing.output.usd", "output_price", per_million),
        ("model_spec.pricing.cache_input.usd", "cache_read_price", per_million),
        ("model_spec.pricing.cache_write.usd", "cache_write_price", per_million),
        ("model_spec.availableContextTokens", "context_length", integer),
        ("model_spec.maxCompletionTokens", "max_output_tokens", integer),
        # Only text models have capabilities; the flags add what they take besides text.
        ("model_spec.capabilities", "input_modalities", _VENICE_INPUTS),
        ("model_spec.capabilities.supportsFunctionCalling", "tools", boolean),
        ("model_spec.capabilities.supportsVision", "vision", boolean),
        ("model_spec.capabilities.supportsReasoning", "reasoning", boolean),
        ("model_spec.deprecation.date", "deprecation_date", iso_date),
    ),
    "requesty": (
        ("input_price", "input_price", per_token),
        ("output_price", "output_price", per_token),
        ("cached_price", "cache_read_price", per_token),
        ("context_window", "context_length", integer),
        ("max_output_tokens", "max_output_tokens", integer),
        ("supports_vision", "vision", boolean),
        ("supports_reasoning", "reasoning", boolean),
    ),
    "groq": (
        ("context_window", "context_length", integer),
        ("max_completion_tokens", "max_output_tokens", integer),
    ),
    "mistral": (
        ("max_context_length", "context_length", integer),
        ("capabilities", "input_modalities", _MISTRAL_INPUTS),
        ("capabilities.function_calling", "tools", boolean),
        ("capabilities.vision", "vision", boolean),
        ("deprecation", "deprecation_date", iso_date),
    ),
    "together": (
        ("pricing.input", "input_price", per_million),
        ("pricing.output", "output_price", per_million),
        ("context_length", "context_length", integer),
    ),
    "fireworks": (
        ("context_length", "context_length", integer),
        ("supports_tools", "tools", boolean),
        ("supports_image_input", "vision", boolean),
    ),
    "cohere": (
        ("context_length", "context_length", integer),
        ("features", "tools", has("tools")),
        ("supports_vision", "vision", boolean),
        ("features", "vision", has("vision")),
    ),
    "gemini": (
        ("inputTokenLimit", "context_length", integer),
        ("outputTokenLimit", "max_output_tokens", integer),
        ("thinking", "reasoning", truthy_present),
    ),
    "anthropic": (
        ("max_input_tokens", "context_length", integer),
        ("max_tokens", "max_output_tokens", integer),
        ("capabilities.image_input.supported", "vision", boolean),
        ("capabilities.thinking.supported", "reasoning", boolean),
        # The retirement date when one is scheduled, else the date it was deprecated.
        ("retires_at", "deprecation_date", iso_date),
        ("deprecated_at", "deprecation_date", iso_date),
    ),
    "github": (
        ("limits.max_input_tokens", "context_length", integer),
        ("limits.max_output_tokens", "max_output_tokens", integer),
        ("supported_input_modalities", "input_modalities", words),
        ("supported_output_modalities", "output_modalities", words),
        ("capabilities", "tools", has("tool-calling")),
        ("supported_input_modalities", "vision", has("image")),
        ("capabilities", "reasoning", has("reasoning")),
    ),
    "novita": (
        ("input_token_price_per_m", "input_price", per_million_in_ten_thousandths),
        ("output_token_price_per_m", "output_price", per_million_in_ten_thousandths),
        ("context_size", "context_length", integer),
        ("max_output_tokens", "max_output_tokens", integer),
        ("input_modalities", "input_modalities", words),
        ("output_modalities", "output_modalities", words),
        ("features", "tools", has("function-calling")),
        ("input_modalities", "vision", has("image")),
        ("features", "reasoning", has("reasoning")),
    ),
    "chutes": (
        ("pricing.prompt", "input_price", per_million),
        ("pricing.completion", "output_price", per_million),
        ("pricing.input_cache_read", "cache_read_price", per_million),
        ("context_length", "context_length", integer),
        ("max_output_length", "max_output_tokens", integer),
        ("input_modalities", "input_modalities", words),
        ("output_modalities", "output_modalities", words),
        ("supported_features", "tools", has("tools")),
        ("input_modalities", "vision", has("image")),
        ("supported_features", "reasoning", has("reasoning")),
    ),
    "vercel": (
        ("pricing.input", "input_price", per_token),
        ("pricing.output", "output_price", per_token),
        ("pricing.input_cache_read", "cache_read_price", per_token),
        ("pricing.input_cache_write", "cache_write_price", per_token),
        ("context_window", "context_length", integer),
        ("max_tokens", "max_output_tokens", integer),
        ("modalities.input", "input_modalities", words),
        ("modalities.output", "output_modalities", words),
        ("tags", "tools", has("tool-use")),
        ("tags", "vision", has("vision")),
        ("tags", "reasoning", has("reasoning")),
    ),
    "deepinfra": (
        ("metadata.pricing.input_tokens", "input_price", per_million),
        ("metadata.pricing.output_tokens", "output_price", per_million),
        ("metadata.pricing.cache_read_tokens", "cache_read_price", per_million),
        ("metadata.context_length", "context_length", integer),
        ("metadata.max_tokens", "max_output_tokens", integer),
    ),
}

# Transforms that give a value even when the raw key is absent.
_DEFAULTING = {per_token_or_zero}

# Raw paths that feed no normalized field but signal a capability (docs/providers.md: Groq's model
# is deprecated when ``active`` is false); reported under the raw path, shown as capabilities.
SIGNAL_PATHS: dict[str, tuple[str, ...]] = {
    "groq": ("active",),
    "cohere": ("is_deprecated",),
    "anthropic": ("lifecycle",),
}

# Where a model's display name is, per provider (docs/providers.md, "Display names"); the
# first non-empty text wins, and the provider's id field is never a name (Gemini's and
# Cohere's ``name`` is the id).
DEFAULT_NAME_PATHS = ("name", "display_name", "displayName")
NAME_PATHS: dict[str, tuple[str, ...]] = {"venice": ("model_spec.name",)}


@lru_cache(maxsize=1024)
def name_paths(provider: str, id_field: str = "id") -> tuple[tuple[str, ...], ...]:
    """The dotted paths (split) where ``provider``'s display name may be, in order."""
    paths = NAME_PATHS.get(provider, DEFAULT_NAME_PATHS)
    return tuple(tuple(path.split(".")) for path in paths if path != id_field)


def _price_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return None


def _reads_same(transform: Callable[[Any], Any], old: Any, new: Any) -> bool:
    if transform in _PRICES:
        # "0.000000250" and "0.00000025": the same price, written differently.
        kind = _price_kind(old)
        if kind is None or kind != _price_kind(new):
            return False
        before, after = transform(old), transform(new)
        return before is not None and before == after
    if transform in _UNORDERED:
        # The same elements in another order (duplicates count).
        if not isinstance(old, list) or not isinstance(new, list) or len(old) != len(new):
            return False
        return sorted(map(canonical_text, old)) == sorted(map(canonical_text, new))
    return False


def _means_nothing(transform: Callable[[Any], Any], value: Any) -> bool:
    # OpenRouter's "-1": a price that varies, read as "no price" on purpose (docs/providers.md).
    if transform in _PRICES:
        number = decimals.parse(value)
        return number is not None and number < 0
    return False


@dataclass(frozen=True)
class FieldMapping:
    """One provider's mapping table, with what comparing raw paths asks of it worked out once.

    ``feeding``: raw dotted path -> the normalized fields it feeds (OpenRouter's
    ``architecture.input_modalities`` gives both ``input_modalities`` and ``vision``), in
    ``NORMALIZED_FIELDS`` order; ``inside``: path prefix -> the fields read below it
    (``pricing`` -> the four prices); ``capability_paths``: the paths feeding a capability
    field, and the provider's ``SIGNAL_PATHS``.
    """

    rows: tuple[Row, ...]
    feeding: dict[str, tuple[str, ...]]
    inside: dict[str, frozenset[str]]
    capability_paths: frozenset[str]
    # Per row: the field, the path's first key and the rest, the transform, and whether it
    # gives a value for an absent key.
    _plan: tuple[tuple[str, str, tuple[str, ...], Callable[[Any], Any], bool], ...]
    _transforms: dict[str, tuple[Callable[[Any], Any], ...]]

    def read(self, model: dict) -> tuple[dict[str, Any], dict[str, Any]]:
        """The normalized fields of one model, and the raw values that could not be read.

        Prices are ``Decimal`` USD per 1M tokens without trailing zeros.  A field the model does
        not give is absent from both; one whose raw value is there (not null) but cannot be
        read (a price of ``"1E+999999"``, a limit of ``"lots"``) is in the second, keyed by
        the normalized field, with the first such raw value.
        """
        found: dict[str, Any] = {}
        unreadable: dict[str, Any] = {}
        # The hot loop of reading a catalog: the path is walked inline, not by lookup().
        for name, first, rest, transform, defaulting in self._plan:
            if name in found:
                continue
            raw = model.get(first, MISSING)
            parent: Any = model
            for key in rest:
                if not isinstance(raw, dict):
                    parent, raw = None, MISSING
                    break
                parent, raw = raw, raw.get(key, MISSING)
            if raw is MISSING:
                # "A missing key means 0" only inside a pricing object that is there at all.
                if not (defaulting and rest and isinstance(parent, dict)):
                    continue
            value = transform(raw)
            if value is not None:
                found[name] = value
            elif raw is not MISSING and raw is not None and not _means_nothing(transform, raw):
                unreadable.setdefault(name, raw)
        if unreadable:
            for name in found:
                unreadable.pop(name, None)
        return found, unreadable

    def fed(self, path: str) -> set[str]:
        """The normalized fields a raw change at ``path`` can move: those read at the path or
        an ancestor of it, and (for a subtree added or removed whole) those read inside it."""
        names = set(self.inside.get(path, ()))
        while True:
            names.update(self.feeding.get(path, ()))
            path, dot, _ = path.rpartition(".")
            if not dot:
                return names

    def same_meaning(self, path: str, old: Any, new: Any) -> bool:
        """True when a raw value at ``path`` changed only in how it is written: every row that
        reads ``path`` has an exact transform (a price, a list read as a set) that reads
        ``old`` and ``new`` the same.  Lossy transforms (``has``, ``integer``, ``iso_date``...)
        never qualify."""
        transforms = self._transforms.get(path, ())
        return bool(transforms) and all(_reads_same(t, old, new) for t in transforms)

    def unreadable(self, path: str, value: Any) -> bool:
        """True when ``value`` is there at ``path`` (not null) but no row reading ``path`` can
        read it: a price of ``"1E+999999"``, a limit of ``"lots"``."""
        transforms = self._transforms.get(path, ())
        if not transforms or value is None:
            return False
        return all(t(value) is None and not _means_nothing(t, value) for t in transforms)


def _compiled(rows: tuple[Row, ...], signals: tuple[str, ...] = ()) -> FieldMapping:
    order = {name: index for index, name in enumerate(NORMALIZED_FIELDS)}
    feeding: dict[str, set[str]] = {}
    transforms: dict[str, list[Callable[[Any], Any]]] = {}
    for path, name, transform in rows:
        feeding.setdefault(path, set()).add(name)
        transforms.setdefault(path, []).append(transform)
    inside: dict[str, set[str]] = {}
    for path, names in feeding.items():
        for n in range(1, path.count(".") + 1):
            inside.setdefault(path.rsplit(".", n)[0], set()).update(names)
    capabilities = {path for path, name, _transform in rows if name in CAPABILITY_FIELDS}
    return FieldMapping(
        rows=rows,
        feeding={p: tuple(sorted(names, key=order.__getitem__)) for p, names in feeding.items()},
        inside={prefix: frozenset(names) for prefix, names in inside.items()},
        capability_paths=frozenset(capabilities.union(signals)),
        _plan=tuple(
            (
                name,
                path.split(".")[0],
                tuple(path.split(".")[1:]),
                transform,
                transform in _DEFAULTING,
            )
            for path, name, transform in rows
        ),
        _transforms={path: tuple(found) for path, found in transforms.items()},
    )


_COMPILED = {
    name: _compiled(MAPPINGS.get(name, _OPENAI_STYLE), SIGNAL_PATHS.get(name, ()))
    for name in MAPPINGS.keys() | SIGNAL_PATHS.keys()
}
_GENERIC = _compiled(_OPENAI_STYLE)


def mapping_for(provider: str) -> FieldMapping:
    """``provider``'s mapping; a provider without a table gets the OpenAI-style one."""
    return _COMPILED.get(provider, _GENERIC)


def capability_paths(provider: str) -> frozenset[str]:
    """Raw paths whose own changes belong with the capability changes: the paths feeding a
    capability field, and the provider's ``SIGNAL_PATHS``."""
    return mapping_for(provider).capability_paths
