"""The GitHub Actions runtime: inputs, masks, groups, annotations, the job summary, outputs.

``entrypoint.py`` calls :func:`main`. The order matters: every secret is masked before
anything else is printed, then ``run``, then ``publish``, then the step fails (or not) per
``fail-on``. Every path comes from a ``GITHUB_*`` variable, never from ``/github/...``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
import uuid
from collections.abc import Mapping
from functools import partial
from pathlib import Path

from . import canonical, inputs, secrets
from .assessment import PULL_REQUEST_BLOCKS_CHARS, RiskContext
from .change_report import render_changes
from .config import load_settings
from .console import clean, command, mask_command, say
from .errors import DumpModelsError
from .providers import builtin_registry
from .publish import PublishResult, publish
from .publish_options import publish_options, server_url
from .report import fit_bytes, render_markdown, render_title
from .results import ProviderReport
from .runner import STEP_SUMMARY_MAX_BYTES, run

OUTPUTS = (
    "changed",
    "added",
    "removed",
    "modified",
    "failed-providers",
    "report-path",
    "pull-request-number",
    "pull-request-url",
    "pull-request-operation",
    "risk",
    "risk-reasons",
)

REPORT_DIR = ".dump-models"
REPORT_NAME = "report.json"


# --- the log ---------------------------------------------------------------------------


def key_variables(environ: Mapping[str, str]) -> list[str]:
    """Names of the variables that may hold a provider key: the registry's, and ``*_API_KEY``."""
    names = {variable for spec in builtin_registry().values() for variable in spec.key_env}
    names |= {name for name in environ if name.endswith("_API_KEY")}
    return sorted(name for name in names if environ.get(name, "").strip())


PUBLISH_WARNING = "warning: "  # how publish's emit starts a warning


class Console:
    """stdout for the Actions log: masks first; every other line redacted and made inert
    (``console.clean``) unless it is one of the tool's own commands."""

    def __init__(self) -> None:
        self._masked: set[str] = set()

    def _write(self, line: str) -> None:
        print(line, flush=True)

    def mask(self, value: str | None) -> None:
        """``::add-mask::`` each line of a secret and register it for redaction.

        Line by line, never the value whole: a multi-line value printed in one command
        would put its second line on a line of its own, in clear, before it is masked.
        """
        if not value:
            return
        secrets.register(value.strip())
        for part in value.splitlines():
            part = part.strip()
            if part and part not in self._masked:
                self._masked.add(part)
                self._write(mask_command(part))
                secrets.register(part)

    def line(self, text: str) -> None:
        """Print text (one line or more), redacted and inert."""
        self._write(clean(text))

    def publish_line(self, text: str) -> None:
        """A line of publish's: its ``warning: ...`` lines (a refused label, files left alone,
        auto-merge not allowed) become ``::warning::`` annotations, the rest plain lines."""
        if text.startswith(PUBLISH_WARNING):
            self.warning("dump-models: publish", text.removeprefix(PUBLISH_WARNING))
        else:
            self.line(text)

    def group(self, title: str, lines: list[str]) -> None:
        """A collapsible ``::group::`` in the log."""
        self._write(command("group", title))
        for text in lines:
            self.line(text)
        self._write(command("endgroup"))

    def warning(self, title: str, message: str) -> None:
        """A ``::warning::`` annotation."""
        self._write(command("warning", message, title=title))

    def error(self, message: str) -> None:
        """An ``::error::`` annotation."""
        self._write(command("error", message, title="dump-models"))


# --- files the runner reads back --------------------------------------------------------


def format_outputs(values: Mapping[str, str]) -> str:
    """``GITHUB_OUTPUT`` text: ``name=value``, or the delimiter form for multi-line values."""
    text = []
    for name, value in values.items():
        if "\n" in value or "\r" in value:
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            while delimiter in value:  # pragma: no cover - a random delimiter never appears
                delimiter = f"ghadelimiter_{uuid.uuid4()}"
            text.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            text.append(f"{name}={value}\n")
    return "".join(text)


def append_file(path: str | None, text: str) -> None:
    """Append to a file command file (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``) if it is set."""
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(secrets.redact(text))


