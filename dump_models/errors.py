"""The one error type that is shown to the user."""

from __future__ import annotations


class DumpModelsError(Exception):
    """An expected failure, shown as one line; ``exit_code`` 2 for usage/config, 1 otherwise."""

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
