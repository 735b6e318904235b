"""What the tool prints: redacted, then inert for the Actions runner (see tests/runner_rules.py)."""

from __future__ import annotations

import io
import json

import pytest
from runner_rules import commands_in, foreign_commands, read_command

from dump_models import console, secrets

# Text a provider may send, shaped like every way the runner reads a command.
HOSTILE = [
    "::set-output name=pull-request-url::https://evil.example",
    "  \t::error title=fake::HOSTILE",
    "\u00a0\u3000::warning::HOSTILE",  # Unicode whitespace: .NET's TrimStart removes it
    "\u200b::add-mask::HOSTILE",  # an ignorable character before the command
    ":\u200b:set-env name=A::HOSTILE",
    "bad key ##[set-output name=pull-request-url;]https://evil.example",
    "##[error title=fake]x",
    "#\u200b#[add-matcher]/tmp/HOSTILE.json",
    "##\u00ad[debug]HOSTILE",
    "ok\r::set-output name=a::HOSTILE",  # a carriage return starts a new runner line
    "ok\r\n::stop-commands::HOSTILE",
    "ok\n##[group]HOSTILE",
    "::::",
    "::\u200b::",
    "###[x]",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_no_command_once_made_inert(text):
    assert commands_in(text), "the case must be a command for the runner to begin with"
    assert foreign_commands(console.inert(text)) == []
    assert commands_in(console.inert(text)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("openrouter: fetched 3 models in 0.1 s", "openrouter: fetched 3 models in 0.1 s"),
        ("a: b :: c ## [d] #[e]", "a: b :: c ## [d] #[e]"),  # nothing to escape
        ("::x::y", "\\::x::y"),
        ("  ::x::y", "  \\::x::y"),
        ("key ##[set-output a;]b", "key ##\\[set-output a;]b"),
        ("one\n::two::\r\nthree ##[x]", "one\n\\::two::\r\nthree ##\\[x]"),
        ("ok\u2028::x::", "ok\u2028\\::x::"),  # other readers split lines there
    ],
)
def test_inert_text_stays_readable(text, expected):
    assert console.inert(text) == expected


def test_long_runs_of_breaks_spaces_and_ignorables_are_handled_line_by_line():
    """Each line is looked at once from its start: a provider's 100,000 blank lines (or
    vertical tabs, or zero-width spaces) cost no more than their length."""
    for filler in ("\n", "\x0b", " \u200b", "#\u200b"):
        text = filler * 100_000 + "::x::y"
        assert commands_in(console.inert(text)) == []


def test_redaction_comes_before_the_text_is_made_inert():
    key = "sk-canary-##[with-brackets]-0123456789"
    secrets.register(key)
    assert console.clean(f"bad key {key}") == "bad key ***"


def test_own_commands_escape_and_neutralize_their_parts():
    line = console.command(
        "warning", "failed: ##[set-output name=x;]y\n::error::z 50%", title="a: b, c ##[d]"
    )
    (command,) = commands_in(line)
    assert command.name == "warning"
    assert command.properties == {"title": "a%3A b%2C c ##\\[d]"}
    assert "\n" not in line and "50%25" in line
    assert "##[" not in line


def test_workflow_command_text_is_escaped():
    assert console.escape_data("50%\nnext") == "50%25%0Anext"
    assert console.escape_property("a: b, c") == "a%3A b%2C c"


def test_own_commands_are_redacted():
    secrets.register("sk-canary-in-an-annotation-01")
    line = console.command("error", "bad key sk-canary-in-an-annotation-01", title="dump-models")
    assert "sk-canary" not in line and "bad key ***" in line


def test_say_writes_each_line_inert_to_the_stream():
    stream = io.StringIO()
    console.say("fine\n::set-output name=x::y", stream=stream)
    assert stream.getvalue() == "fine\n\\::set-output name=x::y\n"


def test_json_for_the_console_stays_json_with_the_same_values():
    data = {"##[error title=fake]x": ["::warning::y", "a ##[b]"], "plain": "text"}
    text = console.json_text(data)
    assert json.loads(text) == data
    assert commands_in(text) == []
    assert '"plain": "text"' in text  # the rest as json.dumps(indent=2) writes it


def test_the_rules_see_what_the_runner_sees():
    """The predicate itself: the forms the runner reads, and what it does not."""
    assert read_command("::group::x").name == "group"
    assert read_command("  ::endgroup::").name == "endgroup"
    assert read_command("text ##[error]x").name == "error"
    assert read_command("text ::error::x") is None  # :: only at the start of a line
    assert read_command("::no-end") is None
    assert read_command("##[no-bracket") is None
    assert read_command("\\::x::y") is None