def job_summary(text: str) -> str:
    """The step summary: the report and the lines appended to it, within the 1 MiB of UTF-8
    GitHub accepts (the report leaves room for the appended lines; this is the backstop)."""
    return fit_bytes(text.rstrip("\n") + "\n", STEP_SUMMARY_MAX_BYTES)


def report_path(workspace: Path) -> Path:
    """Where the JSON report goes: ``.dump-models/report.json`` in the workspace, checked and
    made ready before any request (docs/output.md, Paths).

    A Docker action shares only the workspace with the job's later steps: ``RUNNER_TEMP`` is
    a host path that is not mounted in GitHub's container, and act's ``/tmp`` is the
    container's own. The directory's ``.gitignore`` keeps the checkout clean for whatever
    commits next. The directory, if it is there, must be a real directory (not a symlink),
    and the report a regular file: the workspace is the repository's, not ours to trust.
    """
    directory = workspace / REPORT_DIR
    kind = canonical.non_regular(directory) or ("a file" if directory.exists() else None)
    if kind not in (None, "a directory"):
        raise DumpModelsError(
            f"{REPORT_DIR} is {kind}, not a directory; the action writes its report there: "
            "remove it from the workspace"
        )
    path = directory / REPORT_NAME
    kind = canonical.non_regular(path)
    if kind is not None:
        raise DumpModelsError(
            f"{REPORT_DIR}/{REPORT_NAME} is {kind}, not a regular file; remove it from the "
            "workspace"
        )
    directory.mkdir(exist_ok=True)
    try:
        canonical.write_if_changed(directory / ".gitignore", "*\n")
    except canonical.UnsafeWrite as exc:
        raise DumpModelsError(f"{exc}: remove it from the workspace") from None
    return path


def shown_path(path: Path, workspace: Path) -> str:
    """A path later steps can open: relative to the workspace (their working directory)
    when it is inside it, since the container's workspace path differs from the runner's."""
    try:
        return str(path.relative_to(workspace))
    except ValueError:
        return str(path)


def full_report_link(environ: Mapping[str, str]) -> str | None:
    """Where a cut PR body sends readers: this workflow run's job summary, when known."""
    run_id = environ.get("GITHUB_RUN_ID")
    repository = environ.get("GITHUB_REPOSITORY")
    if not (run_id and repository):
        return None
    server = server_url(environ)
    return (
        f"the job summary of [workflow run {run_id}]({server}/{repository}/actions/runs/{run_id})"
    )


def pull_request_maps(published: PublishResult) -> dict[str, str]:
    """The ``pull-request-*`` outputs of group-by provider: JSON maps by provider."""
    by = published.providers
    return {
        "pull-request-number": json.dumps({name: done.pr_number for name, done in by.items()}),
        "pull-request-url": json.dumps({name: done.pr_url for name, done in by.items()}),
        "pull-request-operation": json.dumps({name: done.operation for name, done in by.items()}),
    }


# --- the action -------------------------------------------------------------------------


def main(environ: Mapping[str, str] | None = None) -> int:
    """Run the action; return the process exit code (0, 1 per ``fail-on``, 2 bad input)."""
    environ = dict(os.environ if environ is None else environ)
    console = Console()

    # Masks before anything else is printed, even before validating inputs.
    console.mask(inputs.raw(environ, "token"))
    for line in inputs.raw(environ, "api-keys").splitlines():
        # Every line's value, even of a malformed line: the error must not leak it.
        if not line.strip().startswith("#"):
            _, sep, value = line.partition("=")
            console.mask(value.strip() if sep else line.strip())
    for name in key_variables(environ):
        console.mask(environ[name])
    console.mask(environ.get("GITHUB_TOKEN"))

    try:
        return _run_action(environ, console)
    except DumpModelsError as error:
        console.error(str(error))
        return error.exit_code
    except Exception as error:  # a bug: keep the traceback, but never a secret in it
        say(traceback.format_exc().rstrip("\n"), stream=sys.stderr)
        console.error(f"internal error: {type(error).__name__}: {error}")
        return 1


