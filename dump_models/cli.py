"""The ``dump-models`` command line: parse arguments, run the pipeline, map errors to exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from . import __version__, inputs, secrets
from .catalog_cli import CATALOG_COMMANDS, add_catalog_commands
from .console import clean, json_text, say
from .errors import DumpModelsError

if TYPE_CHECKING:
    from .config import Settings
    from .runner import RunResult


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line and exit 2, like every usage error
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
    add_options(run, "run")

    diff = sub.add_parser("diff", help="compare two dumps (directories or files)")
    diff.add_argument("old", help="previous directory of <provider>.json, or one file")
    diff.add_argument("new", help="new directory of <provider>.json, or one file")
    diff.add_argument("--json", action="store_true", help="print the machine report")
    diff.add_argument(
        "--provider",
        help="read two files by this provider's rules (default: the new file's name)",
    )

    pub = sub.add_parser("publish", help="commit the dumps and open or update one pull request")
    add_options(pub, "publish")

    providers = sub.add_parser(
        "providers", help="list the providers, as the config makes them, and whether a key is set"
    )
    add_vocabulary(providers, ("config", "lc-config"))
    providers.add_argument("--json", action="store_true", help="print them as JSON")

    plan = sub.add_parser("plan", help="the providers a run fetches, as a GitHub Actions matrix")
    add_vocabulary(plan, ("config", "lc-config", "providers"))
    plan.add_argument("--json", action="store_true", help='{"include": [...]} on one line')
    add_history_commands(sub)
    add_catalog_commands(sub)
    _describe(sub)
    return parser


# One example per command, shown by its --help (a command without one shows none).
EXAMPLES = {
    "run": "dump-models run --providers openrouter,mistral --dry-run --report-md -",
    "diff": "dump-models diff old/openrouter.json models/openrouter.json --provider openrouter",
    "publish": "dump-models publish --dry-run",
    "providers": "dump-models providers --config .github/dump-models.yml --json",
    "plan": "dump-models plan --json",
    "history": "dump-models history --since 2025-01-01 --output models/changes.jsonl",
    "feed": "dump-models feed --format json --provider openrouter",
    "prices": "dump-models prices openrouter openai/gpt-4o",
    "models": "dump-models models openrouter --tools --ctx 128k --input-price 1 --sort input_price",
    "cost": "dump-models cost openrouter openai/gpt-4o --input 12000 --output 800 --cached 4000",
    "check": "dump-models check anthropic claude-sonnet-4-5 --tokens 150000 --output 8000",
    "catalog": "dump-models catalog --output catalog.json",
    "export": "dump-models export --format litellm --output litellm-models.json",
}


def _describe(sub: argparse._SubParsersAction) -> None:
    """Each command's --help: its one-line description (the help the command list shows)
    and its example, as written."""
    helps = {action.dest: action.help for action in sub._choices_actions}
    for name, command in sub.choices.items():
        command.description = command.description or helps.get(name)
        command.formatter_class = argparse.RawDescriptionHelpFormatter
        if name in EXAMPLES:
            command.epilog = f"example:\n  {EXAMPLES[name]}"


def add_options(parser: argparse.ArgumentParser, command: str) -> None:
    """The command's options from the vocabulary: ``--<name>``; a flag for a bool; an
    absent option is None, so that :class:`~dump_models.inputs.Inputs` has its default."""
    add_vocabulary(parser, inputs.COMMANDS[command])


def add_vocabulary(parser: argparse.ArgumentParser, names: Sequence[str]) -> None:
    """These options of the vocabulary (``inputs.OPTIONS``), as :func:`add_options` adds them."""
    for name in names:
        option = inputs.BY_NAME[name]
        if option.kind == "bool":
            parser.add_argument(f"--{name}", action="store_true", help=option.help)
        else:
            parser.add_argument(f"--{name}", choices=option.choices or None, help=option.help)


def cmd_run(args: argparse.Namespace) -> int:
    from .config import load_settings

    given = inputs.from_namespace(args)
    settings = load_settings(given, workspace=Path.cwd())
    from .progress import Progress
    from .runner import run  # after the config is known good: no import cost on bad input

    with Progress.on(len(settings.targets), sys.stderr, os.environ) as progress:
        result = run(
            settings, emit=progress.say, on_report=progress.finished, on_start=progress.started
        )
    if given.report_json == inputs.STDOUT:
        say(json_text(result.json))
    if given.report_md == inputs.STDOUT:
        say(result.markdown.rstrip("\n"))
    if settings.step_summary is not None:  # `dump-models run` in a workflow's own step
        with open(settings.step_summary, "a", encoding="utf-8") as handle:
            handle.write(secrets.redact(result.markdown.rstrip("\n")) + "\n")
    return result.exit_code


def cmd_diff(args: argparse.Namespace) -> int:
    from .dumps import compare_paths
    from .report import render_markdown, report_json

    note = lambda text: _complain(f"dump-models diff: {text}")  # noqa: E731
    reports = compare_paths(Path(args.old), Path(args.new), provider=args.provider, note=note)
    if args.json:
        say(json_text(report_json(reports)))
    else:
        say(render_markdown(reports).rstrip("\n"))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from .assessment import RiskContext
    from .change_report import render_changes
    from .config import load_settings
    from .publish import publish
    from .publish_options import publish_options

    given = inputs.from_namespace(args)
    workspace = inputs.workspace(os.environ)
    settings = load_settings(given, workspace=workspace)
    options = publish_options(given, settings, environ=os.environ, workspace=workspace)
    risk = RiskContext.from_settings(settings, warn=lambda text: say(f"warning: {text}"))
    run = None if given.reports is None else _shards_run(given.reports, settings, workspace)
    if run is not None and given.group_by == "provider":
        run = run.compared()  # each pull request says its own provider only
    render = partial(render_changes, spec_for=settings.spec_for, run=run, risk=risk)
    result = publish(options, render, emit=say)
    for provider, done in result.providers.items():  # group-by provider
        say(f"publish: {provider}: {done.operation}" + (f" {done.pr_url}" if done.pr_url else ""))
    if not result.providers:
        say(f"publish: {result.operation}" + (f" {result.pr_url}" if result.pr_url else ""))
    return 0


def _shards_run(reports: str, settings: Settings, workspace: Path) -> RunResult:
    """The run the shards made together, from their reports (docs/scale.md)."""
    from .runner import RunResult, provider_line
    from .shards import shard_reports

    planned = [target.name for target in settings.targets]
    warn = lambda text: say(f"warning: {text}")  # noqa: E731
    found = shard_reports(workspace / reports, reports, planned, warn)
    for report in found:
        if report.status in ("failed", "skipped", "guarded"):
            say(provider_line(report))
    return RunResult(reports=found, exit_code=0)


def cmd_plan(args: argparse.Namespace) -> int:
    from .config import load_settings
    from .config_file import read_config
    from .providers import builtin_registry
    from .shards import plan

    given = inputs.from_namespace(args)
    workspace = Path.cwd()
    settings = load_settings(given, workspace=workspace)
    listed = read_config(workspace, given.config).provider_specs(builtin_registry())
    if listed is None and not given.lc_config and not given.providers:
        _complain(
            "dump-models: warning: the config lists no providers: planned the built-in ones "
            "with a key here (and keyless openrouter); list them under providers: to plan them all"
        )
    matrix = plan(settings.targets)
    if args.json:
        say(json.dumps(matrix))
    else:
        for row in matrix["include"]:
            say(f"{row['provider']}  {row['key_env']}".rstrip())
    return 0


def cmd_providers(args: argparse.Namespace) -> int:
    from .provider_list import provider_rows, rows_json, rows_table

    rows = provider_rows(inputs.from_namespace(args), environ=os.environ, workspace=Path.cwd())
    say(json_text(rows_json(rows)) if args.json else rows_table(rows))
    return 0


# --- history, feeds, prices (docs/history.md): parsers and commands; the work is in
# dump_models/history.py, events.py, feeds.py and prices.py ----------------------------------

DUMPS_DIR = inputs.DEFAULT_OUTPUT_DIR


def add_history_commands(sub: argparse._SubParsersAction) -> None:
    """The sub-commands that read the change log or the git history of the dumps."""
    history = sub.add_parser(
        "history", help="rebuild the change log's events from the dumps' git history"
    )
    history.add_argument("--since", help="only commits from this date (YYYY-MM-DD) or time on")
    history.add_argument("--output", help="write the events here (default: stdout)")
    history.add_argument("--dir", default=DUMPS_DIR, help="the dumps' directory (default models)")
    history.add_argument(
        "--config",
        help="YAML config: its providers' shapes (id_field, ignore_fields), as publish reads them",
    )

    feed = sub.add_parser("feed", help="an Atom or JSON Feed of the change log")
    feed.add_argument(
        "--format", choices=("atom", "json"), default="atom", help="Atom 1.0 or JSON Feed 1.1"
    )
    feed.add_argument("--provider", help="only this provider's changes")
    feed.add_argument("--output", help="write the feed here (default: stdout)")
    feed.add_argument("--dir", default=DUMPS_DIR, help="the dumps' directory (default models)")

    prices = sub.add_parser("prices", help="a model's price history from the change log")
    prices.add_argument("provider", help="the provider (its file name without .json)")
    prices.add_argument("model_id", help="the model's id")
    prices.add_argument("--json", action="store_true", help="print the intervals as JSON")
    prices.add_argument("--dir", default=DUMPS_DIR, help="the dumps' directory (default models)")


def _write_output(data: bytes, output: str | None) -> None:
    """Bytes to ``--output`` (atomically) or to stdout, the same bytes either way."""
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from .canonical import write_if_changed

    try:
        write_if_changed(Path(output), data.decode("utf-8"))
    except OSError as exc:
        raise DumpModelsError(f"{output}: cannot write: {exc.strerror or exc}") from None


def _config_specs(config: str | None) -> dict:
    """Every provider's spec as the config (default file when present) makes it: the built-in
    registry with the config's overrides and custom providers, so that a listing is read as
    the run and publish read it."""
    from .config import load_settings
    from .providers import builtin_registry

    settings = load_settings(inputs.Inputs(config=config), workspace=Path.cwd())
    names = set(builtin_registry()) | set(settings.owned_providers) | set(settings.extra_specs)
    return {name: spec for name in sorted(names) if (spec := settings.spec_for(name))}


def cmd_history(args: argparse.Namespace) -> int:
    from .events import event_line
    from .history import history_events, parse_since

    since = None if args.since is None else parse_since(args.since)
    specs = _config_specs(args.config)
    events = history_events(
        Path(args.dir), since=since, specs=specs, workspace=Path.cwd(), warn=_complain
    )
    _write_output("".join(event_line(event) for event in events).encode("utf-8"), args.output)
    return 0


def cmd_feed(args: argparse.Namespace) -> int:
    from .changelog import load_log
    from .feeds import atom_feed, json_feed

    events = load_log(Path(args.dir), warn=_complain)
    render = atom_feed if args.format == "atom" else json_feed
    _write_output(render(events, provider=args.provider), args.output)
    return 0


def cmd_prices(args: argparse.Namespace) -> int:
    from .changelog import load_log
    from .prices import close_ids, close_providers, price_intervals, price_table

    events = load_log(Path(args.dir), warn=_complain)
    provider, model = args.provider, args.model_id
    intervals = price_intervals(events, provider, model)
    if not any(interval.known for interval in intervals):
        known = "no known prices" if intervals else "no price history"
        close = close_ids(events, provider, model) or close_providers(events, provider)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        _complain(f"dump-models: {provider} {model}: {known} in {args.dir}/changes.jsonl{hint}")
        return 1
    if args.json:
        rows = [interval.to_json() for interval in intervals]
        say(json_text({"provider": provider, "model": model, "intervals": rows}))
    else:
        say(f"{provider} {model}: prices in USD per 1M tokens\n{price_table(intervals)}")
    return 0


# --- end of history, feeds, prices ---------------------------------------------------------


def _complain(text: str) -> None:
    say(text, stream=sys.stderr)


COMMANDS = {
    "run": cmd_run,
    "diff": cmd_diff,
    "publish": cmd_publish,
    "providers": cmd_providers,
    "plan": cmd_plan,
    "history": cmd_history,
    "feed": cmd_feed,
    "prices": cmd_prices,
    **CATALOG_COMMANDS,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code.  With no arguments it prints
    the help and exits 0, as ``gh`` does."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        say(build_parser().format_help().rstrip("\n"))
        return 0
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
