"""The change log ``<output_dir>/changes.jsonl``: read for the commands that show it, and the
events one publish appends to it (docs/history.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from dump_models.errors import DumpModelsError
from dump_models.events import (
    LOG_NAME,
    Event,
    listing_events,
    log_with_events,
    parse_line,
    read_log,
)
from dump_models.history import Unreadable, read_listing
from dump_models.providers import ProviderSpec

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


# --- what publish appends (docs/history.md, "Writing it") ----------------------------------

# A provider's file as one update changes it: (provider, bytes at the base, bytes committed).
Version = tuple[str, bytes | None, bytes | None]


def update_events(
    versions: Iterable[Version],
    specs: Mapping[str, ProviderSpec],
    ts: str,
    warn: Callable[[str], None],
) -> list[Event]:
    """One update's events, in the log's order: each provider's listing at the base compared
    with the one committed, both read as ``history`` reads them (``history.read_listing``).

    A base file that is no readable listing counts as none (every model added, as the pull
    request's report says "new"); a committed file that is none gives no event (``warn``).
    """
    events: list[Event] = []
    for provider, old, new in sorted(versions, key=lambda version: version[0]):
        spec = specs.get(provider)
        before = None
        if old is not None:
            try:
                before = read_listing(spec, old, None)
            except Unreadable as exc:
                warn(f"{provider}.json at the base: not a readable listing ({exc}); its models "
                     "are logged as added")  # fmt: skip
        after = None
        if new is not None:
            try:
                after = read_listing(spec, new, before)
            except Unreadable as exc:
                warn(f"{provider}.json: not a readable listing ({exc}); no change logged")
                continue
        events += listing_events(provider, before, after, ts)
    return events


def earlier_time(
    base_log: bytes | None, branch_log: bytes | None, events: list[Event]
) -> str | None:
    """The time the update branch already logs these ``events`` at: when its log is the base's
    plus exactly these events at one time, a rebuild of the same update keeps that time (the
    branch does not move, the feeds' entry ids stay); else None."""
    if not events or not branch_log:
        return None
    last = parse_line(branch_log.rstrip(b"\n").rpartition(b"\n")[2])
    if last is None:
        return None
    again = log_with_events(base_log, [replace(event, ts=last.ts) for event in events])
    return last.ts if again == branch_log else None


def appended_events(old: bytes | None, new: bytes | None) -> int:
    """How many events the log committed (``new``) adds to the base's (``old``)."""
    if new is None:
        return 0
    start = len(old) if old and new.startswith(old) else 0
    return len(read_log(new[start:])[0])
