"""Exact decimal numbers from provider values, for prices: parsed, scaled and printed safely.

A provider may send any string or number where a price belongs (``"1e30"``, ``"1E+999999"``,
``"NaN"``, 5,000 digits).  Every decimal here is bounded, and every operation runs in one
context wide enough for the bounded values and without traps, so nothing here ever raises.
A value outside the bounds is no price anybody means: it is not parsed, and the report shows
it under its raw path instead.
"""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation

MAX_DIGITS = 40  # significant digits of a price
MAX_MAGNITUDE = 40  # powers of ten either side of 1 (1e-40 .. 1e40)
_MAX_TEXT = 200  # characters of a price string; longer is no price either

# Bounded values scaled by 1e6 and divided by each other stay far inside this precision and
# exponent range; no traps, so an unforeseen case gives NaN (checked), not an exception.
_CONTEXT = Context(prec=4 * (MAX_DIGITS + MAX_MAGNITUDE), Emax=10_000, Emin=-10_000, traps=[])
_ONE = Decimal(1)
_TENTH = Decimal("0.1")
_HUNDRED = Decimal(100)


def _bounded(number: Decimal) -> bool:
    if not number.is_finite():
        return False
    if number.is_zero():
        return True
    digits = len(number.as_tuple().digits)
    return digits <= MAX_DIGITS and -MAX_MAGNITUDE <= number.adjusted() <= MAX_MAGNITUDE


def parse(value: object) -> Decimal | None:
    """A finite decimal within the bounds from a JSON string or number; None for anything
    else (booleans, NaN, Infinity, ``"n/a"``, lists, a thousand digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # Decimal(int) needs no str(): ints of more than 4,300 digits cannot be str()ed.
        number = Decimal(value)
    elif isinstance(value, float):
        # repr first: 2.5e-07 becomes its shortest form, not binary noise.
        number = Decimal(repr(value))
    elif isinstance(value, str) and len(value) <= _MAX_TEXT:
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if _bounded(number) else None


def scaled(number: Decimal, power: int) -> Decimal | None:
    """``number`` times ``10 ** power``, exactly, in plain form (see :func:`plain`); None when
    the result is outside the bounds."""
    result = number.scaleb(power, _CONTEXT)
    return plain(result) if _bounded(result) else None


def plain(number: Decimal) -> Decimal:
    """Without trailing zeros and without an exponent (``1E+2`` -> ``100``), same value."""
    if number.is_zero():
        return Decimal(0)  # not "-0" nor "0E-8"
    number = number.normalize(_CONTEXT)
    exponent = number.as_tuple().exponent  # a letter for NaN and Infinity: left as they are
    if isinstance(exponent, int) and exponent > 0:
        number = number.quantize(_ONE, context=_CONTEXT)
    return number


def text(number: Decimal) -> str:
    """Plain notation: ``0.000000000000000000000001``, never ``1E-24``."""
    return format(plain(number), "f")


def percent_change(before: Decimal, after: Decimal) -> Decimal | None:
    """``(after - before) / before`` in percent, to a whole percent from 10 % up and to a
    tenth below; None when ``before`` is zero (a percentage of nothing means nothing)."""
    if before.is_zero():
        return None
    change = _CONTEXT.multiply(_CONTEXT.divide(_CONTEXT.subtract(after, before), before), _HUNDRED)
    if not change.is_finite():
        return None
    step = _ONE if change.copy_abs() >= 10 else _TENTH
    rounded = change.quantize(step, context=_CONTEXT)
    return rounded if rounded.is_finite() else None
