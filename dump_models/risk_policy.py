"""The risk policy: the config's ``risk:`` block, every rule settable (docs/risk.md)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from dump_models import decimals
from dump_models.errors import ErrorAt

Level = Literal["low", "high"]
MAX_LABEL_CHARS = 50  # GitHub refuses longer label names

# Rule names: the config keys, and ``Reason.rule``. Price rules in the order they are tried:
# one reason per price change, from the first rule that matches.
RULES = (
    "removed",
    "removed_in_use",
    "price_crossing_zero",
    "price_factor",
    "price_rise_percent",
    "shrinking_limits",
    "lost_capabilities",
    "max_changed_models",
)


@dataclass(frozen=True)
class RiskLabels:
    """The label a pull request gets for each level (the other one is removed)."""

    low: str = "risk:low"
    high: str = "risk:high"

    def name(self, level: Level) -> str:
        """The label for ``level``."""
        return self.high if level == "high" else self.low

    def other(self, level: Level) -> str:
        """The label of the other level, to remove."""
        return self.low if level == "high" else self.high


@dataclass(frozen=True)
class RiskPolicy:
    """Which changes make an update ``high``; ``None`` turns a numeric rule off."""

    removed: bool = True  # a model removed
    removed_in_use: bool = True  # a model removed that the repository's files still name
    price_rise_percent: Decimal | None = Decimal(10)  # a price rising more than this
    price_crossing_zero: bool = True  # free -> paid, paid -> free
    price_factor: Decimal | None = Decimal(10)  # a price moving more than this many times
    shrinking_limits: bool = True  # context_length or max_output_tokens going down
    lost_capabilities: bool = True  # tools/vision/reasoning no longer true; a modality gone
    max_changed_models: int | None = 50  # more models added/removed/changed in one provider
    labels: RiskLabels = field(default_factory=RiskLabels)


# -- the config block -----------------------------------------------------------------------


def _finite_number(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return decimals.parse(value)


def _threshold(minimum: Decimal, *, strict: bool, whole: bool):
    def check(value: object) -> tuple[bool, object]:
        if value is False:
            return True, None
        if whole and (isinstance(value, bool) or not isinstance(value, int)):
            return False, None
        number = _finite_number(value)
        if number is None or number < minimum or (strict and number == minimum):
            return False, None
        return True, int(number) if whole else number

    return check


def _boolean(value: object) -> tuple[bool, object]:
    return isinstance(value, bool), value


_OFF = ", or false to turn the rule off"
# key -> (check returning (valid, value), what it must be: the end of the error line)
_SETTINGS = {
    "removed": (_boolean, "true or false"),
    "removed_in_use": (_boolean, "true or false"),
    "price_rise_percent": (
        _threshold(Decimal(0), strict=False, whole=False),
        "a number of percent ≥ 0" + _OFF,
    ),
    "price_crossing_zero": (_boolean, "true or false"),
    "price_factor": (_threshold(Decimal(1), strict=True, whole=False), "a number > 1" + _OFF),
    "shrinking_limits": (_boolean, "true or false"),
    "lost_capabilities": (_boolean, "true or false"),
    "max_changed_models": (
        _threshold(Decimal(0), strict=False, whole=True),
        "a whole number ≥ 0" + _OFF,
    ),
}
_KEYS = (*_SETTINGS, "labels")


def _label(value: object) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_LABEL_CHARS
        and value == " ".join(value.split())
        and value.isprintable()
    )


def _parse_labels(data: object, where: ErrorAt) -> RiskLabels:
    if not isinstance(data, Mapping):
        raise where.error("risk.labels must be a mapping with low and high", "risk", "labels")
    names = {"low": RiskLabels.low, "high": RiskLabels.high}
    for key, value in data.items():
        if key not in names:
            raise where.error(
                f"unknown key {key!r} in risk.labels; expected one of: low, high",
                "risk",
                "labels",
                str(key),
            )
        if not _label(value):
            raise where.error(
                f"risk.labels.{key} is {value!r}; it must be a label name of 1 to "
                f"{MAX_LABEL_CHARS} characters on one line",
                "risk",
                "labels",
                key,
            )
        names[key] = value
    if names["low"] == names["high"]:
        raise where.error(
            f"risk.labels.low and risk.labels.high are both {names['low']!r}; "
            "give them different names",
            "risk",
            "labels",
            "high",
        )
    return RiskLabels(**names)


def parse_policy(data: object, where: ErrorAt) -> RiskPolicy:
    """The config's ``risk:`` mapping (None: absent) as a policy; a bad key or value is a
    one-line :class:`DumpModelsError` (exit 2) made by ``where`` for its key path."""
    if data is None:
        return RiskPolicy()
    if not isinstance(data, Mapping):
        raise where.error("risk must be a mapping of rule: setting (see docs/risk.md)", "risk")
    values: dict[str, object] = {}
    for key, value in data.items():
        if key == "labels":
            values["labels"] = _parse_labels(value, where)
            continue
        if key not in _SETTINGS:
            raise where.error(
                f"unknown key {key!r} in risk; expected one of: {', '.join(_KEYS)}",
                "risk",
                str(key),
            )
        check, hint = _SETTINGS[key]
        valid, parsed = check(value)
        if not valid:
            raise where.error(f"risk.{key} is {value!r}; it must be {hint}", "risk", key)
        values[key] = parsed
    return RiskPolicy(**values)  # type: ignore[arg-type]


# -- the lifecycle: and usage: blocks, read with the policy (config needs no feature module) --

DEFAULT_RETIRING_WITHIN_DAYS = 90
MAX_RETIRING_WITHIN_DAYS = 3660  # ten years: anything longer is no "soon"
# Control characters, which no glob of a tracked path holds.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class LifecycleSettings:
    """The config's ``lifecycle:`` block."""

    retiring_within_days: int = DEFAULT_RETIRING_WITHIN_DAYS


