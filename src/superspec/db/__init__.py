"""Environment databases: a baseline plus ordered change scripts, with Flyway's semantics.

The public API (see docs/database.md)::

    changes = load_changes(Path("db/baseline.sql"), "1", Path("db/migrations"))
    target = SqliteTarget(Path("env/test.db"))            # or
    target = PostgresTarget("postgresql://admin@127.0.0.1:5432/postgres", "payments_test",
                            password=secret)
    migrate(target, changes)          # -> MigrateResult
    status(target, changes)           # -> Status
    copy_database(target, other)      # env split
    drop_database(target)             # env destroy
"""

from __future__ import annotations

from superspec.db.changes import ChangeSet, Script, load_changes
from superspec.db.errors import DatabaseError, ScriptsRefused
from superspec.db.migrate import (
    DEFAULT_LOCK_TIMEOUT,
    copy_database,
    database_exists,
    drop_database,
    migrate,
    status,
)
from superspec.db.model import (
    HISTORY_TABLE,
    AppliedScript,
    ChangedScript,
    MigrateResult,
    ScriptInfo,
    Status,
)
from superspec.db.targets import PostgresTarget, SqliteTarget, Target

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "HISTORY_TABLE",
    "AppliedScript",
    "ChangeSet",
    "ChangedScript",
    "DatabaseError",
    "MigrateResult",
    "PostgresTarget",
    "Script",
    "ScriptInfo",
    "ScriptsRefused",
    "SqliteTarget",
    "Status",
    "Target",
    "copy_database",
    "database_exists",
    "drop_database",
    "load_changes",
    "migrate",
    "status",
]
