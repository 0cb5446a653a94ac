"""copy (for env split) and drop (for env destroy), on SQLite files and PostgreSQL databases."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from superspec.db import (
    DatabaseError,
    PostgresTarget,
    SqliteTarget,
    copy_database,
    database_exists,
    drop_database,
    migrate,
    status,
)
from superspec.errors import InputError
from tests.db.conftest import V2, Project, TargetFactory, new_pg_target, query
from tests.db.pgserver import PgServer


def test_copy_then_drop(project: Project, new_target: TargetFactory) -> None:
    project.script("V2__account.sql", V2)
    source, copy = new_target(), new_target()
    migrate(source, project.changes())
    copy_database(source, copy)
    assert status(copy, project.changes()).up_to_date
    assert query(copy, "SELECT count(*) FROM currency") == [(2,)]
    # the copy is independent of its source
    migrate(copy, project.changes())
    query(copy, "INSERT INTO currency VALUES ('JPY', 'Yen')")
    assert query(source, "SELECT count(*) FROM currency") == [(2,)]

    with pytest.raises(DatabaseError) as info:
        copy_database(source, copy)
    assert str(info.value).startswith(f"cannot copy {source.describe()} to {copy.describe()}: ")
    assert str(info.value).endswith("already exists")

    assert drop_database(copy) is True
    assert not database_exists(copy)
    assert drop_database(copy) is False
    assert database_exists(source)


def test_copying_a_missing_database(new_target: TargetFactory) -> None:
    source, copy = new_target(), new_target()
    with pytest.raises(DatabaseError) as info:
        copy_database(source, copy)
    reason = ("no such database file" if isinstance(source, SqliteTarget)
              else "no such database")
    assert str(info.value) == f"cannot copy {source.describe()}: {reason}"


def test_sqlite_copy_is_consistent_while_a_writer_is_busy(project: Project,
                                                          tmp_path: Path) -> None:
    dbs = tmp_path / "dbs"
    source, copy = SqliteTarget(dbs / "a.db"), SqliteTarget(dbs / "b.db")
    migrate(source, project.changes())
    with closing(sqlite3.connect(source.path, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO currency VALUES ('XXX', 'uncommitted')")
        copy_database(source, copy)
        writer.execute("ROLLBACK")
    assert query(copy, "SELECT code FROM currency ORDER BY code") == [("EUR",), ("USD",)]
    assert sorted(p.name for p in dbs.iterdir()) == ["a.db", "b.db"]  # no temp file left


def test_sqlite_drop_removes_journal_files(project: Project, tmp_path: Path) -> None:
    target = SqliteTarget(tmp_path / "dbs" / "wal.db")
    migrate(target, project.changes())
    with closing(sqlite3.connect(target.path)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("INSERT INTO currency VALUES ('JPY', 'Yen')")
        connection.commit()
        assert Path(f"{target.path}-wal").exists()
        assert drop_database(target) is True
    assert list((tmp_path / "dbs").iterdir()) == []


def test_engines_do_not_mix(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        copy_database(SqliteTarget(tmp_path / "a.db"),
                      PostgresTarget("postgresql://u@127.0.0.1/postgres", "b"))
    assert str(info.value) == "cannot copy a sqlite database to a postgres one"


@pytest.mark.slow
def test_postgres_copy_is_refused_while_the_template_has_connections(
        project: Project, pg: PgServer) -> None:
    source, copy = new_pg_target(pg), new_pg_target(pg)
    migrate(source, project.changes())
    with psycopg.connect(source.url, dbname=source.database, password=source.password,
                         application_name="payments-api") as app:
        pid = app.info.backend_pid
        with pytest.raises(DatabaseError) as info:
            copy_database(source, copy)
    assert str(info.value) == (
        f"cannot copy {source.describe()} to {copy.describe()}: a template database must have "
        f"no open connections, and it has 1: pid {pid} (application 'payments-api', client "
        f"127.0.0.1); close them and retry")
    assert not database_exists(copy)
    copy_database(source, copy)  # the connection is closed now
    assert status(copy, project.changes()).up_to_date


@pytest.mark.slow
def test_postgres_drop_ends_open_sessions(project: Project, pg: PgServer) -> None:
    target = new_pg_target(pg)
    migrate(target, project.changes())
    with psycopg.connect(target.url, dbname=target.database, password=target.password,
                         autocommit=True) as app:
        assert drop_database(target) is True
        with pytest.raises(psycopg.OperationalError):
            app.execute("SELECT 1")
    assert not database_exists(target)
