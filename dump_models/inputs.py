"""Every input of the Action and option of the CLI, once: name, kind, choices and default.

The Action reads ``INPUT_*`` variables (:func:`from_environment`), the CLI parses flags
(:func:`from_namespace`); both give one frozen :class:`Inputs`, checked by the same rules: a
bad value is one line and exit code 2, before anything else happens. ``action.yml`` is the
published contract; tests/test_action_parity.py holds it, this table and the README together.

(Over 350 lines: the one vocabulary is one table, and every front end reads it from here.)
"""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args

from .errors import DumpModelsError

FailOn = Literal["any", "all", "never"]
PublishMode = Literal["pull-request", "push", "none"]
GroupBy = Literal["all", "provider"]  # one pull request, or one per provider (docs/scale.md)
AutoMergeMode = Literal["never", "low"]  # "low": GitHub's auto-merge on low-risk updates
MergeMethod = Literal["squash", "merge", "rebase"]
FAIL_ON: tuple[str, ...] = get_args(FailOn)
PUBLISH_MODES: tuple[str, ...] = get_args(PublishMode)
GROUP_BY: tuple[str, ...] = get_args(GroupBy)
AUTO_MERGE_MODES: tuple[str, ...] = get_args(AutoMergeMode)
MERGE_METHODS: tuple[str, ...] = get_args(MergeMethod)
DEFAULT_CONFIG = ".github/dump-models.yml"
DEFAULT_OUTPUT_DIR = "models"
DEFAULT_BRANCH = "dump-models/update"
STDOUT = "-"  # as a report path: print the report instead of writing a file

# How an input's text is read: text (empty is "not given"), bool (true/false in any case),
# choice (one of `choices`), ratio (a number between 0 and 1), list (comma- or
# line-separated), keys (NAME=value lines), branch (a branch name the tool may use).
Kind = Literal["text", "bool", "choice", "ratio", "list", "keys", "branch"]


@dataclass(frozen=True)
class Option:
    """One input of the Action and/or option of the CLI (``--<name>``)."""

    name: str
    kind: Kind
    help: str  # the CLI's help; action.yml has its own descriptions
    default: str = ""  # as action.yml declares it
    choices: tuple[str, ...] = ()
    action: bool = True  # an input of action.yml
    # The default is also the config file's: the Action passes it on as "not given" when the
    # input carries it (GitHub always sends the declared default), so the config can set it.
    from_config: bool = False

    @property
    def field(self) -> str:
        """The :class:`Inputs` attribute (and argparse destination) it fills."""
        return self.name.replace("-", "_")


