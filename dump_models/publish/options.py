"""What publishing is asked to do: :class:`PublishOptions`, gathered once and checked once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DumpModelsError
from ..inputs import (
    DEFAULT_BRANCH,
    DEFAULT_OUTPUT_DIR,
    PUBLISH_MODES,
    AutoMergeMode,
    GroupBy,
    MergeMethod,
    PublishMode,
)
from ..providers import ProviderSpec
from ..risk_policy import RiskLabels

# ``Name <email>``: a name, then one email with an @ in angle brackets, nothing after it.
AUTHOR_FORM = re.compile(r"[^<>\x00-\x1f]*[^<>\s][^<>\x00-\x1f]*<[^<>\s]+@[^<>\s]+>")


@dataclass(frozen=True)
class PublishOptions:
    """Everything publishing needs, gathered once by the CLI or the Action."""

    workspace: Path
    output_dir: str = DEFAULT_OUTPUT_DIR
    mode: PublishMode = "pull-request"
    base: str | None = None
    branch: str = DEFAULT_BRANCH
    # provider: a branch <branch>/<provider> and a pull request per provider (per_provider.py)
    group_by: GroupBy = "all"
    title: str | None = None
    commit_message: str | None = None
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    draft: bool = False
    dry_run: bool = False
    # The configured providers: their `<name>.json` are the tool's files (see owned_paths).
    # None: every built-in provider, as when the config lists none.
    providers: tuple[str, ...] | None = None
    sign_commits: bool = False  # the commit made through GitHub's API, so GitHub signs it
    # How each provider's file is read for the change log (its list key, id, ignored fields);
    # a provider not here: the built-in registry's, else a generic reading (docs/history.md).
    specs: Mapping[str, ProviderSpec] = field(default_factory=dict)
    feeds: bool = False  # also commit the Atom and JSON feeds of the log (feeds/ in output_dir)
    # The time the update's events are logged at (epoch seconds): the run's; None: now.
    run_time: float | None = None
    token: str | None = field(default=None, repr=False)
    api_url: str = "https://api.github.com"
    graphql_url: str | None = None  # None: next to api_url (/graphql, or /api/graphql on GHES)
    server_url: str = "https://github.com"
    repository: str | None = None
    author: str = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
    # What a verdict changes on the pull request (docs/risk.md).
    auto_merge: AutoMergeMode = "never"
    merge_method: MergeMethod = "squash"
    risk_labels: RiskLabels = field(default_factory=RiskLabels)

    @property
    def dry(self) -> bool:
        """Only say what would be done: ``--dry-run`` or ``publish: none``."""
        return self.dry_run or self.mode == "none"


def validate_options(options: PublishOptions) -> None:
    """Raise :class:`DumpModelsError` (exit 2) for options that cannot be published with."""
    if options.mode not in PUBLISH_MODES:
        modes = ", ".join(PUBLISH_MODES)
        raise DumpModelsError(f"publish mode must be one of {modes}: {options.mode!r}")
    if options.group_by == "provider" and options.mode == "push":
        raise DumpModelsError(
            "group-by provider opens a pull request per provider; it does not go with "
            "publish push (fix: publish pull-request, or group-by all)"
        )
    if options.repository is not None and options.repository.count("/") != 1:
        raise DumpModelsError(f"repository must be owner/name: {options.repository!r}")
    if options.mode == "pull-request" and not options.dry_run:
        if not options.repository:
            raise DumpModelsError(
                "publishing a pull request needs the repository: set GITHUB_REPOSITORY=owner/name "
                "and a token in GITHUB_TOKEN, or use --dry-run / --publish none"
            )
        if not options.token:
            raise DumpModelsError(
                "publishing a pull request needs a token: set GITHUB_TOKEN (input `token` in "
                "the Action), or use --dry-run / --publish none"
            )
    if options.sign_commits and not options.dry:
        if not (options.repository and options.token):
            raise DumpModelsError(
                "sign-commits has GitHub's API make the commit: it needs GITHUB_REPOSITORY="
                "owner/name and a token (GITHUB_TOKEN, input `token`)"
            )
    if not AUTHOR_FORM.fullmatch(options.author.strip()):
        raise DumpModelsError(
            f"author must be `Name <email>`: {options.author!r} (fix: set --author / input "
            "`author` like `dump-models bot <bot@example.com>`, or leave it unset)"
        )
    output = Path(options.output_dir)
    if output.is_absolute() or ".." in output.parts:
        raise DumpModelsError(f"output directory must be inside the workspace: {output}")
