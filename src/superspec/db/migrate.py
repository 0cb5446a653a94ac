"""migrate and status: the core loop over an engine adapter.

Each step of migrate is one transaction: read the history (under the engine's lock), plan,
refuse what must be refused, apply the next pending script and record it. A failing script
rolls back with nothing recorded, so the database stays at the last good version."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from superspec.db.changes import ChangeSet, Script
from superspec.db.engine import Session, engine_for
from superspec.db.errors import ScriptsRefused, StatementError
from superspec.db.model import AppliedScript, MigrateResult, Status
from superspec.db.plan import Plan, plan, refusals
from superspec.db.targets import Target
from superspec.errors import InputError, Location
from superspec.paths import display_path

DEFAULT_LOCK_TIMEOUT = 600.0


def migrate(target: Target, changes: ChangeSet, *, out_of_order: bool = False,
            lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> MigrateResult:
    """Bring ``target`` up to the newest script: create it if needed, apply the baseline to an
    empty history, then every pending script in version order, each in its own transaction.

    Raises ``ScriptsRefused`` (applied scripts changed, applied scripts missing, out-of-order
    scripts without ``out_of_order``) before applying anything, ``InputError`` located at
    ``file:line`` when a script fails, ``DatabaseError`` when the database itself fails (or the
    lock is not free within ``lock_timeout`` seconds)."""
    applied: list[AppliedScript] = []
    with engine_for(target).session(target, lock_timeout) as session:
        while True:
            with session.transaction():
                current = plan(changes, session.read_history(create=True))
                problems = refusals(current, changes, out_of_order)
                if problems:
                    raise ScriptsRefused(problems)
                if not current.pending:
                    break
                script = current.pending[0]
                if script.baseline and not session.is_empty():
                    raise InputError(
                        f"{target.describe()} is not empty but has no history: superspec "
                        f"applies the baseline only to an empty database",
                        location=Location(display_path(script.path)))
                applied.append(_apply(session, script, current))
        created = session.created
    return MigrateResult(target.describe(), target.engine, created, tuple(applied),
                         current.schema_version)


def _apply(session: Session, script: Script, current: Plan) -> AppliedScript:
    started = time.monotonic()
    try:
        session.run_script(script)
    except StatementError as exc:
        version = current.schema_version
        stays = f"stays at version {version}" if version else "stays empty"
        raise InputError(
            f"version {script.version} failed and was rolled back (the database {stays}): "
            f"{exc.message}",
            location=Location(display_path(script.path), exc.line)) from None
    row = AppliedScript(
        installed_rank=current.next_rank,
        version=script.version.text,
        description=script.description,
        script=script.name,
        checksum=script.checksum,
        installed_on=_now(),
        execution_ms=int((time.monotonic() - started) * 1000),
        success=True,
    )
    session.record(row)
    return row


def _now() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def status(target: Target, changes: ChangeSet) -> Status:
    """Where ``target`` stands; reads only (a database that does not exist is reported, not
    created)."""
    with engine_for(target).reader(target) as session:
        history = session.read_history(create=False) if session is not None else []
        exists = session is not None
    current = plan(changes, history)
    return Status(
        database=target.describe(),
        engine=target.engine,
        exists=exists,
        baseline_version=current.baseline_version,
        schema_version=current.schema_version,
        applied=current.applied,
        pending=tuple(script.info() for script in current.pending),
        out_of_order=tuple(script.info() for script in current.out_of_order),
        changed=current.changed_scripts(),
        missing=current.missing,
        future=current.future,
        below_baseline=tuple(script.info() for script in current.below_baseline),
    )


def database_exists(target: Target) -> bool:
    return engine_for(target).exists(target)


def copy_database(source: Target, destination: Target) -> None:
    """Copy ``source`` to a new ``destination`` of the same engine (for ``env split``).

    SQLite: an online-consistent copy with the backup API into a new file. PostgreSQL:
    ``CREATE DATABASE destination TEMPLATE source`` on the same server; while the source has
    open connections the copy is refused with an error naming them (pid, application, client)."""
    if source.engine != destination.engine:
        raise InputError(f"cannot copy a {source.engine} database to a {destination.engine} one")
    engine_for(source).copy(source, destination)


def drop_database(target: Target) -> bool:
    """Delete the database (for ``env destroy``); False when it did not exist.

    SQLite: the file and its journal files. PostgreSQL: ``DROP DATABASE ... WITH (FORCE)``,
    which ends the sessions still connected to it."""
    return engine_for(target).drop(target)
