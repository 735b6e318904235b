"""``python -m dump_models``: the ``dump-models`` command line."""

from .cli import console

console()
