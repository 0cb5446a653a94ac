"""Fixtures for the database runner: change scripts in a temp dir, SQLite files, and a real
PostgreSQL 15 server started once per session (only by tests that ask for it)."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from superspec.db import ChangeSet, PostgresTarget, SqliteTarget, Target, load_changes
from tests.db import pgserver

BASELINE = """\
-- baseline: schema and reference data at version 1
CREATE TABLE currency (code CHAR(3) PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO currency VALUES ('EUR', 'Euro');
INSERT INTO currency VALUES ('USD', 'US dollar');
"""
V2 = """\
CREATE TABLE account (
    id INTEGER PRIMARY KEY,
    currency CHAR(3) NOT NULL REFERENCES currency (code)
);
"""
V2_1 = "INSERT INTO currency VALUES ('CHF', 'Swiss franc');\n"
V10 = "ALTER TABLE account ADD COLUMN owner TEXT;\n"

_names = itertools.count(1)


class Project:
    """A project directory (the working directory of the test) with db/baseline.sql and
    db/migrations/."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.baseline = root / "db" / "baseline.sql"
        self.migrations = root / "db" / "migrations"
        self.migrations.mkdir(parents=True)
        self.baseline.write_text(BASELINE)

    def script(self, name: str, text: str) -> Path:
        path = self.migrations / name
        path.write_text(textwrap.dedent(text))
        return path

    def changes(self, baseline_version: str = "1") -> ChangeSet:
        return load_changes(self.baseline, baseline_version, self.migrations)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """Paths in messages are relative to the working directory: the tests assert them whole."""
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)


@pytest.fixture(scope="session")
def pg() -> Iterator[pgserver.PgServer]:
    """A PostgreSQL 15 server for the session (stopped by PID at the end)."""
    try:
        server = pgserver.start()
    except pgserver.PostgresMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def new_pg_target(server: pgserver.PgServer, password: str | None = None) -> PostgresTarget:
    return PostgresTarget(server.url, f"superspec-test-{next(_names)}",
                          password=server.password if password is None else password)


TargetFactory = Callable[[], Target]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def new_target(request: pytest.FixtureRequest, tmp_path: Path) -> TargetFactory:
    """Makes fresh targets of one engine: an SQLite file, or a new database name on the server."""
    if request.param == "sqlite":
        counter = itertools.count(1)
        return lambda: SqliteTarget(tmp_path / "dbs" / f"env{next(counter)}.db")
    server = request.getfixturevalue("pg")
    return lambda: new_pg_target(server)


def query(target: Target, statement: str) -> list[tuple[object, ...]]:
    """Rows of ``statement`` run on ``target`` by a connection of the test's own."""
    if isinstance(target, SqliteTarget):
        import sqlite3
        with closing(sqlite3.connect(target.path)) as connection:
            return [tuple(r) for r in connection.execute(statement).fetchall()]
    import psycopg
    with psycopg.connect(target.url, dbname=target.database, password=target.password,
                         autocommit=True) as connection:
        cursor = connection.execute(statement.encode())
        return [tuple(r) for r in cursor.fetchall()] if cursor.description else []


def tables(target: Target) -> list[str]:
    if isinstance(target, SqliteTarget):
        rows = query(target, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
    else:
        rows = query(target, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                             "ORDER BY 1")
    return [str(r[0]) for r in rows]
