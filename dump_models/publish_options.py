"""The options of ``publish``, from the inputs, the settings and the GitHub Actions environment.

The CLI and the Action build them here, so that neither the configuration nor the inputs
import the publishing code.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from . import secrets
from .config import Settings, server_url
from .inputs import Inputs
from .publish import PublishOptions

__all__ = ["DEFAULT_API_URL", "publish_options", "server_url"]
DEFAULT_API_URL = "https://api.github.com"


def publish_options(
    inputs: Inputs,
    settings: Settings,
    *,
    environ: Mapping[str, str],
    workspace: Path,
    run_time: float | None = None,
) -> PublishOptions:
    """What ``publish`` needs. The token is the input's, else ``$GITHUB_TOKEN`` or
    ``$GH_TOKEN``; ``settings`` were loaded for the same ``workspace``; ``run_time``: when the
    run began, the time of the change log's events (None: when publish starts)."""
    token = inputs.token or environ.get("GITHUB_TOKEN") or environ.get("GH_TOKEN") or None
    secrets.register(token)
    return PublishOptions(
        author=inputs.author or PublishOptions.author,  # else the bot
        workspace=workspace,
        # load_settings refused an output directory outside the workspace.
        output_dir=str(settings.output_dir.relative_to(workspace)),
        mode=inputs.publish,
        base=inputs.base,
        branch=inputs.branch,
        group_by=inputs.group_by,
        title=inputs.title,
        commit_message=inputs.commit_message,
        labels=inputs.labels,
        reviewers=inputs.reviewers,
        draft=inputs.draft,
        sign_commits=inputs.sign_commits,
        feeds=inputs.feeds,
        run_time=run_time,
        specs={
            name: spec
            for name in settings.owned_providers
            if (spec := settings.spec_for(name)) is not None
        },
        dry_run=inputs.dry_run,
        providers=settings.owned_providers,
        token=token,
        api_url=(environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
        graphql_url=(environ.get("GITHUB_GRAPHQL_URL") or "").rstrip("/") or None,
        server_url=server_url(environ),
        repository=environ.get("GITHUB_REPOSITORY") or None,
        auto_merge=inputs.auto_merge,
        merge_method=inputs.merge_method,
        risk_labels=settings.risk.labels,
    )
