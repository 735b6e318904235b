"""In use: the search of a real repository's tracked files, the watch list, links and the PR
body section."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from git_helpers import git

from dump_models.diff import compare_listings
from dump_models.errors import DumpModelsError
from dump_models.lifecycle import Retiring
from dump_models.report import escape
from dump_models.usage import (
    Hit,
    UsageSettings,
    blob_url,
    find_usage,
    parse_usage,
    render_in_use,
    watched_models,
)

# -- searching a repository -------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    files = {
        "src/app.py": 'client.chat(model="gpt-4o")\nother = "gpt-4o-mini"\n',
        "src/deep/more.py": "MODELS = ['o1', 'openai/gpt-4o']\n\n# gpt-4o again\n",
        "config/models.yaml": "default: openai/gpt-4o\nfallback: mistral-large-2402\n",
        "README.md": "We use gpt-4o.\n",
        "models/openai.json": '{"data": [{"id": "gpt-4o"}]}\n',  # the dumps themselves
        "docs/odd name [1].md": "gpt-4o\n",
        "src/binary.bin": "gpt-4o\0\x01\x02",
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(text.encode())
    outside = tmp_path / "outside.txt"
    outside.write_text("gpt-4o\n")
    os.symlink(outside, root / "src" / "link.py")
    (root / ".gitignore").write_text("src/ignored.py\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "files")
    (root / "src" / "ignored.py").write_text("gpt-4o\n")
    (root / "src" / "untracked.py").write_text("gpt-4o\n")
    (root / "src" / "app.py").write_text("gpt-4o\n" * 5)  # not committed: not searched
    return root


WATCHED = [("openai", "gpt-4o"), ("mistral", "mistral-large-2402"), ("openai", "o3")]


def test_find_usage_in_tracked_files(repo):
    head = git(repo, "rev-parse", "HEAD")
    found = find_usage(repo, head, ["**"], WATCHED, exclude=["models"])
    assert found == {
        ("openai", "gpt-4o"): [
            Hit("README.md", 1),
            Hit("config/models.yaml", 1),
            Hit("docs/odd name [1].md", 1),
            Hit("src/app.py", 1),
            Hit("src/deep/more.py", 1),
            Hit("src/deep/more.py", 3),
        ],
        ("mistral", "mistral-large-2402"): [Hit("config/models.yaml", 2)],
    }


def test_find_usage_globs_narrow_the_files(repo):
    head = git(repo, "rev-parse", "HEAD")
    found = find_usage(repo, head, ["src/**/*.py", "*.md"], WATCHED)
    assert found == {
        ("openai", "gpt-4o"): [
            Hit("README.md", 1),
            Hit("src/app.py", 1),
            Hit("src/deep/more.py", 1),
            Hit("src/deep/more.py", 3),
        ]
    }
    assert find_usage(repo, head, ["src/*.py"], WATCHED) == {
        ("openai", "gpt-4o"): [Hit("src/app.py", 1)]
    }
    assert find_usage(repo, head, [], WATCHED) == {}
    assert find_usage(repo, head, ["**"], []) == {}
    assert find_usage(repo, head, ["nothing/**"], WATCHED) == {}


def test_find_usage_with_a_thousand_ids_and_hostile_ones(repo):
    head = git(repo, "rev-parse", "HEAD")
    many = [("x", f"model-{i}") for i in range(1000)]
    odd = [("x", ""), ("x", "two\nlines"), ("x", "-e"), ("x", "--no-index"), ("x", "\\")]
    found = find_usage(repo, head, ["**"], [*many, *odd, ("openai", "o1")], exclude=["models"])
    assert found == {("openai", "o1"): [Hit("src/deep/more.py", 1)]}


def test_find_usage_refuses_a_bad_commit_and_a_missing_repository(repo, tmp_path):
    with pytest.raises(DumpModelsError) as caught:
        find_usage(repo, "--output=/tmp/x", ["**"], WATCHED)
    assert "not a commit" in str(caught.value)
    with pytest.raises(DumpModelsError) as caught:
        find_usage(repo, "0" * 40, ["**"], WATCHED)
    assert caught.value.exit_code == 1
    assert str(caught.value).startswith("usage search failed: git grep: ")
    with pytest.raises(DumpModelsError):
        find_usage(tmp_path / "nowhere", "HEAD", ["**"], WATCHED)


def test_find_usage_ignores_the_users_grep_settings(repo):
    git(repo, "config", "grep.column", "true")
    git(repo, "config", "grep.patternType", "perl")
    git(repo, "config", "color.grep", "always")
    found = find_usage(repo, "HEAD", ["README.md"], WATCHED)
    assert found == {("openai", "gpt-4o"): [Hit("README.md", 1)]}


def test_find_usage_in_a_checkout_owned_by_another_user(repo, monkeypatch):
    """The Action's container runs as root in a workspace the runner's user owns: git then
    refuses a repository it does not trust unless told it is safe (as Git does it)."""
    head = git(repo, "rev-parse", "HEAD")
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    found = find_usage(repo, head, ["config/**"], WATCHED)
    assert found == {
        ("openai", "gpt-4o"): [Hit("config/models.yaml", 1)],
        ("mistral", "mistral-large-2402"): [Hit("config/models.yaml", 2)],
    }


def test_blob_url_quotes_the_path():
    hit = Hit("docs/odd name [1](x).md", 12)
    assert blob_url("https://github.com", "octo/models", "abc123", hit) == (
        "https://github.com/octo/models/blob/abc123/docs/odd%20name%20%5B1%5D%28x%29.md#L12"
    )


# -- what is watched --------------------------------------------------------------------


def test_watched_models_removed_retiring_and_repriced_upward():
    old = [
        {"id": "a", "pricing": {"prompt": "0.000001", "completion": "0.000002"}},
        {"id": "b", "pricing": {"prompt": "0.000001", "completion": "0.000002"}},
        {"id": "c", "pricing": {"prompt": "0", "completion": "0"}},
        {"id": "gone", "pricing": {"prompt": "0", "completion": "0"}},
    ]
    new = [
        {"id": "a", "pricing": {"prompt": "0.0000011", "completion": "0.000002"}},  # +10 %
        {"id": "b", "pricing": {"prompt": "0.0000005", "completion": "0.000002"}},  # down
        {"id": "c", "pricing": {"prompt": "0.000001", "completion": "0"}},  # free -> paid
    ]
    report = compare_listings("openrouter", old, new)
    soon = [Retiring("mistral", "m", __import__("datetime").date(2026, 4, 1), None, False, 31)]
    assert watched_models([report], soon) == {
        ("openrouter", "gone"): ("removed",),
        ("openrouter", "a"): ("price rise",),
        ("openrouter", "c"): ("price rise",),
        ("mistral", "m"): ("retiring",),
    }


# -- the PR body ------------------------------------------------------------------------


def test_render_in_use():
    usage = {
        ("openai", "gpt-4o"): [Hit("src/app.py", 3), Hit("a|b.md", 1)],
        ("x", "@octocat"): [Hit(f"f{i}.py", i) for i in range(1, 13)],
    }
    why = {("openai", "gpt-4o"): ("removed",), ("x", "@octocat"): ("retiring", "price rise")}
    lines = render_in_use(
        usage, why, server_url="https://github.com", repository="octo/models", commit="abc"
    )
    url = "https://github.com/octo/models/blob/abc"
    assert lines[:3] == [
        "### In use",
        "",
        "Files of this repository that name a model this update removes, retires or "
        "reprices upward:",
    ]
    assert lines[4] == (
        f"- openai: gpt-4o (removed): [src/app.py:3]({url}/src/app.py#L3), "
        f"[a\\|b.md:1]({url}/a%7Cb.md#L1)"
    )
    assert lines[5].startswith(f"- x: {escape('@octocat')} (retiring, price rise): [f1.py:1](")
    assert lines[5].endswith(", \u2026 and 2 more places")
    assert lines[5].count("](") == 10
    assert render_in_use({}, {}, server_url="s", repository="r", commit="c") == []


def test_render_in_use_without_a_repository_names_the_places():
    usage = {("openai", "gpt-4o"): [Hit("src/a_b.py", 3)]}
    lines = render_in_use(
        usage, {("openai", "gpt-4o"): ("removed",)}, server_url="s", repository=None, commit="c"
    )
    assert lines[4] == "- openai: gpt-4o (removed): src/a\\_b.py:3"


# -- the config block -------------------------------------------------------------------


class At:
    def error(self, message: str, *keys: str) -> DumpModelsError:
        return DumpModelsError(f"cfg.yml[{'.'.join(keys)}]: {message}")


def test_parse_usage():
    def parse(text: str) -> UsageSettings:
        return parse_usage(yaml.safe_load(text)["usage"], At())

    assert parse_usage(None, At()) == UsageSettings(paths=())
    assert parse("usage: {paths: ['src/**/*.py', README.md]}") == UsageSettings(
        ("src/**/*.py", "README.md")
    )
    for text, message in [
        ("usage: [x]", "cfg.yml[usage]: usage must be a mapping with paths: [globs]"),
        (
            "usage: {path: [x]}",
            "cfg.yml[usage.path]: unknown key 'path' in usage; expected one of: paths",
        ),
        ("usage: {paths: 'src/**'}", "cfg.yml[usage.paths]: usage.paths must be a list of globs"),
        ("usage: {paths: ['']}", "usage.paths has ''; each glob must be a path pattern inside"),
        ("usage: {paths: [3]}", "usage.paths has 3; each glob must be"),
        ("usage: {paths: ['/etc/*']}", "usage.paths has '/etc/*'; each glob must be a path"),
        ("usage: {paths: ['../x/**']}", "usage.paths has '../x/**'; each glob"),
        ("usage: {paths: ['a/../../x']}", "usage.paths has 'a/../../x'"),
        ("usage: {paths: [':(exclude)x']}", "usage.paths has ':(exclude)x'"),
        ('usage: {paths: ["a\\nb"]}', "usage.paths has 'a\\nb'"),
    ]:
        with pytest.raises(DumpModelsError) as caught:
            parse(text)
        assert message in str(caught.value), text
        assert re.fullmatch(r"[^\n]+", str(caught.value))
