"""json_values.same: two values are the same exactly when a file writes them the same."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from dump_models.json_values import MISSING, canonical_text, lookup, same

LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, 1, -1, 0.0, -0.0, 1.0, 2.5, float("nan"), float("inf"), "1", ""]),
    st.integers(),
    st.floats(),
    st.text(max_size=5),
)
VALUES = st.recursive(
    LEAVES,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "c"]), children, max_size=3)
    ),
    max_leaves=10,
)


@given(VALUES, VALUES)
def test_same_is_equal_canonical_text(old, new):
    assert same(old, new) is (canonical_text(old) == canonical_text(new))


@given(VALUES)
def test_a_value_read_back_is_the_same(value):
    text = json.dumps(value)
    assert same(value, json.loads(text))
    assert same(json.loads(text), json.loads(text))


def test_what_equality_takes_for_the_same():
    assert 1 == 1.0 == True  # noqa: E712
    assert not same(1, 1.0) and not same(1, True) and not same([1], [1.0])
    assert not same({"a": 1}, {"a": True}) and not same(0.0, -0.0)
    assert same({"a": [1, {"b": None}], "c": "x"}, {"c": "x", "a": [1, {"b": None}]})


def test_lookup():
    model = {"a": {"b": None}, "c": [1]}
    assert lookup(model, ("a", "b")) is None
    assert lookup(model, ("a", "x")) is MISSING
    assert lookup(model, ("c", "0")) is MISSING  # lists are not indexed
    assert lookup(model, ()) is model
