"""The PostgreSQL adapter (psycopg 3): the only module of superspec that imports psycopg.

Every name reaches SQL through ``psycopg.sql.Identifier`` and every value as a query parameter.
The password is passed to libpq on its own, never in a URL, and is scrubbed from every message.
Locking: a session-level ``pg_advisory_lock`` on a key derived from the database name, held for
the whole migrate run; each script runs in its own transaction."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

import psycopg
from psycopg import errors, sql

from superspec.db.changes import Script
from superspec.db.errors import DatabaseError, StatementError
from superspec.db.model import HISTORY_TABLE, AppliedScript
from superspec.db.statements import check_transaction_control, split_postgres
from superspec.db.targets import PostgresTarget, Target

APPLICATION_NAME = "superspec"
CONNECT_TIMEOUT = 10
_HISTORY = sql.Identifier(HISTORY_TABLE)
_CREATE_HISTORY = sql.SQL("""CREATE TABLE IF NOT EXISTS {} (
    installed_rank integer PRIMARY KEY,
    version text NOT NULL UNIQUE,
    description text NOT NULL,
    script text NOT NULL,
    checksum text NOT NULL,
    installed_on timestamptz NOT NULL,
    execution_ms integer NOT NULL,
    success boolean NOT NULL
)""").format(_HISTORY)
_COLUMNS = sql.SQL("installed_rank, version, description, script, checksum, installed_on, "
                   "execution_ms, success")


def _postgres(target: Target) -> PostgresTarget:
    if not isinstance(target, PostgresTarget):
        raise TypeError(f"not a PostgreSQL target: {target!r}")
    return target


def lock_key(database: str) -> int:
    """The advisory lock key of ``database``: 64 bits of a SHA-256, as a signed bigint."""
    digest = hashlib.sha256(f"superspec-migrate:{database}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def scrub(message: str, target: PostgresTarget) -> str:
    """One line, the password replaced by ``***`` wherever it appears."""
    text = re.sub(r"\s*\n\s*", "; ", message.strip())
    if target.password:
        text = text.replace(target.password, "***")
    return text


def _message(exc: psycopg.Error, target: PostgresTarget) -> str:
    diag = exc.diag
    text = diag.message_primary or str(exc)
    if diag.message_detail:
        text += f" ({diag.message_detail})"
    return scrub(text, target)


def connect(target: PostgresTarget, database: str | None = None) -> psycopg.Connection[Any]:
    """An autocommit connection to ``database`` (default: the URL's maintenance database)."""
    options: dict[str, Any] = {"autocommit": True, "application_name": APPLICATION_NAME,
                               "connect_timeout": CONNECT_TIMEOUT}
    if database is not None:
        options["dbname"] = database
    if target.password is not None:
        options["password"] = target.password
    where = target.describe() if database else f"server {target.server}"
    try:
        return psycopg.connect(target.url, **options)
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot connect to {where}: {scrub(str(exc), target)}") from None


def _exists(server: psycopg.Connection[Any], name: str) -> bool:
    row = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


class PostgresSession:
    def __init__(self, connection: psycopg.Connection[Any], target: PostgresTarget,
                 created: bool) -> None:
        self.connection = connection
        self.target = target
        self.created = created

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.connection.transaction():
            yield

    def read_history(self, create: bool) -> list[AppliedScript]:
        try:
            if create:
                self.connection.execute(_CREATE_HISTORY)
            else:
                found = self.connection.execute("SELECT to_regclass(%s)",
                                                (HISTORY_TABLE,)).fetchone()
                if found is None or found[0] is None:
                    return []
            rows = self.connection.execute(sql.SQL("SELECT {} FROM {} ORDER BY installed_rank")
                                           .format(_COLUMNS, _HISTORY)).fetchall()
        except psycopg.Error as exc:
            raise DatabaseError(f"{self.target.describe()}: cannot read {HISTORY_TABLE}: "
                                f"{_message(exc, self.target)}") from None
        return [AppliedScript(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]),
                              _timestamp(r[5]), int(r[6]), bool(r[7])) for r in rows]

    def is_empty(self) -> bool:
        row = self.connection.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relname <> %s "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp\\_%%'",
            (HISTORY_TABLE,)).fetchone()
        return row is not None and int(row[0]) == 0

    def run_script(self, script: Script) -> None:
        statements = split_postgres(script.text)
        check_transaction_control(statements)
        with self.connection.cursor() as cursor:
            for statement in statements:
                try:
                    cursor.execute(statement.text)
                except psycopg.Error as exc:
                    position = exc.diag.statement_position
                    line = statement.line_at(int(position)) if position else statement.line
                    raise StatementError(line, _message(exc, self.target)) from None
                status = self.connection.info.transaction_status
                if status != psycopg.pq.TransactionStatus.INTRANS:
                    raise StatementError(statement.line, "the statement ended the transaction")

    def record(self, row: AppliedScript) -> None:
        self.connection.execute(
            sql.SQL("INSERT INTO {} ({}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)")
            .format(_HISTORY, _COLUMNS),
            (row.installed_rank, row.version, row.description, row.script, row.checksum,
             datetime.fromisoformat(row.installed_on.replace("Z", "+00:00")),
             row.execution_ms, row.success))


