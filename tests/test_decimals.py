"""decimals: nothing raises, whatever the number (the module's contract)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dump_models import decimals


@pytest.mark.parametrize(
    ("number", "expected"),
    [("1E+2", "100"), ("0E-8", "0"), ("-0", "0"), ("2.50", "2.5"), ("1E-24", "1E-24")],
)
def test_plain(number, expected):
    assert str(decimals.plain(Decimal(number))) == expected


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_plain_and_text_of_a_non_finite_number_do_not_raise(number):
    # parse() never gives one, but scaled() and percent_change() compute in a trap-free
    # context where an unforeseen case is NaN: printing it must not raise either.
    assert str(decimals.plain(Decimal(number))) == str(Decimal(number))
    assert decimals.text(Decimal(number)) == format(Decimal(number), "f")
