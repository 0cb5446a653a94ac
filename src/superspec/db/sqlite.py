"""The SQLite adapter (stdlib sqlite3).

Locking: every script runs in a ``BEGIN IMMEDIATE`` transaction, which takes SQLite's write
lock; a second migrator waits for it (the busy timeout) and re-reads the history under the
lock, so no script is ever applied twice. Copies use sqlite3's online backup API."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from superspec.db.changes import Script
from superspec.db.errors import DatabaseError, StatementError
from superspec.db.model import HISTORY_TABLE, AppliedScript
from superspec.db.statements import check_transaction_control, split_sqlite
from superspec.db.targets import SqliteTarget, Target

_CREATE_HISTORY = f"""CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (
    installed_rank INTEGER PRIMARY KEY,
    version TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    script TEXT NOT NULL,
    checksum TEXT NOT NULL,
    installed_on TEXT NOT NULL,
    execution_ms INTEGER NOT NULL,
    success INTEGER NOT NULL
)"""
_COLUMNS = ("installed_rank, version, description, script, checksum, installed_on, "
            "execution_ms, success")
_SIDE_FILES = ("-wal", "-shm", "-journal")


def _sqlite(target: Target) -> SqliteTarget:
    if not isinstance(target, SqliteTarget):
        raise TypeError(f"not an SQLite target: {target!r}")
    return target


def _read_only(path: Path, timeout: float) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout,
                           isolation_level=None)


class SqliteSession:
    def __init__(self, connection: sqlite3.Connection, target: SqliteTarget, created: bool,
                 lock_timeout: float) -> None:
        self.connection = connection
        self.target = target
        self.created = created
        self.lock_timeout = lock_timeout

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            self.connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._error("cannot take the write lock", exc) from None
        try:
            yield
        except BaseException:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise
        try:
            self.connection.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise self._error("cannot commit", exc) from None

    def _error(self, what: str, exc: sqlite3.Error) -> DatabaseError:
        detail = str(exc)
        if "locked" in detail or "busy" in detail:
            detail += (f" (another process held the lock for more than {self.lock_timeout:g} "
                       f"s)")
        return DatabaseError(f"{self.target.describe()}: {what}: {detail}")

    def read_history(self, create: bool) -> list[AppliedScript]:
        try:
            if create:
                self.connection.execute(_CREATE_HISTORY)
            elif not self._has_history():
                return []
            rows = self.connection.execute(
                f"SELECT {_COLUMNS} FROM {HISTORY_TABLE} ORDER BY installed_rank").fetchall()
        except sqlite3.Error as exc:
            raise self._error(f"cannot read {HISTORY_TABLE}", exc) from None
        return [AppliedScript(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]),
                              int(r[6]), bool(r[7])) for r in rows]

    def _has_history(self) -> bool:
        found = self.connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            (HISTORY_TABLE,)).fetchone()
        return found is not None

    def is_empty(self) -> bool:
        count = self.connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name NOT LIKE 'sqlite_%' AND name != ?", (HISTORY_TABLE,)).fetchone()[0]
        return int(count) == 0

    def run_script(self, script: Script) -> None:
        statements = split_sqlite(script.text)
        check_transaction_control(statements)
        for statement in statements:
            try:
                self.connection.execute(statement.text).close()
            except sqlite3.Error as exc:
                raise StatementError(statement.line, str(exc)) from None
            if not self.connection.in_transaction:
                raise StatementError(statement.line, "the statement ended the transaction")

    def record(self, row: AppliedScript) -> None:
        self.connection.execute(
            f"INSERT INTO {HISTORY_TABLE} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row.installed_rank, row.version, row.description, row.script, row.checksum,
             row.installed_on, row.execution_ms, int(row.success)))


class SqliteEngine:
    @contextmanager
    def session(self, target: Target, lock_timeout: float) -> Iterator[SqliteSession]:
        target = _sqlite(target)
        created = not target.path.exists()
        try:
            target.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(target.path, timeout=lock_timeout,
                                         isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"{target.describe()}: cannot open: {exc}") from None
        with closing(connection):
            yield SqliteSession(connection, target, created, lock_timeout)

    @contextmanager
    def reader(self, target: Target) -> Iterator[SqliteSession | None]:
        target = _sqlite(target)
        if not target.path.is_file():
            yield None
            return
        try:
            connection = _read_only(target.path, timeout=30.0)
        except sqlite3.Error as exc:
            raise DatabaseError(f"{target.describe()}: cannot open: {exc}") from None
        with closing(connection):
            yield SqliteSession(connection, target, False, 30.0)

    def exists(self, target: Target) -> bool:
        return _sqlite(target).path.is_file()

    def copy(self, source: Target, destination: Target) -> None:
        """An online-consistent copy (the backup API) into a new file; never overwrites."""
        source, destination = _sqlite(source), _sqlite(destination)
        if not source.path.is_file():
            raise DatabaseError(f"cannot copy {source.describe()}: no such database file")
        if destination.path.exists():
            raise DatabaseError(f"cannot copy {source.describe()} to {destination.describe()}: "
                                f"the destination already exists")
        destination.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=destination.path.parent,
                                    prefix=f".{destination.path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            with closing(_read_only(source.path, timeout=60.0)) as src, \
                    closing(sqlite3.connect(temp)) as dst:
                src.backup(dst)
            os.link(temp, destination.path)  # fails rather than replace a file made meanwhile
        except FileExistsError:
            raise DatabaseError(f"cannot copy {source.describe()} to {destination.describe()}: "
                                f"the destination already exists") from None
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"cannot copy {source.describe()} to "
                                f"{destination.describe()}: {exc}") from None
        finally:
            Path(temp).unlink(missing_ok=True)

    def drop(self, target: Target) -> bool:
        """Remove the file and its journal files; False when there was none."""
        target = _sqlite(target)
        existed = target.path.is_file()
        for path in (target.path, *(Path(f"{target.path}{s}") for s in _SIDE_FILES)):
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                raise DatabaseError(f"cannot drop {target.describe()}: {exc}") from None
        return existed
