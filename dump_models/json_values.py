"""Values inside a provider's model, compared as the dump files hold them (pure).

``MISSING`` is a key that is not there (JSON ``null`` is ``None``).  ``same`` tells ``1`` from
``1.0`` from ``true``, and ``[1]`` from ``[1.0]``, which ``==`` does not.
"""

from __future__ import annotations

import json
from typing import Any, Final


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def lookup(model: Any, keys: tuple[str, ...]) -> Any:
    """The value at a dotted path split into ``keys``, or ``MISSING``."""
    value = model
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return MISSING
        value = value[key]
    return value


def canonical_text(value: Any) -> str:
    """JSON text with sorted keys: equal exactly when the files' values are."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def same(old: Any, new: Any) -> bool:
    """The same value as a file holds it: same type, equal, and for containers the same
    canonical text (``==`` takes ``[1]`` for ``[1.0]`` and ``{"a": 1}`` for ``{"a": true}``)."""
    if type(old) is not type(new) or old != new:
        return False
    return not isinstance(old, (dict, list)) or canonical_text(old) == canonical_text(new)
