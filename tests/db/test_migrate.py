"""migrate and status against real databases: SQLite files and a PostgreSQL 15 server."""

from __future__ import annotations

from contextlib import closing

import pytest

from superspec.db import (
    HISTORY_TABLE,
    ScriptsRefused,
    SqliteTarget,
    Target,
    database_exists,
    migrate,
    status,
)
from superspec.errors import InputError
from tests.db.conftest import (
    V2,
    V2_1,
    V10,
    Project,
    TargetFactory,
    new_pg_target,
    query,
    tables,
)
from tests.db.pgserver import PgServer


@pytest.fixture
def scripted(project: Project) -> Project:
    project.script("V2__account.sql", V2)
    project.script("V2.1__chf.sql", V2_1)
    project.script("V10__owner.sql", V10)
    return project


def history(target: Target) -> list[tuple[object, ...]]:
    return query(target, f"SELECT installed_rank, version, description, script, success "
                         f"FROM {HISTORY_TABLE} ORDER BY installed_rank")


def versions(target: Target) -> list[str]:
    return [str(row[1]) for row in history(target)]


def test_baseline_then_migrations_then_nothing(scripted: Project,
                                               new_target: TargetFactory) -> None:
    target = new_target()
    changes = scripted.changes()
    first = migrate(target, changes)
    assert first.created
    assert [(r.installed_rank, r.version, r.script) for r in first.applied] == [
        (1, "1", "baseline.sql"), (2, "2", "V2__account.sql"), (3, "2.1", "V2.1__chf.sql"),
        (4, "10", "V10__owner.sql")]
    assert first.schema_version == "10"
    assert [r.checksum for r in first.applied] == [
        changes.baseline.checksum, *(s.checksum for s in changes.scripts)]
    assert history(target) == [
        (1, "1", "baseline", "baseline.sql", True), (2, "2", "account", "V2__account.sql", True),
        (3, "2.1", "chf", "V2.1__chf.sql", True), (4, "10", "owner", "V10__owner.sql", True)]
    assert query(target, "SELECT code FROM currency ORDER BY code") == [
        ("CHF",), ("EUR",), ("USD",)]
    assert tables(target) == ["account", "currency", HISTORY_TABLE]

    second = migrate(target, scripted.changes())
    assert (second.created, second.applied, second.schema_version) == (False, (), "10")
    assert len(history(target)) == 4

    now = status(target, scripted.changes())
    assert (now.exists, now.up_to_date, now.baseline_version, now.schema_version) == (
        True, True, "1", "10")
    assert [(r.version, r.description, r.checksum) for r in now.applied] == [
        (r.version, r.description, r.checksum) for r in first.applied]
    assert all(r.installed_on.endswith("Z") for r in now.applied)
    assert (now.pending, now.changed, now.out_of_order, now.missing) == ((), (), (), ())


def test_a_new_script_is_applied_alone(scripted: Project, new_target: TargetFactory) -> None:
    target = new_target()
    migrate(target, scripted.changes())
    scripted.script("V11__index.sql", """\
        CREATE INDEX account_currency ON account (currency);
        INSERT INTO currency VALUES ('PCT', '100% %s %%(x)s; -- not placeholders');
        """)
    assert [r.version for r in migrate(target, scripted.changes()).applied] == ["11"]
    assert versions(target) == ["1", "2", "2.1", "10", "11"]
    assert query(target, "SELECT name FROM currency WHERE code = 'PCT'") == [
        ("100% %s %%(x)s; -- not placeholders",)]


def test_status_of_a_database_not_created_yet_creates_nothing(
        scripted: Project, new_target: TargetFactory) -> None:
    target = new_target()
    now = status(target, scripted.changes())
    assert (now.exists, now.up_to_date, now.schema_version, now.applied) == (
        False, False, None, ())
    assert [s.script for s in now.pending] == [
        "baseline.sql", "V2__account.sql", "V2.1__chf.sql", "V10__owner.sql"]
    assert not database_exists(target)
    if isinstance(target, SqliteTarget):
        assert not target.path.exists()


