"""The files the plan makes from the base: the change log, its merge rule and the feeds.

docs/history.md, "Writing it": the log committed is the base's log plus the events of the
dumps being published, compared file by file with the base; so it is made again on every plan
(a rebuilt update branch never repeats a line) and only from the dumps given (a branch per
provider logs only that provider's events). The working tree's copies are never taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from ..changelog import Version, earlier_time, update_events
from ..events import (
    LOG_NAME,
    Event,
    event_line,
    log_with_events,
    read_log,
    union_merge_rule,
    with_union_merge_rule,
)
from ..feeds import feed_files
from ..git import Entry
from ..providers import builtin_registry
from ..report_text import plural
from .checkout import Checkout
from .ownership import shown

GITATTRIBUTES = ".gitattributes"  # at the top of the checkout
REGULAR = ("100644", "100755")
DIRECTORY = "040000"
KINDS = {"120000": "a symlink", "160000": "a submodule", DIRECTORY: "a directory"}
SHOWN_EVENTS = 50  # a dry run prints at most this many of the events it would append


@dataclass(frozen=True)
class Derived:
    """What the plan lays over the base besides the dumps: ``entries`` (paths from the top)
    and, for the output directory's files among them, ``files``: path relative to the output
    directory -> (content at the base or None, content committed)."""

    entries: tuple[Entry, ...] = ()
    files: Mapping[str, tuple[bytes | None, bytes]] = field(default_factory=dict)


def derived_files(
    checkout: Checkout, base_tree: str, branch_sha: str | None, versions: Sequence[Version]
) -> Derived:
    """The log (and its rule, and the feeds when asked) for the dumps' ``versions``.

    ``branch_sha``: the update branch's tip, whose events keep their time when they are the
    same (:func:`~dump_models.changelog.earlier_time`).
    """
    git, out = checkout.git, checkout.out
    log_path = f"{out}/{LOG_NAME}"
    tree = git.tree_entries(base_tree, (out, GITATTRIBUTES))
    blocked = _in_the_way(tree, log_path)
    if blocked:
        checkout.warn(
            f"{shown(log_path)} is {blocked} at {checkout.base}, not a regular file: no change "
            "logged (fix: make it a file, or remove it, on the base)"
        )
        return Derived()
    base_log = git.blob(base_tree, log_path) if log_path in tree else None
    specs = {**builtin_registry(), **checkout.options.specs}
    events = update_events(versions, specs, checkout.ts, checkout.warn)
    if events and branch_sha:
        earlier = earlier_time(base_log, git.blob(branch_sha, log_path), events)
        if earlier is not None:
            events = [replace(event, ts=earlier) for event in events]
    log = log_with_events(base_log, events)
    files: dict[str, bytes] = {}
    if events:
        assert log is not None
        files[log_path] = log
        _say_events(checkout, log_path, events)
        if base_log is None:  # the first log: git is told to merge it by keeping both sides
            rule = _with_merge_rule(checkout, tree, base_tree)
            if rule is not None:
                files[GITATTRIBUTES] = rule
    if checkout.options.feeds and log is not None:
        files.update(_feeds(checkout, tree, log))
    return _laid(checkout, tree, base_tree, files)


def _in_the_way(tree: Mapping[str, Entry], path: str) -> str | None:
    """What is at ``path`` (or at one of its directories) in the base that is not a regular
    file (a directory where a file goes), e.g. ``a symlink``; None when it can be written."""
    parts = path.split("/")
    for depth in range(1, len(parts)):
        entry = tree.get("/".join(parts[:depth]))
        if entry is not None and entry.mode != DIRECTORY:
            return KINDS.get(entry.mode, "a file") + " in the way"
    entry = tree.get(path)
    if entry is None or entry.mode in REGULAR:
        return None
    return KINDS.get(entry.mode, f"of mode {entry.mode}")


def _say_events(checkout: Checkout, path: str, events: Sequence[Event]) -> None:
    count, where = len(events), shown(path)
    if not checkout.dry:
        checkout.say(f"logging {plural(count, 'change event')} in {where} at {events[0].ts}")
        return
    checkout.say(f"would append {plural(count, 'change event')} to {where}:")
    for event in events[:SHOWN_EVENTS]:
        checkout.say(event_line(event).rstrip("\n"))
    if count > SHOWN_EVENTS:
        checkout.say(f"... and {count - SHOWN_EVENTS} more")


def _with_merge_rule(checkout: Checkout, tree: Mapping[str, Entry], base_tree: str) -> bytes | None:
    """The base's ``.gitattributes`` with the log's ``merge=union`` rule added at its end (its
    lines kept as they are), or None when it has the rule or is no file to edit."""
    rule = union_merge_rule(checkout.out)
    blocked = _in_the_way(tree, GITATTRIBUTES)
    if blocked:
        checkout.warn(
            f"{GITATTRIBUTES} is {blocked} at {checkout.base}: `{rule}` not added, so merging "
            "two update branches will stop on a conflict in the log (fix: add the line yourself)"
        )
        return None
    current = checkout.git.blob(base_tree, GITATTRIBUTES) if GITATTRIBUTES in tree else None
    content = with_union_merge_rule(current, checkout.out)
    if content == current:
        return None
    doing = "would add" if checkout.dry else "adding"
    checkout.say(
        f"{doing} `{rule}` to {GITATTRIBUTES}, so that merging two update branches keeps both "
        "logs' lines (the file's other lines are kept as they are)"
    )
    return content


def _feeds(checkout: Checkout, tree: Mapping[str, Entry], log: bytes) -> dict[str, bytes]:
    """The feeds rebuilt from the log committed (``feeds: true``), by path from the top."""
    events, _ = read_log(log)
    files, refused = {}, []
    for name, content in feed_files(events, checkout.providers).items():
        path = f"{checkout.out}/{name}"
        if _in_the_way(tree, path):
            refused.append(shown(name))
        else:
            files[path] = content
    if refused:
        checkout.warn(
            f"feeds not written, something else is at their place in {shown(checkout.out)}/ at "
            f"{checkout.base}: {', '.join(refused)}"
        )
    return files


def _laid(
    checkout: Checkout, tree: Mapping[str, Entry], base_tree: str, files: Mapping[str, bytes]
) -> Derived:
    """The blobs of ``files`` written, as entries (a file's mode kept), and the changed ones
    of the output directory with their base content."""
    git, prefix = checkout.git, checkout.out + "/"
    paths = list(files)
    shas = git.write_blobs([files[path] for path in paths])
    entries, changed = [], {}
    for path, sha in zip(paths, shas, strict=True):
        before = tree.get(path)
        entries.append(Entry(before.mode if before else REGULAR[0], sha, path))
        if path.startswith(prefix) and (before is None or before.sha != sha):
            old = git.blob(base_tree, path) if before else None
            changed[path.removeprefix(prefix)] = (old, files[path])
    return Derived(tuple(entries), changed)
