"""Every option of every sub-command is documented in the README (and every command is)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dump_models.cli import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_cli_option_is_in_the_readme():
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    missing = []
    for name, command in sub.choices.items():
        if f"dump-models {name}" not in README:
            missing.append(f"dump-models {name}")
        for action in command._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help" and flag not in README:
                    missing.append(f"{name} {flag}")
    assert missing == []