def test_a_changed_applied_script_is_refused_by_name(scripted: Project,
                                                     new_target: TargetFactory) -> None:
    target = new_target()
    migrate(target, scripted.changes())
    scripted.script("V2.1__chf.sql", V2_1 + "INSERT INTO currency VALUES ('GBP', 'Pound');\n")
    scripted.script("V11__pending.sql", "CREATE TABLE pending_one (id INT);\n")
    changes = scripted.changes()
    with pytest.raises(ScriptsRefused) as info:
        migrate(target, changes)
    error = info.value
    assert isinstance(error, InputError) and error.exit_code == 1
    assert error.location is not None and error.location.file == "db/migrations/V2.1__chf.sql"
    installed = history(target)[2]
    [applied] = [r for r in status(target, changes).applied if r.version == "2.1"]
    assert str(error) == (
        f"db/migrations/V2.1__chf.sql: V2.1__chf.sql was changed after it was applied "
        f"(version 2.1, installed {applied.installed_on}): its SHA-256 is "
        f"{changes.scripts[1].checksum[:12]}..., the history recorded "
        f"{applied.checksum[:12]}...; restore the applied content and put the change in a new "
        f"script")
    assert installed[3] == "V2.1__chf.sql"
    assert "pending_one" not in tables(target)  # refused before anything was applied
    now = status(target, changes)
    assert [(c.script, c.path) for c in now.changed] == [
        ("V2.1__chf.sql", "db/migrations/V2.1__chf.sql")]
    assert [s.script for s in now.pending] == ["V11__pending.sql"]


def test_a_failing_script_leaves_the_previous_version_and_names_file_and_line(
        scripted: Project, new_target: TargetFactory) -> None:
    target = new_target()
    migrate(target, scripted.changes())
    scripted.script("V11__broken.sql", """\
        CREATE TABLE half_done (id INT);
        INSERT INTO half_done VALUES (1);
        CRATE TABLE typo (id INT);
        CREATE TABLE never (id INT);
        """)
    scripted.script("V12__after.sql", "CREATE TABLE after_broken (id INT);\n")
    with pytest.raises(InputError) as info:
        migrate(target, scripted.changes())
    engine_message = ('near "CRATE": syntax error' if isinstance(target, SqliteTarget)
                      else 'syntax error at or near "CRATE"')
    assert str(info.value) == (
        f"db/migrations/V11__broken.sql:3: version 11 failed and was rolled back (the "
        f"database stays at version 10): {engine_message}")
    assert info.value.location is not None and info.value.location.line == 3
    assert versions(target) == ["1", "2", "2.1", "10"]
    assert "half_done" not in tables(target)
    assert [s.script for s in status(target, scripted.changes()).pending] == [
        "V11__broken.sql", "V12__after.sql"]

    scripted.script("V11__broken.sql", "CREATE TABLE fixed (id INT);\n")
    assert [r.version for r in migrate(target, scripted.changes()).applied] == ["11", "12"]


def test_an_error_without_a_position_names_the_statement_line(
        scripted: Project, new_target: TargetFactory) -> None:
    target = new_target()
    scripted.script("V11__twice.sql", """\
        -- the second CREATE fails at run time, not at parse time
        CREATE TABLE twice (id INT);

        CREATE TABLE
          twice (id INT);
        """)
    with pytest.raises(InputError) as info:
        migrate(target, scripted.changes())
    engine_message = ("table twice already exists" if isinstance(target, SqliteTarget)
                      else 'relation "twice" already exists')
    assert str(info.value) == (
        f"db/migrations/V11__twice.sql:4: version 11 failed and was rolled back (the "
        f"database stays at version 10): {engine_message}")


