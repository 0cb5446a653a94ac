"""Two migrators at once, as two real processes: one waits, both finish, every script is
applied exactly once. And a lock that is not freed in time is an error naming its holder."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from superspec.db import DatabaseError, SqliteTarget, Target, migrate
from superspec.db.postgres import lock_key
from tests.db.conftest import V2_1, V10, Project, TargetFactory, query
from tests.db.pgserver import PgServer

ROOT = Path(__file__).resolve().parents[2]
SLOW_SQLITE = """\
CREATE TABLE slow AS
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1500000)
  SELECT count(*) AS n FROM c;
"""
SLOW_POSTGRES = "CREATE TABLE slow AS SELECT 1 AS n FROM pg_sleep(1.5);\n"


def _job(target: Target, project: Project, name: str) -> dict[str, str]:
    job = {"baseline": str(project.baseline), "migrations": str(project.migrations),
           "ready": str(project.root / f"ready-{name}"), "go": str(project.root / "go")}
    if isinstance(target, SqliteTarget):
        return job | {"engine": "sqlite", "path": str(target.path)}
    return job | {"engine": "postgres", "url": target.url, "database": target.database}


@dataclass(frozen=True)
class Outcome:
    started: float
    ended: float
    applied: list[str]
    schema_version: str | None


def run_two(target: Target, project: Project) -> list[Outcome]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if not isinstance(target, SqliteTarget):
        env["SUPERSPEC_TEST_PG_PASSWORD"] = target.password or ""
    workers = []
    for name in ("a", "b"):
        job = json.dumps(_job(target, project, name))
        workers.append(subprocess.Popen([sys.executable, "-m", "tests.db.worker", job],
                                        cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True))
    try:
        deadline = time.monotonic() + 60
        while not all((project.root / f"ready-{n}").exists() for n in ("a", "b")):
            assert time.monotonic() < deadline, "the workers did not start"
            assert all(w.poll() is None for w in workers), [w.stderr.read() for w in workers
                                                            if w.stderr]
            time.sleep(0.01)
        (project.root / "go").touch()
        outputs = []
        for process in workers:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            outputs.append(Outcome(**json.loads(out)))
        return outputs
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_two_concurrent_migrators(project: Project, new_target: TargetFactory) -> None:
    target = new_target()
    slow = SLOW_SQLITE if isinstance(target, SqliteTarget) else SLOW_POSTGRES
    project.script("V2__slow.sql", slow)
    project.script("V2.1__chf.sql", V2_1)
    project.script("V3__account.sql", "CREATE TABLE account (id INT);\n")
    project.script("V10__owner.sql", V10)
    a, b = run_two(target, project)

    everything = ["1", "2", "2.1", "3", "10"]
    assert sorted(a.applied + b.applied, key=everything.index) == everything
    assert a.schema_version == b.schema_version == "10"
    rows = query(target, "SELECT version FROM superspec_schema_history ORDER BY installed_rank")
    assert [r[0] for r in rows] == everything
    if not isinstance(target, SqliteTarget):
        # the advisory lock is held for the whole run: one did everything, the other waited
        # for it and found nothing left to do
        first, second = sorted((a, b), key=lambda outcome: len(outcome.applied), reverse=True)
        assert (first.applied, second.applied) == (everything, [])
        # ...which took the 1.5 s of V2__slow.sql at least (both started at the go signal)
        assert second.ended - max(first.started, second.started) >= 1.0


def test_sqlite_lock_timeout(project: Project, tmp_path: Path) -> None:
    target = SqliteTarget(tmp_path / "locked.db")
    migrate(target, project.changes())
    with closing(sqlite3.connect(target.path, isolation_level=None)) as holder:
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(DatabaseError) as info:
            migrate(target, project.changes(), lock_timeout=0.3)
        assert time.monotonic() - started >= 0.3
    assert str(info.value) == (
        "locked.db: cannot take the write lock: database is locked (another process held the "
        "lock for more than 0.3 s)")


@pytest.mark.slow
def test_postgres_lock_timeout_names_the_holder(project: Project, pg: PgServer) -> None:
    from tests.db.conftest import new_pg_target
    target = new_pg_target(pg)
    migrate(target, project.changes())
    with psycopg.connect(target.url, dbname=target.database, password=target.password,
                         autocommit=True, application_name="someone-else") as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (lock_key(target.database),))
        pid = holder.info.backend_pid
        with pytest.raises(DatabaseError) as info:
            migrate(target, project.changes(), lock_timeout=0.5)
    assert str(info.value) == (
        f"{target.describe()}: another migration holds the lock for more than 0.5 s: pid {pid} "
        f"(application 'someone-else', client 127.0.0.1)")
    assert migrate(target, project.changes()).applied == ()  # free again once the holder left
