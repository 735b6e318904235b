"""Whole ids: a table of near misses, and the fast matcher held to the plain rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dump_models.whole_ids import Matcher, mentions

# (line, provider, model id, whether the line names that model)
NEAR_MISSES = [
    ('model = "gpt-4o"', "openai", "gpt-4o", True),
    ("gpt-4o", "openai", "gpt-4o", True),
    ("models: [gpt-4o, o1]", "openai", "gpt-4o", True),
    ("gpt-4o,", "openai", "gpt-4o", True),
    ("we use gpt-4o.", "openai", "gpt-4o", True),
    ("gpt-4o: {temperature: 0}", "openai", "gpt-4o", True),
    ("call(`gpt-4o`)", "openai", "gpt-4o", True),
    ("--model=gpt-4o", "openai", "gpt-4o", True),
    ("'gpt-4o'", "openai", "gpt-4o", True),
    ("- gpt-4o", "openai", "gpt-4o", True),
    ("gpt-4o-mini", "openai", "gpt-4o", False),
    ("xgpt-4o", "openai", "gpt-4o", False),
    ("gpt-4o2", "openai", "gpt-4o", False),
    ("gpt-4o.1", "openai", "gpt-4o", False),
    ("gpt-4o.json", "openai", "gpt-4o", False),
    ("gpt-4o:free", "openai", "gpt-4o", False),
    ("gpt-4o@2024-08-06", "openai", "gpt-4o", False),
    ("gpt-4o_x", "openai", "gpt-4o", False),
    ("my-gpt-4o", "openai", "gpt-4o", False),
    ("ft:gpt-4o", "openai", "gpt-4o", False),
    ("GPT-4o", "openai", "gpt-4o", False),
    ("gpt-4oé", "openai", "gpt-4o", False),
    # The provider's name may stand in front of an id (LiteLLM's "openai/gpt-4o").
    ('model: "openai/gpt-4o"', "openai", "gpt-4o", True),
    ("azure/gpt-4o", "openai", "gpt-4o", False),
    ("openrouter/openai/gpt-4o", "openai", "gpt-4o", False),
    ("https://example.com/gpt-4o", "openai", "gpt-4o", False),
    # An id with its own prefix is matched with it, never without it.
    ("openai/gpt-4o", "openrouter", "openai/gpt-4o", True),
    ("gpt-4o", "openrouter", "openai/gpt-4o", False),
    ("openrouter/openai/gpt-4o", "openrouter", "openai/gpt-4o", True),
    ("openai/gpt-4o-mini", "openrouter", "openai/gpt-4o", False),
    ("openai/gpt-4o:free", "openrouter", "openai/gpt-4o", False),
    ("x/openai/gpt-4o", "openrouter", "openai/gpt-4o", False),
    ("models/gemini-1.5-pro", "gemini", "models/gemini-1.5-pro", True),
    ("gemini-1.5-pro", "gemini", "models/gemini-1.5-pro", False),
    # Ids outside the usual characters are matched the same way.
    ('"@cf/meta/llama-3-8b-instruct"', "cloudflare", "@cf/meta/llama-3-8b-instruct", True),
    ("x@cf/meta/llama-3-8b-instruct", "cloudflare", "@cf/meta/llama-3-8b-instruct", False),
    ("use My Model here", "odd", "My Model", True),
    ("use My Models here", "odd", "My Model", False),
    ("a (beta) b", "odd", "(beta)", True),
    ("a(beta)b", "odd", "(beta)", False),
]


@pytest.mark.parametrize(("line", "provider", "model", "named"), NEAR_MISSES)
def test_whole_ids_only(line, provider, model, named):
    assert mentions(line, provider, model) is named
    matcher = Matcher([(provider, model)])
    assert matcher.scan(line) == ({(1, (provider, model))} if named else set())


ALPHABET = st.sampled_from(list('ab/-.:_@ x"é(1'))
IDS = [
    ("p", "a"),
    ("p", "ab"),
    ("p", "a-b"),
    ("q", "a/b"),
    ("q", "a.b"),
    ("p", "b:a"),
    ("p", "a b"),
]


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=14).map("".join))
def test_the_fast_matcher_agrees_with_the_rule(line):
    expected = {(1, (p, model)) for p, model in IDS if mentions(line, p, model)}
    assert Matcher(IDS).scan(line) == expected


def test_the_matcher_counts_lines():
    text = "a\n\nx gpt-4o\r\nopenai/gpt-4o gpt-4o\nnone\nMy Model\n\nMy Model"
    matcher = Matcher([("openai", "gpt-4o"), ("x", "My Model"), ("x", "two\nlines")])
    assert sorted(matcher.scan(text)) == [
        (3, ("openai", "gpt-4o")),
        (4, ("openai", "gpt-4o")),
        (6, ("x", "My Model")),
        (8, ("x", "My Model")),
    ]
