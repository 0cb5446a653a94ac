"""The PostgreSQL password never appears in an error message, a repr or a result."""

from __future__ import annotations

import json

import psycopg
import pytest

from superspec.db import (
    DatabaseError,
    PostgresTarget,
    copy_database,
    migrate,
    status,
)
from superspec.db.postgres import lock_key
from superspec.errors import SuperspecError
from tests.db.conftest import V2, Project, new_pg_target
from tests.db.pgserver import PgServer

pytestmark = pytest.mark.slow


def failure(call: object, *args: object, **kwargs: object) -> SuperspecError:
    assert callable(call)
    with pytest.raises(SuperspecError) as info:
        call(*args, **kwargs)
    return info.value


def texts(error: BaseException) -> str:
    """Everything an error carries that could end up on a screen or in a log."""
    parts = [str(error), repr(error), *(str(p) for p in getattr(error, "problems", []))]
    if error.__cause__ is not None or error.__context__ is not None:
        parts += [str(error.__cause__), str(error.__context__)]
    return "\n".join(parts)


def test_the_password_never_appears(project: Project, pg: PgServer) -> None:
    secret = pg.password
    target = new_pg_target(pg)
    project.script("V2__account.sql", V2)
    result = migrate(target, project.changes())
    seen = [repr(target), str(target), repr(result), json.dumps(result.to_dict()),
            json.dumps(status(target, project.changes()).to_dict())]

    # a wrong password: the server refuses, the message names the server and the user
    wrong = PostgresTarget(pg.url, target.database, password=f"not-{secret}")
    error = failure(migrate, wrong, project.changes())
    assert isinstance(error, DatabaseError)
    assert str(error) == (
        f"cannot connect to server superspec_admin@127.0.0.1:{pg.port}: connection failed: "
        f"connection to server at \"127.0.0.1\", port {pg.port} failed: FATAL:  password "
        f"authentication failed for user \"superspec_admin\"")
    seen.append(texts(error))

    # a script whose failure quotes a value equal to the password
    project.script("V3__leak.sql", f"SELECT '{secret}'::int;\n")
    error = failure(migrate, target, project.changes())
    assert str(error) == (
        "db/migrations/V3__leak.sql:1: version 3 failed and was rolled back (the database "
        "stays at version 2): invalid input syntax for type integer: \"***\"")
    seen.append(texts(error))
    (project.migrations / "V3__leak.sql").unlink()

    # a changed script, a held lock, a copy refused because of an open connection
    project.script("V2__account.sql", V2 + "-- edited\n")
    seen.append(texts(failure(migrate, target, project.changes())))
    project.script("V2__account.sql", V2)
    with psycopg.connect(target.url, dbname=target.database, password=secret,
                         autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (lock_key(target.database),))
        seen.append(texts(failure(migrate, target, project.changes(), lock_timeout=0.2)))
        seen.append(texts(failure(copy_database, target, new_pg_target(pg))))

    assert len(seen) == 10
    assert all(secret not in text for text in seen), [t for t in seen if secret in t]