OPTIONS: tuple[Option, ...] = (
    Option("token", "text", "", default="${{ github.token }}"),
    Option(
        "config",
        "text",
        f"YAML config (default {DEFAULT_CONFIG}; optional)",
        default=DEFAULT_CONFIG,
        from_config=True,
    ),
    Option("lc-config", "text", "lc's config.toml: [providers.NAME] tables", action=False),
    Option("providers", "list", "comma-separated subset of providers"),
    Option(
        "output-dir",
        "text",
        f"directory of the <provider>.json dumps (default {DEFAULT_OUTPUT_DIR})",
        default=DEFAULT_OUTPUT_DIR,
        from_config=True,
    ),
    Option("api-keys", "keys", ""),
    Option("report-json", "text", "write the machine report here (- for stdout)", action=False),
    Option("report-md", "text", "write the Markdown report here (- for stdout)", action=False),
    Option(
        "publish",
        "choice",
        "how to publish (default pull-request)",
        default="pull-request",
        choices=PUBLISH_MODES,
    ),
    Option("base", "branch", "base branch (default: the repository's default branch)"),
    Option("branch", "branch", f"update branch (default {DEFAULT_BRANCH})", default=DEFAULT_BRANCH),
    Option(
        "group-by",
        "choice",
        "one pull request for all providers, or one per provider (default all)",
        default="all",
        choices=GROUP_BY,
    ),
    Option("title", "text", "pull request title (default: computed)"),
    Option("commit-message", "text", "commit message (default: computed)"),
    Option("author", "text", 'commit author and committer, "Name <email>"'),
    Option("labels", "list", "comma-separated labels"),
    Option("reviewers", "list", "comma-separated reviewers"),
    Option("draft", "bool", "open the pull request as a draft", default="false"),
    Option(
        "sign-commits",
        "bool",
        "make the commit through GitHub's API, so that GitHub signs it",
        default="false",
    ),
    Option(
        "feeds",
        "bool",
        "also commit Atom and JSON feeds of the change log (feeds/ in the output directory)",
        default="false",
    ),
    # Empty in action.yml: under act the default is true (see from_environment).
    Option("dry-run", "bool", "change nothing: run writes no dump, publish prints its plan"),
    Option(
        "fail-on",
        "choice",
        "which provider failures make the exit code 1 (default any)",
        default="any",
        choices=FAIL_ON,
    ),
    Option(
        "max-removal-ratio",
        "ratio",
        "largest share of models a listing may lose (default 0.5)",
        default="0.5",
        from_config=True,
    ),
    Option("force", "bool", "write listings the guard holds back", default="false"),
    Option(
        "catalog",
        "bool",
        "also write catalog.json (every model's normalized record) beside the dumps",
        default="false",
    ),
    Option(
        "auto-merge",
        "choice",
        "low: turn on GitHub's auto-merge for a low-risk pull request (default never)",
        default="never",
        choices=AUTO_MERGE_MODES,
    ),
    Option(
        "merge-method",
        "choice",
        "how GitHub's auto-merge merges (default squash)",
        default="squash",
        choices=MERGE_METHODS,
    ),
    Option(
        "reports",
        "text",
        "publish what shards left: a directory of their run --report-json files (fan-out)",
        action=False,
    ),
)
BY_NAME: dict[str, Option] = {option.name: option for option in OPTIONS}
ACTION_INPUTS: tuple[Option, ...] = tuple(option for option in OPTIONS if option.action)
# The options of each CLI sub-command that takes inputs, in the order --help shows them.
COMMANDS: dict[str, tuple[str, ...]] = {
    "run": (
        "config",
        "lc-config",
        "providers",
        "output-dir",
        "report-json",
        "report-md",
        "dry-run",
        "force",
        "fail-on",
        "max-removal-ratio",
        "catalog",
    ),
    "publish": (
        "publish",
        "base",
        "branch",
        "group-by",
        "title",
        "commit-message",
        "author",
        "labels",
        "reviewers",
        "draft",
        "sign-commits",
        "feeds",
        "dry-run",
        "config",
        "lc-config",
        "output-dir",
        "auto-merge",
        "merge-method",
        "reports",
    ),
}


@dataclass(frozen=True)
class Inputs:
    """Every input, checked; a field's default is its value when the input is not given."""

    token: str | None = field(default=None, repr=False)
    config: str | None = None  # None: the default config file, if there is one
    lc_config: str | None = None
    providers: tuple[str, ...] = ()  # (): every configured provider
    output_dir: str | None = None  # None: the config file's, else models
    api_keys: dict[str, str] = field(default_factory=dict, repr=False)
    report_json: str | None = None
    report_md: str | None = None
    publish: PublishMode = "pull-request"
    base: str | None = None  # None: the repository's default branch
    branch: str = DEFAULT_BRANCH
    group_by: GroupBy = "all"
    title: str | None = None
    commit_message: str | None = None
    author: str | None = None
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    draft: bool = False
    sign_commits: bool = False
    feeds: bool = False
    dry_run: bool = False
    fail_on: FailOn = "any"
    max_removal_ratio: float | None = None  # None: the config file's, else 0.5
    force: bool = False
    catalog: bool = False
    auto_merge: AutoMergeMode = "never"
    merge_method: MergeMethod = "squash"
    reports: str | None = None  # publish: the shards' reports (docs/scale.md)


# --- reading and checking ---------------------------------------------------------------


def from_environment(environ: Mapping[str, str]) -> Inputs:
    """The Action's inputs, from ``INPUT_*`` variables in either spelling (:func:`raw`)."""
    texts = {option.name: raw(environ, option.name) for option in ACTION_INPUTS}
    for option in ACTION_INPUTS:
        if option.from_config and texts[option.name] == option.default:
            texts[option.name] = ""
    inputs = _checked(texts, lambda name: f"input {name}")
    if not texts["dry-run"] and environ.get("ACT", "").lower() == "true":
        # Under act a run is dry unless the workflow says otherwise: pushes and pull
        # requests made from a laptop are real.
        inputs = replace(inputs, dry_run=True)
    return inputs


