"""The seam between the core and the two engines (SQLite, PostgreSQL).

The core (``superspec.db.migrate``) plans and records; an engine adapter only connects, locks,
runs statements and reads or writes the history table. Adapters are imported lazily, so
psycopg is loaded only for PostgreSQL targets."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from superspec.db.changes import Script
from superspec.db.model import AppliedScript
from superspec.db.targets import PostgresTarget, SqliteTarget, Target


class Session(Protocol):
    """A connection to one database."""

    created: bool  # migrate created the database

    def transaction(self) -> AbstractContextManager[None]:
        """One transaction: committed when the block ends, rolled back if it raises. In a
        migrate session it holds the engine's write lock (SQLite: BEGIN IMMEDIATE)."""

    def read_history(self, create: bool) -> list[AppliedScript]:
        """The history rows; with ``create`` the table is created first if missing."""

    def is_empty(self) -> bool:
        """No tables or views besides the history table."""

    def run_script(self, script: Script) -> None:
        """Run the script's statements; a failure raises ``StatementError`` (file line)."""

    def record(self, row: AppliedScript) -> None:
        """Insert one history row."""


class Engine(Protocol):
    def session(self, target: Target, lock_timeout: float) -> AbstractContextManager[Session]:
        """Create the database if needed, connect, and hold the migration lock."""

    def reader(self, target: Target) -> AbstractContextManager[Session | None]:
        """Connect to read (never creates; None when the database does not exist)."""

    def exists(self, target: Target) -> bool: ...

    def copy(self, source: Target, destination: Target) -> None: ...

    def drop(self, target: Target) -> bool: ...


def engine_for(target: Target) -> Engine:
    """The adapter for ``target``, imported on first use."""
    if isinstance(target, SqliteTarget):
        from superspec.db.sqlite import SqliteEngine
        return SqliteEngine()
    if isinstance(target, PostgresTarget):
        from superspec.db.postgres import PostgresEngine
        return PostgresEngine()
    raise TypeError(f"not a database target: {target!r}")