def parse_lifecycle(data: object, where: ErrorAt) -> LifecycleSettings:
    """The config's ``lifecycle:`` mapping (None: absent); a bad key or value is a one-line
    :class:`DumpModelsError` made by ``where`` for its key path."""
    if data is None:
        return LifecycleSettings()
    if not isinstance(data, Mapping):
        raise where.error("lifecycle must be a mapping (retiring_within_days: 90)", "lifecycle")
    for key, value in data.items():
        if key != "retiring_within_days":
            raise where.error(
                f"unknown key {key!r} in lifecycle; expected one of: retiring_within_days",
                "lifecycle",
                str(key),
            )
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not whole or not 0 <= value <= MAX_RETIRING_WITHIN_DAYS:
            raise where.error(
                f"lifecycle.retiring_within_days is {value!r}; it must be a whole number of "
                f"days from 0 to {MAX_RETIRING_WITHIN_DAYS}",
                "lifecycle",
                key,
            )
        return LifecycleSettings(value)
    return LifecycleSettings()


@dataclass(frozen=True)
class UsageSettings:
    """The config's ``usage:`` block: the globs of tracked files to search (none: off)."""

    paths: tuple[str, ...] = ()


def _glob_problem(value: object) -> bool:
    if not isinstance(value, str) or not value or _CONTROL.search(value):
        return True
    # A leading ":" would be read as pathspec magic; "/" and ".." leave the repository.
    return value.startswith((":", "/")) or ".." in value.split("/")


def parse_usage(data: object, where: ErrorAt) -> UsageSettings:
    """The config's ``usage:`` mapping (None: absent); a bad key or glob is a one-line
    :class:`DumpModelsError` made by ``where`` for its key path."""
    if data is None:
        return UsageSettings()
    if not isinstance(data, Mapping):
        raise where.error("usage must be a mapping with paths: [globs]", "usage")
    for key in data:
        if key != "paths":
            raise where.error(
                f"unknown key {key!r} in usage; expected one of: paths", "usage", str(key)
            )
    paths = data.get("paths")
    if paths is None:
        return UsageSettings()
    if not isinstance(paths, list):
        raise where.error("usage.paths must be a list of globs", "usage", "paths")
    for value in paths:
        if _glob_problem(value):
            raise where.error(
                f"usage.paths has {value!r}; each glob must be a path pattern inside the "
                "repository (src/**/*.py), not empty, not starting with '/' or ':', "
                "without '..'",
                "usage",
                "paths",
            )
    return UsageSettings(tuple(paths))
