"""The one error type that is shown to the user."""

from __future__ import annotations

from typing import Protocol


class DumpModelsError(Exception):
    """An expected failure, shown as one line; ``exit_code`` 2 for usage/config, 1 otherwise."""

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class ErrorAt(Protocol):
    """A config reader's hook: the one-line error for the value at a key path (``risk``,
    ``price_factor``), naming where it is (the file and, when known, the line)."""

    def error(self, message: str, *keys: str) -> DumpModelsError: ...
