"""What a run or a ``diff`` found for each provider: ``ProviderReport`` and its ``Status``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# changed / unchanged / new (no previous file): the listing was read; failed: why is in
# ``error``; skipped: no key; guarded: kept back by the removal guard.
Status = Literal["changed", "unchanged", "new", "failed", "skipped", "guarded"]


@dataclass
class ProviderReport:
    """One provider's outcome in a run or a ``diff``: its status and its model changes."""

    name: str
    status: Status
    error: str | None = None  # why it failed, was skipped or guarded
    models_before: int | None = None
    models_after: int | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # id -> {field: {"old": .., "new": ..}}; normalized fields first, then raw paths sorted
    changed: dict[str, dict[str, dict]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # id -> display name, Markdown only

    def to_json(self) -> dict:
        """The per-provider object of the machine report (docs/report.md)."""
        return {
            "status": self.status,
            "error": self.error,
            "models_before": self.models_before,
            "models_after": self.models_after,
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": {model: dict(fields) for model, fields in self.changed.items()},
        }