def _run_action(environ: dict[str, str], console: Console) -> int:
    given = inputs.from_environment(environ)
    workspace = inputs.workspace(environ)
    # api-keys join the environment the configuration reads keys from.
    run_environ = {**environ, **given.api_keys}

    settings = load_settings(given, environ=run_environ, workspace=workspace, action=True)
    # Keys found elsewhere (a config's api_key_env, an lc config) are masked as well.
    for target in settings.targets:
        console.mask(target.api_key)
    report = report_path(workspace)
    if given.dry_run:
        console.line("dump-models: dry run: no files written, no git change, no pull request")

    def on_report(report: ProviderReport, line: str) -> None:
        console.group(f"{report.name}: {report.status}", [line])
        if report.status == "failed":
            console.warning(f"dump-models: {report.name} failed", report.error or "failed")
        elif report.status == "guarded":
            console.warning(f"dump-models: {report.name} not written", report.error or line)

    started = time.time()  # the time of this run's change log events (docs/history.md)
    # One context for the run and the pull request's text: the in-use search runs once.
    risk = RiskContext.from_settings(settings, warn=lambda text: console.line(f"warning: {text}"))
    result = run(settings, emit=console.line, on_report=on_report, risk=risk)

    canonical.write_if_changed(report, secrets.redact(canonical.dumps(result.json)))
    totals = result.json.get("totals", {})
    outputs = {
        "changed": "true" if result.changed else "false",
        "added": str(totals.get("added", 0)),
        "removed": str(totals.get("removed", 0)),
        "modified": str(totals.get("changed", 0)),
        "failed-providers": ",".join(result.failed),
        "report-path": shown_path(report, workspace),
        "pull-request-number": "",
        "pull-request-url": "",
        "pull-request-operation": "none",
        # The verdict of this run's changes (docs/risk.md).
        **(result.assessment.outputs() if result.assessment else {"risk": "", "risk-reasons": ""}),
    }
    if given.group_by == "provider":  # JSON maps by provider, empty until published
        outputs.update(pull_request_maps(PublishResult("none")))
    summary = result.markdown

    exit_code = result.exit_code
    full_report = full_report_link(environ)
    if given.dry_run:
        # The dry run wrote no dump, so there is nothing for publish to compare: show what
        # the run would have published instead.
        if result.changed:
            console.line(
                f"dump-models: dry run: would {given.publish}: {render_title(result.reports)}"
            )
            opening, closing = (
                result.assessment.blocks(PULL_REQUEST_BLOCKS_CHARS)
                if result.assessment
                else ([], [])
            )
            console.line(
                render_markdown(
                    result.reports, full_report=full_report, opening=opening, closing=closing
                )
            )
        else:
            console.line("dump-models: dry run: no change to publish")
        append_file(environ.get("GITHUB_STEP_SUMMARY"), job_summary(summary))
        append_file(environ.get("GITHUB_OUTPUT"), format_outputs(outputs))
        return exit_code
    try:
        options = publish_options(
            given, settings, environ=run_environ, workspace=workspace, run_time=started
        )
        # The caller renders: the run's own reports say why files did not move.
        # group-by provider: each pull request says its own provider only.
        said = result.compared() if given.group_by == "provider" else result
        render = partial(
            render_changes,
            spec_for=settings.spec_for,
            run=said,
            full_report=full_report,
            risk=risk,
        )
        published = publish(options, render, emit=console.publish_line)
    except DumpModelsError as error:
        console.error(str(error))
        exit_code = error.exit_code
    else:
        if given.group_by == "provider":
            outputs.update(pull_request_maps(published))
            for provider, done in published.providers.items():
                if done.pr_url:
                    summary += f"\n\n{provider}: pull request ({done.operation}): {done.pr_url}\n"
        else:
            outputs["pull-request-operation"] = published.operation
            if published.pr_number:
                outputs["pull-request-number"] = str(published.pr_number)
            if published.pr_url:
                outputs["pull-request-url"] = published.pr_url
                summary += f"\n\nPull request ({published.operation}): {published.pr_url}\n"
    finally:
        append_file(environ.get("GITHUB_STEP_SUMMARY"), job_summary(summary))
        append_file(environ.get("GITHUB_OUTPUT"), format_outputs(outputs))

    if result.exit_code:
        console.line(
            f"dump-models: failing the step (fail-on: {given.fail_on}): "
            f"failed providers: {', '.join(result.failed)}"
        )
    return exit_code