def test_a_failing_baseline_leaves_an_empty_history(project: Project,
                                                    new_target: TargetFactory) -> None:
    target = new_target()
    project.baseline.write_text("CREATE TABLE a (id INT);\nINSERT INTO nowhere VALUES (1);\n")
    with pytest.raises(InputError) as info:
        migrate(target, project.changes())
    assert str(info.value).startswith(
        "db/baseline.sql:2: version 1 failed and was rolled back (the database stays empty): ")
    assert status(target, project.changes()).applied == ()
    assert database_exists(target)
    assert tables(target) == []  # the history table was created in the same transaction


def test_out_of_order_is_refused_unless_allowed(scripted: Project,
                                                new_target: TargetFactory) -> None:
    target = new_target()
    migrate(target, scripted.changes())
    scripted.script("V3__late_branch.sql", "CREATE TABLE late (id INT);\n")
    scripted.script("V11__next.sql", "CREATE TABLE next_one (id INT);\n")
    with pytest.raises(ScriptsRefused) as info:
        migrate(target, scripted.changes())
    assert str(info.value) == (
        "db/migrations/V3__late_branch.sql: V3__late_branch.sql is out of order: version 3 is "
        "lower than the latest applied version 10; allow out-of-order scripts to apply it")
    now = status(target, scripted.changes())
    assert [s.script for s in now.out_of_order] == ["V3__late_branch.sql"]
    assert [s.script for s in now.pending] == ["V3__late_branch.sql", "V11__next.sql"]
    assert versions(target) == ["1", "2", "2.1", "10"]

    result = migrate(target, scripted.changes(), out_of_order=True)
    assert [(r.installed_rank, r.version) for r in result.applied] == [(5, "3"), (6, "11")]
    assert versions(target) == ["1", "2", "2.1", "10", "3", "11"]
    assert migrate(target, scripted.changes()).applied == ()  # applied now: no longer refused


def test_the_baseline_is_not_applied_over_an_existing_schema(
        scripted: Project, new_target: TargetFactory) -> None:
    target = new_target()
    migrate(target, scripted.changes())
    # the tables stay, the history goes: a schema superspec did not build
    if isinstance(target, SqliteTarget):
        import sqlite3
        with closing(sqlite3.connect(target.path)) as connection:
            connection.execute(f"DROP TABLE {HISTORY_TABLE}")
            connection.commit()
    else:
        query(target, f"DROP TABLE {HISTORY_TABLE}")
    with pytest.raises(InputError) as info:
        migrate(target, scripted.changes())
    assert str(info.value) == (
        f"db/baseline.sql: {target.describe()} is not empty but has no history: superspec "
        f"applies the baseline only to an empty database")


def test_scripts_that_control_the_transaction_are_refused(
        scripted: Project, new_target: TargetFactory) -> None:
    target = new_target()
    migrate(target, scripted.changes())
    scripted.script("V11__own_transaction.sql", """\
        CREATE TABLE before_commit (id INT);
        COMMIT;
        CREATE TABLE after_commit (id INT);
        """)
    with pytest.raises(InputError) as info:
        migrate(target, scripted.changes())
    assert str(info.value) == (
        "db/migrations/V11__own_transaction.sql:2: version 11 failed and was rolled back (the "
        "database stays at version 10): COMMIT controls the transaction; scripts must not: "
        "every script runs in its own transaction, committed with its history row")
    assert "before_commit" not in tables(target)


@pytest.mark.slow
def test_postgres_error_positions_point_inside_a_statement(project: Project,
                                                           pg: PgServer) -> None:
    target = new_pg_target(pg)
    project.script("V2__types.sql", """\
        CREATE TABLE ok (id INT);
        CREATE TABLE t (
          a int,
          b no_such_type
        );
        """)
    with pytest.raises(InputError) as info:
        migrate(target, project.changes())
    assert str(info.value) == (
        "db/migrations/V2__types.sql:4: version 2 failed and was rolled back (the database "
        "stays at version 1): type \"no_such_type\" does not exist")