def _timestamp(value: object) -> str:
    if isinstance(value, datetime):
        utc = value.astimezone(timezone.utc)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return str(value)


def _holders(connection: psycopg.Connection[Any], key: int) -> str:
    """Who holds the advisory lock ``key`` in this database (for the timeout message)."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    rows = connection.execute(
        "SELECT a.pid, a.application_name, host(a.client_addr) FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.objsubid = 1",
        (unsigned >> 32, unsigned & 0xFFFFFFFF)).fetchall()
    return "; ".join(_describe_backend(row) for row in rows) or "a session that has ended"


def _describe_backend(row: tuple[Any, ...]) -> str:
    pid, application, address = row
    return (f"pid {pid} (application {application or 'unnamed'!r}, "
            f"{'client ' + str(address) if address else 'local socket'})")


class PostgresEngine:
    @contextmanager
    def session(self, target: Target, lock_timeout: float) -> Iterator[PostgresSession]:
        target = _postgres(target)
        created = self._create(target)
        connection = connect(target, target.database)
        key = lock_key(target.database)
        try:
            try:
                connection.execute(sql.SQL("SET lock_timeout = {}").format(
                    sql.Literal(f"{max(int(lock_timeout * 1000), 1)}ms")))
                connection.execute("SELECT pg_advisory_lock(%s)", (key,))
                connection.execute("RESET lock_timeout")
            except errors.LockNotAvailable:
                raise DatabaseError(
                    f"{target.describe()}: another migration holds the lock for more than "
                    f"{lock_timeout:g} s: {_holders(connection, key)}") from None
            except psycopg.Error as exc:
                raise DatabaseError(f"{target.describe()}: cannot take the migration lock: "
                                    f"{_message(exc, target)}") from None
            yield PostgresSession(connection, target, created)
        finally:
            connection.close()  # ends the session, which releases the advisory lock

    def _create(self, target: PostgresTarget) -> bool:
        with connect(target) as server:
            if _exists(server, target.database):
                return False
            try:
                server.execute(sql.SQL("CREATE DATABASE {}").format(
                    sql.Identifier(target.database)))
            except psycopg.Error as exc:
                if _exists(server, target.database):
                    return False  # another migrator created it first
                raise DatabaseError(f"cannot create {target.describe()}: "
                                    f"{_message(exc, target)}") from None
            return True

    @contextmanager
    def reader(self, target: Target) -> Iterator[PostgresSession | None]:
        target = _postgres(target)
        if not self.exists(target):
            yield None
            return
        with connect(target, target.database) as connection:
            yield PostgresSession(connection, target, False)

    def exists(self, target: Target) -> bool:
        target = _postgres(target)
        with connect(target) as server:
            return _exists(server, target.database)

    def copy(self, source: Target, destination: Target) -> None:
        """``CREATE DATABASE destination TEMPLATE source``; refused (naming the sessions) while
        anyone is connected to the source."""
        source, destination = _postgres(source), _postgres(destination)
        if source.server != destination.server:
            raise DatabaseError(f"cannot copy {source.describe()} to {destination.describe()}: "
                                f"a copy must stay on the same server")
        with connect(source) as server:
            if not _exists(server, source.database):
                raise DatabaseError(f"cannot copy {source.describe()}: no such database")
            try:
                server.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(destination.database), sql.Identifier(source.database)))
            except errors.DuplicateDatabase:
                raise DatabaseError(f"cannot copy {source.describe()} to "
                                    f"{destination.describe()}: it already exists") from None
            except errors.ObjectInUse:
                raise DatabaseError(self._in_use(server, source, destination)) from None
            except psycopg.Error as exc:
                raise DatabaseError(f"cannot copy {source.describe()} to "
                                    f"{destination.describe()}: {_message(exc, source)}"
                                    ) from None

    @staticmethod
    def _in_use(server: psycopg.Connection[Any], source: PostgresTarget,
                destination: PostgresTarget) -> str:
        rows = server.execute(
            "SELECT pid, application_name, host(client_addr) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() ORDER BY pid",
            (source.database,)).fetchall()
        sessions = "; ".join(_describe_backend(row) for row in rows)
        return (f"cannot copy {source.describe()} to {destination.describe()}: a template "
                f"database must have no open connections, and it has {len(rows)}: "
                f"{sessions or '(closed since; retry)'}; close them and retry")

    def drop(self, target: Target) -> bool:
        """``DROP DATABASE ... WITH (FORCE)`` (sessions are terminated); False if absent."""
        target = _postgres(target)
        with connect(target) as server:
            if not _exists(server, target.database):
                return False
            force = sql.SQL(" WITH (FORCE)") if server.info.server_version >= 130000 \
                else sql.SQL("")
            try:
                server.execute(sql.SQL("DROP DATABASE IF EXISTS {}{}").format(
                    sql.Identifier(target.database), force))
            except psycopg.Error as exc:
                raise DatabaseError(f"cannot drop {target.describe()}: "
                                    f"{_message(exc, target)}") from None
            return True
