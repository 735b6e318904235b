"""The README's "Query the dumps" examples are what the commands print for the listings of
tests/catalog_listings.py: each ``$ dump-models ...`` line is run, its output compared."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from catalog_listings import write_dumps

from dump_models.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def examples() -> list[tuple[str, str]]:
    section = README.split("\n## Query the dumps\n", 1)[1].split("\n## ", 1)[0]
    found = []
    for block in re.findall(r"```\n(.*?)```", section, re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            found.append((command, output))
    return found


def test_the_readme_shows_real_output(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_dumps(tmp_path / "models")
    shown = examples()
    assert len(shown) >= 6
    for command, output in shown:
        argv = shlex.split(command)
        assert argv[0] == "dump-models"
        main(argv[1:])
        out, err = capsys.readouterr()
        assert out + err == output, command
