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
    """True when two JSON values are written the same in a file, keys in any order: what
    ``canonical_text`` tells, without writing either.  ``==`` is not enough: it takes ``1``
    for ``1.0`` or ``true`` and ``0.0`` for ``-0.0``."""
    kind = type(old)
    if kind is not type(new):
        return False
    if kind is dict:
        return old.keys() == new.keys() and all(same(value, new[key]) for key, value in old.items())
    if kind is list:
        return len(old) == len(new) and all(map(same, old, new))
    if kind is float:
        return repr(old) == repr(new)  # as JSON writes it: -0.0, and NaN like NaN
    return bool(old == new)
