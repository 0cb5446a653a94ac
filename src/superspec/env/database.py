"""An application's database in an environment: where it is, how the app reaches it, and
bringing it to the latest change script (through superspec.db)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from superspec.db import (
    MigrateResult,
    PostgresTarget,
    SqliteTarget,
    Status,
    Target,
    load_changes,
    migrate,
    status,
)
from superspec.env.desired import AppPlan
from superspec.env.names import DB_MOUNT
from superspec.env.paths import sqlite_dir
from superspec.env.serverspec import AppliedMigration, DatabaseState
from superspec.errors import InputError


def database_name(env: str, project: str) -> str:
    """The PostgreSQL database of ``project`` in ``env`` (lowercase, '_' for '.')."""
    return re.sub(r"[^a-z0-9_-]", "_", f"{env}_{project}".lower())


def target(plan: AppPlan, env: str | None = None) -> Target | None:
    """The database of ``plan``'s application in ``env`` (default: the plan's)."""
    spec = plan.database
    if spec is None:
        return None
    where = env or plan.env
    if spec.engine == "sqlite":
        return SqliteTarget(sqlite_dir(where) / f"{plan.project}.sqlite")
    if spec.url is None:
        raise InputError(f"environment '{plan.env}': a postgres database needs 'url' (the "
                         "server to create databases on)")
    password = None
    if spec.password_secret is not None:
        password = os.environ.get(spec.password_secret)
        if not password:
            raise InputError(f"the database password secret {spec.password_secret} is not set "
                             "in the environment")
    return PostgresTarget(spec.url, database_name(where, plan.project), password=password)


def app_url(db: Target, project: str) -> str:
    """DATABASE_URL as the replicas see it (a secret: environment variable only)."""
    if isinstance(db, SqliteTarget):
        return f"sqlite:///{DB_MOUNT}/{project}.sqlite"
    base = db.url.rsplit("/", 1)[0]
    if db.password:
        scheme, _, rest = base.partition("://")
        user, _, host = rest.rpartition("@")
        base = f"{scheme}://{user}:{db.password}@{host}" if user else base
    return f"{base}/{db.database}"


def bring_up(plan: AppPlan, db: Target) -> MigrateResult:
    assert plan.database is not None and plan.database.baseline is not None
    changes = load_changes(plan.project_dir / plan.database.baseline,
                           plan.database.baseline_version,
                           plan.project_dir / plan.database.migrations
                           if plan.database.migrations else None)
    if isinstance(db, SqliteTarget):
        db.path.parent.mkdir(parents=True, exist_ok=True)
    return migrate(db, changes, out_of_order=plan.database.out_of_order)


def current(plan: AppPlan, db: Target) -> Status:
    assert plan.database is not None and plan.database.baseline is not None
    changes = load_changes(plan.project_dir / plan.database.baseline,
                           plan.database.baseline_version,
                           plan.project_dir / plan.database.migrations
                           if plan.database.migrations else None)
    return status(db, changes)


def state(plan: AppPlan, db: Target, found: Status) -> DatabaseState:
    """What the Server Spec records of the database."""
    applied = [AppliedMigration(version=r.version, script=r.script, checksum=r.checksum)
               for r in found.applied if r.success]
    if isinstance(db, SqliteTarget):
        return DatabaseState(engine=db.engine, location=str(db.path),
                             schema_version=found.schema_version, applied=applied)
    assert plan.database is not None
    return DatabaseState(engine=db.engine, location=db.database, server=db.url,
                         password_secret=plan.database.password_secret,
                         schema_version=found.schema_version, applied=applied)


def mount_dir(db: Target) -> Path | None:
    return db.path.parent if isinstance(db, SqliteTarget) else None
