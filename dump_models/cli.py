"""The ``dump-models`` command line: parse arguments, run the pipeline, map errors to exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from . import __version__, secrets
from .console import clean, json_text, say
from .errors import DumpModelsError

STDOUT = "-"  # as a report path: print the report instead of writing a file


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line and exit 2, like every usage error
        self.exit(2, clean(f"{self.prog}: error: {message} (see '{self.prog} --help')") + "\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = _Parser(
        prog="dump-models",
        description="Dump LLM providers' model listings to JSON and report what changed.",
    )
    parser.add_argument("--version", action="version", version=f"dump-models {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="fetch every configured provider and write models/*.json")
    run.add_argument("--config", help="YAML config (default .github/dump-models.yml)")
    run.add_argument("--lc-config", help="lc's config.toml: [providers.NAME] tables")
    run.add_argument("--providers", help="comma-separated subset of providers")
    run.add_argument("--output-dir", help="where <provider>.json files go (default models)")
    run.add_argument("--report-json", help="write the machine report here (- for stdout)")
    run.add_argument("--report-md", help="write the Markdown report here (- for stdout)")
    run.add_argument("--dry-run", action="store_true", help="fetch and report, write no dump")
    run.add_argument("--force", action="store_true", help="write listings the guard holds back")
    run.add_argument(
        "--fail-on",
        choices=("any", "all", "never"),
        default="any",
        help="which provider failures make the exit code 1 (default any)",
    )
    run.add_argument(
        "--max-removal-ratio",
        type=float,
        help="largest share of models a listing may lose (default 0.5)",
    )

    diff = sub.add_parser("diff", help="compare two dumps (directories or files)")
    diff.add_argument("old", help="previous directory of <provider>.json, or one file")
    diff.add_argument("new", help="new directory of <provider>.json, or one file")
    diff.add_argument("--json", action="store_true", help="print the machine report")

    pub = sub.add_parser("publish", help="commit the dumps and open or update one pull request")
    pub.add_argument(
        "--publish",
        choices=("pull-request", "push", "none"),
        default="pull-request",
        help="how to publish (default pull-request)",
    )
    pub.add_argument("--base", help="base branch (default: the repository's default branch)")
    pub.add_argument("--branch", help="update branch (default dump-models/update)")
    pub.add_argument("--title", help="pull request title (default: computed)")
    pub.add_argument("--commit-message", help="commit message (default: computed)")
    pub.add_argument("--author", help='commit author and committer, "Name <email>"')
    pub.add_argument("--labels", help="comma-separated labels")
    pub.add_argument("--reviewers", help="comma-separated reviewers")
    pub.add_argument("--draft", action="store_true", help="open the pull request as a draft")
    pub.add_argument(
        "--sign-commits",
        action="store_true",
        help="make the commit through GitHub's API, so that GitHub signs it",
    )
    pub.add_argument("--dry-run", action="store_true", help="change nothing; print the plan")
    pub.add_argument("--config", help="YAML config (for output_dir and provider shapes)")
    pub.add_argument("--lc-config", help="lc's config.toml (its providers' files are committed)")
    pub.add_argument("--output-dir", help="directory of the dumps (default models)")

    sub.add_parser("providers", help="list the built-in providers and whether a key is set")
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    from .config import load_settings

    settings = load_settings(
        config=args.config,
        lc_config=args.lc_config,
        providers=args.providers,
        output_dir=args.output_dir,
        report_json=None if args.report_json == STDOUT else args.report_json,
        report_md=None if args.report_md == STDOUT else args.report_md,
        dry_run=args.dry_run,
        force=args.force,
        fail_on=args.fail_on,
        max_removal_ratio=args.max_removal_ratio,
    )
    from .runner import run  # after the config is known good: no import cost on bad input

    result = run(settings, emit=_say)
    if args.report_json == STDOUT:
        _say(json_text(result.json))
    if args.report_md == STDOUT:
        _say(result.markdown.rstrip("\n"))
    if settings.step_summary is not None:  # `dump-models run` in a workflow's own step
        with open(settings.step_summary, "a", encoding="utf-8") as handle:
            handle.write(secrets.redact(result.markdown.rstrip("\n")) + "\n")
    return result.exit_code


def cmd_diff(args: argparse.Namespace) -> int:
    from .compare import compare_paths
    from .report import render_markdown, report_json

    reports = compare_paths(Path(args.old), Path(args.new))
    if args.json:
        _say(json_text(report_json(reports)))
    else:
        _say(render_markdown(reports).rstrip("\n"))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from .change_report import render_changes
    from .config import load_publish_options, load_settings, workspace_dir
    from .publish import publish

    workspace = workspace_dir()
    settings = load_settings(
        config=args.config, lc_config=args.lc_config, output_dir=args.output_dir, cwd=workspace
    )
    # load_settings refused an output directory outside the workspace.
    output_dir = str(settings.output_dir.relative_to(workspace))
    options = load_publish_options(
        publish=args.publish,
        base=args.base,
        branch=args.branch,
        title=args.title,
        commit_message=args.commit_message,
        author=args.author,
        labels=args.labels,
        reviewers=args.reviewers,
        draft=args.draft,
        sign_commits=args.sign_commits,
        dry_run=args.dry_run,
        output_dir=output_dir,
        providers=settings.owned_providers,
    )
    result = publish(options, partial(render_changes, spec_for=settings.spec_for), emit=_say)
    _say(f"publish: {result.operation}" + (f" {result.pr_url}" if result.pr_url else ""))
    return 0


def cmd_providers(args: argparse.Namespace) -> int:
    from .config import key_for
    from .providers import builtin_registry

    rows = [("name", "endpoint", "key variable", "key")]
    for name, spec in builtin_registry().items():
        source = key_for(spec)[1]
        key = f"yes ({source})" if source else ("not needed" if spec.key_optional else "no")
        rows.append((name, spec.url, " or ".join(spec.key_env) or "-", key))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        _say("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
    return 0


def _say(text: str) -> None:
    say(text)


def _complain(text: str) -> None:
    say(text, stream=sys.stderr)


COMMANDS = {"run": cmd_run, "diff": cmd_diff, "publish": cmd_publish, "providers": cmd_providers}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except DumpModelsError as exc:
        _complain(f"dump-models: error: {exc}")
        return exc.exit_code
    except BrokenPipeError:  # `dump-models providers | head`: the reader left, nothing to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        _complain("dump-models: interrupted")
        return 130
    except Exception as exc:  # a bug: keep the traceback for the report, never a secret in it
        import traceback

        _complain(traceback.format_exc().rstrip("\n"))
        _complain(f"dump-models: internal error: {type(exc).__name__}: {exc}")
        return 1


def console() -> None:
    """The ``dump-models`` console script."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    console()
