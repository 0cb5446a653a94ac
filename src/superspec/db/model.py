"""The values the database runner reads and returns: history rows, status, migrate results."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

HISTORY_TABLE = "superspec_schema_history"


@dataclass(frozen=True)
class AppliedScript:
    """One row of ``superspec_schema_history``.

    ``installed_rank`` 1 is the baseline (``script`` is the baseline file's name); ``checksum``
    is the SHA-256 of the file's bytes (hex); ``installed_on`` is ISO 8601 in UTC."""

    installed_rank: int
    version: str
    description: str
    script: str
    checksum: str
    installed_on: str
    execution_ms: int
    success: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ScriptInfo:
    """A script file as status and errors report it."""

    version: str
    description: str
    script: str
    path: str
    checksum: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ChangedScript:
    """An applied script whose file no longer has the bytes that were applied."""

    version: str
    script: str
    path: str
    applied_checksum: str
    file_checksum: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Status:
    """Where a database stands against the baseline and the migrations directory.

    ``exists`` is False for a database not created yet (then ``pending`` starts with the
    baseline). ``pending`` is in the order migrate applies it; ``out_of_order`` is the part of
    it that migrate refuses unless allowed; ``changed`` and ``missing`` make migrate refuse;
    ``future`` (applied, newer than any local script) and ``below_baseline`` (local scripts the
    baseline already covers) are reported only."""

    database: str
    engine: str
    exists: bool
    baseline_version: str | None
    schema_version: str | None
    applied: tuple[AppliedScript, ...]
    pending: tuple[ScriptInfo, ...]
    out_of_order: tuple[ScriptInfo, ...]
    changed: tuple[ChangedScript, ...]
    missing: tuple[AppliedScript, ...]
    future: tuple[AppliedScript, ...]
    below_baseline: tuple[ScriptInfo, ...]

    @property
    def up_to_date(self) -> bool:
        return self.exists and not (self.pending or self.changed or self.missing)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"up_to_date": self.up_to_date}


@dataclass(frozen=True)
class MigrateResult:
    """What one migrate run did: ``applied`` holds the rows it wrote (the baseline included)."""

    database: str
    engine: str
    created: bool
    applied: tuple[AppliedScript, ...]
    schema_version: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
