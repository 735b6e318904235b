"""Where a path given by the user really leads: inside the workspace, outside ``.git``
(README "The CLI", Paths)."""

from __future__ import annotations

from pathlib import Path

from . import canonical


def workspace_path(value: str, workspace: Path, *, directory: bool) -> tuple[Path, str | None]:
    """Where ``value`` (relative to the workspace, or absolute) really leads, as the workspace
    joined with a relative path, and the reason it may not be written to (None when it may).

    Symlinks are followed to find where it leads, which must be inside the workspace and
    outside any ``.git``. A directory must not be the workspace itself (everything would be
    the tool's to commit); a file that exists must be a regular file, not a symlink.
    """
    given = workspace / value
    if not directory:
        kind = canonical.non_regular(given)
        if kind is not None:
            return given, f"is {kind}, not a regular file; it is never replaced"
    root = workspace.resolve()
    try:
        target = given.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        return given, f"cannot be resolved ({exc})"
    try:
        inside = target.relative_to(root)
    except ValueError:
        return given, f"leads outside the workspace {root} (to {target})"
    if any(part.casefold() == ".git" for part in inside.parts):
        return given, f"leads into .git ({target})"
    if directory and not inside.parts:
        return given, "is the workspace itself; use a subdirectory such as models"
    if directory and target.exists() and not target.is_dir():
        return given, f"is {canonical.non_regular(target) or 'a file'}, not a directory"
    return workspace / inside, None
