"""Reading ``<output_dir>/changes.jsonl``, the change log, for the commands that show it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dump_models.errors import DumpModelsError
from dump_models.events import LOG_NAME, Event, read_log

_SHOWN_LINES = 5  # line numbers named in the warning about junk lines


def load_log(directory: Path, warn: Callable[[str], None]) -> list[Event]:
    """The events of ``directory``'s log in file order; lines that are no event are skipped
    with one ``warn`` line. No log is one clear error (exit 2)."""
    path = Path(directory) / LOG_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DumpModelsError(
            f"{path}: no such file; publish writes it with the dumps, or rebuild it from the "
            f"git history: dump-models history --dir {directory} --output {path}"
        ) from None
    except OSError as exc:
        raise DumpModelsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    events, junk = read_log(data)
    if len(junk) == 1:
        warn(f"{path}: line {junk[0]} is not an event; skipped")
    elif junk:
        shown = ", ".join(map(str, junk[:_SHOWN_LINES])) + (", ..." if len(junk) > 5 else "")
        warn(f"{path}: {len(junk)} lines are not events (lines {shown}); skipped")
    return events
