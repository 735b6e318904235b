"""The catalog's sub-commands: ``models``, ``cost``, ``check``, ``catalog``, ``export``
(docs/catalog.md). The work is in catalog.py, query.py, costs.py and litellm_export.py."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from . import inputs
from .canonical import write_if_changed
from .console import json_items, json_text, say
from .errors import DumpModelsError

_DIR_HELP = "the dumps' directory (default: the config file's output_dir, else models)"


def add_catalog_commands(sub: argparse._SubParsersAction) -> None:
    """The sub-commands that query the dumps."""
    from .query import SORT_FIELDS

    models = sub.add_parser("models", help="list the dumps' models, filtered like lc models")
    models.add_argument("providers", nargs="*", metavar="PROVIDER", help="only these providers")
    models.add_argument("-q", "--query", help="text in the id or name (any case)")
    for flag, what in (
        ("tools", "tool calling"),
        ("vision", "image input"),
        ("reasoning", "reasoning"),
        ("audio", "audio input or output"),
    ):
        models.add_argument(
            f"--{flag}", action="store_true", help=f"only models said to have {what}"
        )
    models.add_argument("--ctx", help="minimum context length in tokens (128k, 1m, 32000)")
    models.add_argument("--output", help="minimum max output tokens (32k)")
    models.add_argument("--input-price", help="maximum input price, USD per 1M tokens")
    models.add_argument("--output-price", help="maximum output price, USD per 1M tokens")
    models.add_argument(
        "--sort", choices=SORT_FIELDS, default="provider", help="sort by this field"
    )
    models.add_argument("--reverse", action="store_true", help="largest first (unknown stays last)")
    shape = models.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="the records as JSON")
    shape.add_argument("--csv", action="store_true", help="the records as CSV")
    models.add_argument("--dir", help=_DIR_HELP)

    cost = sub.add_parser("cost", help="what a request to a model costs, exactly, in USD")
    _model_arguments(cost)
    cost.add_argument("--input", required=True, help="prompt tokens, cached ones included")
    cost.add_argument("--output", required=True, help="output tokens")
    cost.add_argument("--cached", default="0", help="prompt tokens read from the cache")
    cost.add_argument("--json", action="store_true", help="the breakdown as JSON")
    cost.add_argument("--dir", help=_DIR_HELP)

    check = sub.add_parser("check", help="whether a request fits a model's limits (exit 0 or 1)")
    _model_arguments(check)
    check.add_argument("--tokens", required=True, help="prompt tokens")
    check.add_argument("--output", help="output tokens wanted")
    check.add_argument("--dir", help=_DIR_HELP)

    catalog = sub.add_parser("catalog", help="every model's normalized record, one JSON document")
    catalog.add_argument("--dir", help=_DIR_HELP)
    catalog.add_argument("--output", help="write it here (default: stdout)")

    export = sub.add_parser("export", help="the catalog in another tool's format")
    export.add_argument("--format", required=True, choices=("litellm",), help="LiteLLM's cost map")
    export.add_argument("--dir", help=_DIR_HELP)
    export.add_argument("--output", help="write it here (default: stdout)")


def _model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("provider", help="the provider (its file name without .json)")
    parser.add_argument("model_id", help="the model's id, as in the dump")


def _complain(text: str) -> None:
    say(text, stream=sys.stderr)


def _catalog(args: argparse.Namespace, providers: list[str] | None = None):
    """The catalog of ``--dir``, else of the config file's output directory (its providers
    read with the config's list key and id field), else of ``models``."""
    from .catalog import read_catalog
    from .config_file import read_config
    from .providers import builtin_registry

    specs = None
    if args.dir is not None:
        directory = Path(args.dir)
    else:
        config = read_config(Path.cwd(), None)
        directory = Path(config.output_dir or inputs.DEFAULT_OUTPUT_DIR)
        specs = config.provider_specs(builtin_registry())
    catalog = read_catalog(directory, specs=specs, providers=providers, warn=_complain)
    return catalog, directory


