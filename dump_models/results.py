"""What a run or a ``diff`` found for each provider: ``ProviderReport`` and its ``Status``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from dump_models.records import ModelRecord

# changed / unchanged / new (no previous file): the listing was read; failed: why is in
# ``error``; skipped: no key; guarded: kept back by the removal guard.
Status = Literal["changed", "unchanged", "new", "failed", "skipped", "guarded"]
DriftKind = Literal["appeared", "disappeared", "type"]


@dataclass(frozen=True)
class SchemaDrift:
    """A field that appeared on, disappeared from, or changed its JSON type on ``models`` of
    the ``of`` models in both listings (``old_type``/``new_type`` for a type change)."""

    path: str
    kind: DriftKind
    models: int
    of: int
    old_type: str | None = None
    new_type: str | None = None


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
    # For the Markdown only (never in the JSON):
    names: dict[str, str] = field(default_factory=dict)  # id -> display name
    added_records: dict[str, ModelRecord] = field(default_factory=dict)  # without their raw
    drift: list[SchemaDrift] = field(default_factory=list)  # most common first
    # id -> {path: "old" or "new"}: the side that had no such key where the other had null
    # (both read null in ``changed``).
    absent: dict[str, dict[str, str]] = field(default_factory=dict)

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
