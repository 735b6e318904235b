"""Every option of every sub-command is documented in the README (and every command is);
``python -m dump_models`` is the command line."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
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


def test_python_m_dump_models_is_the_cli(tmp_path):
    """``python -m dump_models`` runs the same command line as ``dump-models``."""
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "dump_models", "run", "--fail-on", "sometimes"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("dump-models run: error: argument --fail-on: invalid choice")