def from_namespace(args: argparse.Namespace) -> Inputs:
    """The CLI's inputs, from a sub-command's parsed flags (absent ones are not given)."""
    texts: dict[str, str] = {}
    for option in OPTIONS:
        value = getattr(args, option.field, None)
        if value is True:  # a flag that was given
            texts[option.name] = "true"
        elif isinstance(value, str):
            texts[option.name] = value
    return _checked(texts, lambda name: f"--{name}")


def raw(environ: Mapping[str, str], name: str) -> str:
    """An Action input's text, stripped (``""`` when absent): GitHub's ``INPUT_OUTPUT-DIR``,
    else act's ``INPUT_OUTPUT_DIR`` (act turns every other character into ``_``)."""
    github = "INPUT_" + name.upper()
    for variable in (github, re.sub(r"[^A-Z0-9_]", "_", github)):
        value = environ.get(variable)
        if value is not None and value.strip():
            return value.strip()
    return ""


def _checked(texts: Mapping[str, str], shown: Callable[[str], str]) -> Inputs:
    """Inputs from each option's text; raise :class:`DumpModelsError` on the first bad one."""
    values: dict[str, Any] = {}
    for option in OPTIONS:
        text = texts.get(option.name, "")
        if text:
            values[option.field] = _PARSERS[option.kind](option, text, shown(option.name))
    return Inputs(**values)


def _text(option: Option, text: str, shown: str) -> str:
    return text


def _bool(option: Option, text: str, shown: str) -> bool:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise DumpModelsError(f"{shown} must be true or false, not {text!r}")


def _choice(option: Option, text: str, shown: str) -> str:
    if text in option.choices:
        return text
    raise DumpModelsError(f"{shown} must be one of {', '.join(option.choices)}, not {text!r}")


def _ratio(option: Option, text: str, shown: str) -> float:
    try:
        ratio = float(text)
    except ValueError:
        ratio = math.nan
    if math.isfinite(ratio) and 0 <= ratio <= 1:
        return ratio
    raise DumpModelsError(f"{shown} must be a number between 0 and 1, not {text!r}")


def _list(option: Option, text: str, shown: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in re.split(r"[,\n]", text) if item.strip())


_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # matched whole (fullmatch)


def _keys(option: Option, text: str, shown: str) -> dict[str, str]:
    """``NAME=value`` lines (blank lines and ``#`` comments allowed) -> {NAME: value}.

    The error never quotes a line: it may hold a key.
    """
    keys: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not _VARIABLE.fullmatch(name) or not value.strip():
            raise DumpModelsError(
                f"{shown}, line {number}: expected NAME=value with NAME an "
                "environment variable name such as MISTRAL_API_KEY"
            )
        keys[name] = value.strip()
    return keys


def _branch(option: Option, text: str, shown: str) -> str:
    if valid_branch(text):
        return text
    raise DumpModelsError(
        f"{shown} {text!r} is not a valid branch name; use parts of letters, digits, '.', "
        f"'_' and '-' joined by '/', such as {DEFAULT_BRANCH}"
    )


_PARSERS: dict[str, Callable[[Option, str, str], Any]] = {
    "text": _text,
    "bool": _bool,
    "choice": _choice,
    "ratio": _ratio,
    "list": _list,
    "keys": _keys,
    "branch": _branch,
}

# A part of a branch name: what `git check-ref-format --branch` accepts, narrowed to a safe
# alphabet (no part starting with '.' or '-', no '..', no '.lock' or '.' at its end).
_BRANCH_PART = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_-])?")


def valid_branch(name: str) -> bool:
    """Whether ``name`` is a branch name the tool may push to or compare against."""
    return all(
        _BRANCH_PART.fullmatch(part) and ".." not in part and not part.endswith(".lock")
        for part in name.split("/")
    )


def how_to_turn_on(name: str, *, action: bool) -> str:
    """How a hint tells the user to turn a bool option on: ``pass --force`` on the command
    line, ``set the input force: true`` in the Action."""
    if BY_NAME[name].kind != "bool":
        raise ValueError(f"{name} is not a bool option")
    return f"set the input {name}: true" if action else f"pass --{name}"


def workspace(environ: Mapping[str, str]) -> Path:
    """The checkout: ``$GITHUB_WORKSPACE``, else the current directory."""
    return Path(environ.get("GITHUB_WORKSPACE") or os.getcwd())