def _count(text: str, flag: str) -> int:
    from .query import parse_tokens

    return parse_tokens(text, flag)


def cmd_models(args: argparse.Namespace) -> int:
    from .catalog import record_json
    from .query import Filters, matches, parse_price, render_csv, render_table, sorted_records

    filters = Filters(
        text=args.query,
        tools=args.tools,
        vision=args.vision,
        reasoning=args.reasoning,
        audio=args.audio,
        min_context=None if args.ctx is None else _count(args.ctx, "--ctx"),
        min_output=None if args.output is None else _count(args.output, "--output"),
        max_input_price=None
        if args.input_price is None
        else parse_price(args.input_price, "--input-price"),
        max_output_price=None
        if args.output_price is None
        else parse_price(args.output_price, "--output-price"),
    )
    catalog, directory = _catalog(args, args.providers or None)
    missing = [name for name in args.providers if name not in catalog.providers]
    if missing:
        shown = ", ".join(missing)
        have = ", ".join(catalog.files) or "none"
        raise DumpModelsError(f"{shown}: no dump in {directory} (there: {have})")
    kept = sorted_records(
        (r for r in catalog.records if matches(r, filters)), args.sort, reverse=args.reverse
    )
    if args.json:
        sys.stdout.write(json_items(record_json(record) for record in kept) + "\n")
    elif args.csv:
        say(render_csv(kept).rstrip("\n"))
    elif kept:
        say(render_table(kept))
    else:
        _complain(f"no model in {directory} passes these filters")
    return 0


def cmd_cost(args: argparse.Namespace) -> int:
    from .costs import Unknown, cost_json, cost_text, find_record, request_cost

    tokens = {
        name: _count(getattr(args, name), f"--{name}") for name in ("input", "output", "cached")
    }
    if tokens["cached"] > tokens["input"]:
        raise DumpModelsError("--cached counts prompt tokens read from the cache: at most --input")
    catalog, directory = _catalog(args, [args.provider])
    record = find_record(catalog, args.provider, args.model_id, str(directory))
    try:
        cost = request_cost(
            record,
            input_tokens=tokens["input"],
            output_tokens=tokens["output"],
            cached_tokens=tokens["cached"],
        )
    except Unknown as exc:
        where = f"{directory}/{args.provider}.json"
        _complain(f"dump-models: {args.provider} {args.model_id}: {exc} unknown in {where}")
        return 1
    if args.json:
        say(json_text(cost_json(record, cost)))
    else:
        say(cost_text(record, cost))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .costs import find_record, request_fit

    tokens = _count(args.tokens, "--tokens")
    output = None if args.output is None else _count(args.output, "--output")
    catalog, directory = _catalog(args, [args.provider])
    record = find_record(catalog, args.provider, args.model_id, str(directory))
    fit = request_fit(record, tokens=tokens, output=output)
    verdict = {True: "fits", False: "does not fit", None: "cannot tell: a limit is unknown"}[
        fit.fits
    ]
    say(
        "\n".join(
            [f"{record.provider} {record.id}: {verdict}", *(f"  {line}" for line in fit.lines)]
        )
    )
    return 0 if fit.fits else 1


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        write_if_changed(Path(output), text)
    except OSError as exc:
        raise DumpModelsError(f"{output}: cannot write: {exc.strerror or exc}") from None


def cmd_catalog(args: argparse.Namespace) -> int:
    from .catalog import catalog_text

    catalog, _ = _catalog(args)
    _write(catalog_text(catalog), args.output)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .litellm_export import litellm_text

    catalog, _ = _catalog(args)
    _write(litellm_text(catalog.records), args.output)
    return 0


def _bulk(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``command`` with the cycle collector off throughout (``catalog.no_collection``)."""

    def run(args: argparse.Namespace) -> int:
        from .catalog import no_collection

        with no_collection():
            return command(args)

    return run


CATALOG_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "models": _bulk(cmd_models),
    "cost": cmd_cost,
    "check": cmd_check,
    "catalog": _bulk(cmd_catalog),
    "export": _bulk(cmd_export),
}
