"""indented.dumps writes exactly what json.dumps(indent=2, ensure_ascii=False, allow_nan=False)
writes, or fails as it does."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dump_models import canonical, indented

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    # Lone surrogates (json.loads gives them for "\ud800"), escapes, non-ASCII.
    st.text(st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010), max_size=4),
    st.sampled_from(['"', "\\", "\n\t\x00\x1f", "模型", "\u2028", "é"]),
)
KEYS = st.one_of(st.text(max_size=8), st.sampled_from(["", '"', "\\u"]))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(KEYS, inner, max_size=5),
        st.tuples(inner, inner),
    ),
    max_leaves=40,
)


def library(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)


@settings(max_examples=600, deadline=None)
@given(VALUES)
def test_the_same_text_as_the_library_or_the_same_error(value):
    try:
        expected = library(value)
    except ValueError as exc:
        with pytest.raises(ValueError, match=str(exc)):
            indented.dumps(value)
        return
    assert indented.dumps(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {1: "a", "b": 2},  # a key that is not a string: the library turns it into "1"
        {"x": {1.5, 2}},  # not JSON at all
        [math.nan],
        {"a": [1, {"b": -math.inf}]},
        True,
        [True, False, None, 0, -0.0, 1e300, 10**40],
    ],
)
def test_values_json_parsing_does_not_give_are_the_librarys_to_handle(value):
    try:
        expected = library(value)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc), match=str(exc).split(" ")[0]):
            indented.dumps(value)
        return
    assert indented.dumps(value) == expected


def test_canonical_dumps_writes_the_librarys_text_with_a_final_newline():
    document = {"data": [{"id": "a", "p": {"q": [1, 2.5, "x"]}, "e": {}, "l": []}]}
    assert canonical.dumps(document) == library(document) + "\n"
